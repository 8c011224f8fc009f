"""What an arm of the pipeline declares to the engines (config check, scorecard, cost plan): one `Arm` object per
arm package, listed by the registry `ptft.arms`. A leaf module: arms import it, engines take arms as arguments.
"""

from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Table:
    """A result table the arm's claims read: its path under the run folder and the column(s) that key its rows."""

    path: str
    key: str | list = "run_id"


@dataclass(frozen=True)
class Arm:
    """One arm: its config section `name` (schema `workflow/schemas/<name>.schema.yaml`) and what only it knows.

    check_config: the section's cross-field rules (raises ptft.config.ConfigError naming the key).
    named_entries: its maps of named entries (dotted, below the section), where `name: null` deletes an entry.
    claims: its claims (ptft.claim.Claim), in scorecard order. tables: name -> Table of what the claims read.
    plan_rows: (section, unit costs) -> the rows of `ptft plan` for its compute rules (ptft.plan.row).
    design: a deep arm's experiment design (ptft.deep.design.Design: run tables, jobs, settings, work folders and
      its named choices), None for an arm with another design (DLN).
    """

    name: str
    check_config: Callable[[dict], None]
    claims: tuple
    tables: dict
    plan_rows: Callable[[dict, dict], list]
    named_entries: tuple = field(default=())
    design: object = None
