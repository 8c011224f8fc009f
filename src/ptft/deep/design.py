"""The one experiment design both deep arms implement, with the same names and meanings: each arm's `runs.py`
exports `DESIGN = Design(...)` (its `arm.py` hands it to the engines as `ARM.design`); the workflow's input
functions (`workflow/rules/common.smk`) and `tests/deep/test_design.py` reach both arms' runs and jobs through it.

What every design answers, from a validated config section:
- `pt_table(section)`: one row per PT run, with `pt_id` (a hash of all the run reads: a changed setting never resumes
  an old checkpoint) and `pt_job` (the Snakemake job that runs it), besides the arm's PT keys (seed, knobs, ...).
- `ft_table(section)`: one row per FT run, with `ft_id`, `pt_id` (the PT run it starts from), `ft_job`, `seed`, the
  knobs (ptft.deep.runs.KNOBS) and the arm's `axes` columns (panel, size).
- `settings(section, phase, job)`: what one job of `phase` ("pt" | "ft") reads of the section besides its members,
  and nothing else (the training script's params: editing an unread key reruns no job).
- `members(table, phase, job)`: the runs of one job as plain dicts, in the order they run.
- `workdir(phase, job, settings, members)`: the job's checkpoint folder, `results/<arm>/.work/<phase>/<job>/<key>`
  with `key` a hash of its settings and members, so other settings or members never resume a stale checkpoint.

Where the arms truly differ, the difference is a named choice (the values below are the only ones):
- `batching`, how a job runs its members: "sequential" (one run after another: vision, the seeds of one PT knob
  setting in PT jobs of `pt_runs_per_job` runs and the FT runs of one seed in `ft_jobs_per_seed` jobs) | "ensemble"
  (members at once as one vmapped model: modarith, ptft.modarith.ensemble; a PT job per PT task and PT knob
  setting, an FT job per family with one ensemble per FT size, one after another).
- `resume`, what an interrupted job keeps: "per_run" (each run's checkpoint, and a finished run's result, which a
  rerun skips: vision) | "per_job" (each ensemble's one checkpoint: modarith).
- `probe`, the linear-probe baseline `probe_test_acc` (ptft.deep.probe says why they differ): "fitted_optimum"
  (softmax regression fit by L-BFGS on the frozen features: vision) | "ft_readout" (the FT run's own fresh readout
  trained with the FT optimiser and steps on the frozen body: modarith).
"""

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from ptft import grid
from ptft.deep.runs import Axes, members

PHASES = ("pt", "ft")
CHOICES = {"batching": ("sequential", "ensemble"), "resume": ("per_run", "per_job"),
           "probe": ("fitted_optimum", "ft_readout")}


@dataclass(frozen=True)
class Design:
    """One deep arm's experiment design (the module docstring defines every name)."""

    arm: str
    axes: Axes
    pt_table: Callable[[dict], pd.DataFrame]
    ft_table: Callable[[dict], pd.DataFrame]
    settings: Callable[[dict, str, str], dict]
    order: dict  # phase -> the column(s) a job's members run in the order of
    batching: str
    resume: str
    probe: str

    def __post_init__(self):
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{self.arm}: {name} = {getattr(self, name)!r}, expected one of {allowed}")
        if set(self.order) != set(PHASES):
            raise ValueError(f"{self.arm}: order names {sorted(self.order)}, expected {list(PHASES)}")

    def members(self, table: pd.DataFrame, phase: str, job: str) -> list[dict]:
        """The runs of one job of `phase` (rows of that phase's table) as plain dicts, in the order they run."""
        return members(table, f"{phase}_job", job, self.order[phase])

    def workdir(self, phase: str, job: str, settings: dict, rows: list[dict]) -> str:
        """A job's checkpoint + history folder; other settings or members give another one (never a stale resume)."""
        key = grid.run_id({"settings": settings, "members": rows}, length=12)
        return f"results/{self.arm}/.work/{phase}/{job}/{key}"
