# Config validation, run tables and small input functions shared by every stage.
from pathlib import Path

import ptft.config
import ptft.provenance

ROOT = Path(workflow.basedir)

# Fails here, before any job is scheduled, with the key and the expectation named.
try:
    ptft.config.validate(config, ROOT / "workflow/schemas/config.schema.yaml")
except ptft.config.ConfigError as err:
    raise WorkflowError(str(err)) from None

ENV = "../../environment.yml"
# Each stage registers its final outputs here under its arm's name; `rule all` builds the enabled arms.
TARGETS = {}


def all_targets():
    # "report" (scorecard, provenance index; workflow/rules/report.smk) is built whatever the arms.
    return [
        path for arm in [*config["arms"], "report"] for path in TARGETS.get(arm, [])
    ]


onsuccess:
    ptft.provenance.warn_if_synthetic(all_targets())
