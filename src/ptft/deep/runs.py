"""The experiment design both deep arms share: knob settings, run ids, jobs.

- Sweeps (as the paper's figures): the `base` setting of the three knobs, plus for each named sweep the base with
  that sweep's one knob moved to each listed value. One figure per sweep; the base belongs to every sweep.
- Runs: `pt_id` names one PT run, `ft_id` one FT run, in both arms' run tables and result tables; both are hashes
  of the parameters (ptft.grid), so a changed setting gives new ids and never resumes an old checkpoint.
- Jobs: `pt_job` / `ft_job` name the unit Snakemake schedules; a job runs one or more runs (the vision arm: the
  seeds of one PT knob setting in parts of `pt_runs_per_job`, the FT runs of one seed in `ft_jobs_per_seed` parts;
  the modarith arm: an ensemble of vmapped members).

Each arm declares only its model, data and `Axes`: the size axis of its FT runs (`n` images or `ft_train_frac`) and
the column its figures put in panels and its claims match within seed (`dataset`, `family`).
"""

from dataclasses import dataclass

import pandas as pd

from ptft.config import ConfigError

# The three knobs (ptft.deep.knobs applies them), one name each, in every table, config key and claim of both deep
# arms.
KNOBS = ("alpha_rel", "c_pt", "gamma_ft")


@dataclass(frozen=True)
class Axes:
    """An arm's declaration for the shared tables, figures and claims."""

    size: str  # the FT data-size column: n (vision, images) | ft_train_frac (modarith, share of the pairs)
    panel: str  # one figure panel per value, matched within seed by the claims: dataset | family

    @property
    def cell(self) -> list[str]:
        """The columns of one summary-table cell: a panel, a sweep's knob value, a data size."""
        return [self.panel, "sweep", "knob", "value", self.size]


def knob_settings(base: dict, sweeps: dict) -> pd.DataFrame:
    """One row per distinct knob setting (columns KNOBS): the base, and the base with the knob of one sweep moved.

    `sweeps` = {name: {knob: [values]}}, one knob per sweep (check_sweeps).
    """
    rows = [dict(base)] + [{**base, knob: value} for sweep in sweeps.values()
                           for knob, values in sweep.items() for value in values]
    return pd.DataFrame(rows, columns=list(KNOBS)).drop_duplicates(ignore_index=True)


def sweep_knob(sweep: dict) -> str:
    """The one knob a sweep moves."""
    ((knob, _),) = sweep.items()
    return knob


def sweep_rows(df: pd.DataFrame, base: dict, sweeps: dict) -> pd.DataFrame:
    """The rows of each sweep (its knob at the listed values, the others at base) with `sweep`, `knob` and `value`
    columns; the base setting belongs to every sweep, so its rows appear once per sweep."""
    parts = []
    for name, sweep in sweeps.items():
        knob = sweep_knob(sweep)
        keep = df[knob].isin(sweep[knob])
        for other in KNOBS:
            if other != knob:
                keep &= df[other] == base[other]
        parts.append(df[keep].assign(sweep=name, knob=knob, value=df.loc[keep, knob]))
    return pd.concat(parts, ignore_index=True)


def check_sweeps(arm: str, base: dict, sweeps: dict) -> None:
    """Raise ConfigError naming the key unless every sweep moves one knob of KNOBS and lists the base value
    (the curves of a sweep's figure share the base)."""
    for name, sweep in sweeps.items():
        if len(sweep) != 1 or not set(sweep) <= set(KNOBS):
            raise ConfigError(f"{arm}.sweeps.{name}: expected one knob of {list(KNOBS)}, got {sorted(sweep)}")
        knob = sweep_knob(sweep)
        if base[knob] not in sweep[knob]:
            raise ConfigError(f"{arm}.sweeps.{name}.{knob}: {sweep[knob]} lacks the base value {base[knob]}; "
                              "expected the base in every sweep (the curves of a figure share it)")


def members(table: pd.DataFrame, job_column: str, job, order) -> list[dict]:
    """The runs of one job as plain dicts (for a rule's `params:`), in the stable order of the column(s) `order`."""
    rows = table[table[job_column].astype(str) == str(job)].sort_values(order, kind="stable")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in rows.to_dict("records")]
