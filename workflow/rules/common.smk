# Config validation, run tables and small input functions shared by every stage.
from pathlib import Path

import ptft.config
import ptft.provenance

ROOT = Path(workflow.basedir)

# Fails here, before any job is scheduled, with the key and the expectation named: `snakemake.utils.validate`
# against workflow/schemas/ (filling in the schema's defaults), then each arm's cross-field rules (ptft.config).
try:
    ptft.config.validate(config, ROOT / "workflow/schemas/config.schema.yaml")
except ptft.config.ConfigError as err:
    raise WorkflowError(str(err)) from None

ENV = "../../environment.yml"


# Every wildcard of every rule: names are run-table ids or grid keys, never paths.
wildcard_constraints:
    task=r"rho_ft=[0-9.e+-]+_omega=[0-9.e+-]+_seed=[0-9]+",
    seed=r"[0-9]+",
    group=r"[a-z0-9_]+",
    dataset=r"[a-z0-9_]+",
    sweep=r"[a-z_]+",
    ext=r"pdf|png",
    pt_id=r"[^/]+",
    pt_job=r"[^/]+",
    ft_job=r"[0-9]+",


# Each stage registers its final outputs here under its arm's name; `rule all` builds the enabled arms.
TARGETS = {}


def all_targets():
    # "report" (scorecard, provenance index; workflow/rules/report.smk) is built whatever the arms.
    return [
        path for arm in [*config["arms"], "report"] for path in TARGETS.get(arm, [])
    ]


onsuccess:
    ptft.provenance.warn_if_synthetic(all_targets())
