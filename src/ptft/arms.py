"""The registry of arms: the one list of what the pipeline runs. Only entry points import it (the CLI, the
workflow's common.smk and its scorecard and plan scripts); the engines (ptft.config, ptft.scorecard, ptft.plan) take
what they need from it as arguments, so no base module imports an arm.
"""

from pathlib import Path

from ptft import config
from ptft.dln.arm import ARM as DLN
from ptft.modarith.arm import ARM as MODARITH
from ptft.vision.arm import ARM as VISION

ARMS = (DLN, VISION, MODARITH)
CHECKS = {arm.name: arm.check_config for arm in ARMS}
NAMED_ENTRIES = tuple(f"{arm.name}.{key}" for arm in ARMS for key in arm.named_entries)
CLAIMS = tuple(claim for arm in ARMS for claim in arm.claims)
TABLES = {name: (arm.name, table) for arm in ARMS for name, table in arm.tables.items()}
PLAN_ROWS = {arm.name: arm.plan_rows for arm in ARMS}


def validate(cfg: dict, root: Path | str = ".") -> dict:
    """ptft.config.validate with every arm's checks, against the schemas of the checkout at `root`."""
    return config.validate(cfg, Path(root) / config.SCHEMA, CHECKS, NAMED_ENTRIES)
