"""Run tables of the vision arm: pure functions of the config section; ids name every output path."""

import json

import pandas as pd

from ptft import grid
from ptft.vision.config import KNOBS


def ft_grid(section: dict) -> pd.DataFrame:
    """Every FT run once: run_datasets × seed × the union of the sweeps (knobs not swept take `base`) × n."""
    parts = []
    for sweep in section["sweeps"].values():
        knobs = {k: sweep.get(k, [section["base"][k]]) for k in KNOBS}
        parts.append(grid.expand({"dataset": section["run_datasets"], "seed": section["seeds"], **knobs,
                                  "n": section["n"]}))
    return pd.concat(parts).drop_duplicates(ignore_index=True)


def _settings(section: dict, phase: str) -> str:
    """The training settings an id must change with (a changed value never resumes an old checkpoint)."""
    keys = {"pt": ("pt", "stem", "early_layers", "policies"), "ft": ("ft", "ensd", "policies")}[phase]
    return json.dumps({k: section[k] for k in keys}, sort_keys=True)


def pt_keys(section: dict) -> list[str]:
    """The columns a PT run is keyed by: c_pt only where it scales the PT init (policy `pt_init` [ours]); under the
    authors' `ft_start` every c_pt fine-tunes from the same checkpoint."""
    return ["dataset", "seed", "alpha_rel"] + (["c_pt"] if section["policies"]["c_pt"] == "pt_init" else [])


def pt_table(section: dict) -> pd.DataFrame:
    """One row per PT run: the pt_keys and pt_id."""
    pt = ft_grid(section)[pt_keys(section)].drop_duplicates(ignore_index=True)
    ids = [grid.run_id({**row, "settings": _settings(section, "pt")}) for row in pt.to_dict("records")]
    return pt.assign(pt_id=ids)


def ft_table(section: dict) -> pd.DataFrame:
    """One row per FT run: the PT keys, gamma_ft, n, pt_id, ft_id, and ft_job (the batch job that runs it).

    The FT runs of one PT checkpoint are dealt round-robin by n into `ft_jobs_per_pt` jobs of similar cost.
    """
    ft = ft_grid(section).merge(pt_table(section), on=pt_keys(section))
    ft["ft_id"] = [grid.run_id({"pt_id": r["pt_id"], "c_pt": r["c_pt"], "gamma_ft": r["gamma_ft"], "n": r["n"],
                                "settings": _settings(section, "ft")}) for r in ft.to_dict("records")]
    ft = ft.sort_values(["pt_id", "n", "c_pt", "gamma_ft"], ignore_index=True)
    ft["ft_job"] = ft.groupby("pt_id").cumcount() % section["ft_jobs_per_pt"]
    return ft


def ft_jobs(section: dict) -> pd.DataFrame:
    """One row per FT job: dataset, pt_id, ft_job."""
    return ft_table(section)[["dataset", "pt_id", "ft_job"]].drop_duplicates(ignore_index=True)


def sweep_rows(df: pd.DataFrame, section: dict, sweep: str) -> pd.DataFrame:
    """The rows of `df` that belong to sweep `sweep` (its lists, `base` for the knobs it does not vary)."""
    spec = section["sweeps"][sweep]
    mask = pd.Series(True, index=df.index)
    for k in KNOBS:
        mask &= df[k].isin(spec.get(k, [section["base"][k]]))
    return df[mask]


def sweep_knob(section: dict, sweep: str) -> str:
    """The knob a sweep's figure colours by: the first with more than one value (else the first listed)."""
    spec = section["sweeps"][sweep]
    return next((k for k, v in spec.items() if len(v) > 1), next(iter(spec)))


def job_runs(ft: pd.DataFrame, pt_id: str, ft_job: int) -> list[dict]:
    """The FT runs (ft_id, c_pt, gamma_ft, n) of one FT job."""
    rows = ft[(ft["pt_id"] == pt_id) & (ft["ft_job"] == int(ft_job))]
    return rows[["ft_id", "c_pt", "gamma_ft", "n"]].to_dict("records")


def data_root(section: dict, dataset: str) -> str:
    """The folder holding (or receiving) a dataset's original archives."""
    return section["datasets"][dataset].get("path") or f"resources/vision/{dataset}/raw"
