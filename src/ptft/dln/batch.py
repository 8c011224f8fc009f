"""Run a task's GD runs as a few batched calls, caching each finished batch so an interrupted job resumes."""

import logging
from dataclasses import fields
from pathlib import Path

import pandas as pd

from ptft import grid, io
from ptft.dln.gd import GDOptions
from ptft.dln.simulate import simulate_single_task, simulate_task

log = logging.getLogger(__name__)
SETTING = ["c_pt", "lambda_pt", "gamma_ft", "lr"]


def gd_options(gd: dict, **overrides) -> GDOptions:
    """GDOptions from the config's `gd` block (keys GDOptions does not know, e.g. lr_rich, are dropped)."""
    known = {f.name for f in fields(GDOptions)}
    return GDOptions(**{k: v for k, v in {**gd, **overrides}.items() if k in known})


def _cached(cache: Path | None, key: dict, compute) -> pd.DataFrame:
    """compute() once per key: results live in `cache/<hash of key>.csv` until the job's output is written."""
    if cache is None:
        return compute()
    path = cache / f"{grid.run_id(key, length=16)}.csv"
    if path.exists():
        log.info("resuming: batch %s already done", path.name)
        return pd.read_csv(path)
    df = compute()
    io.write_csv(path, df)
    return df


def run_task_batches(runs: pd.DataFrame, gd: dict, *, argmin: bool, alpha_pt: float | None = None,
                     cache: Path | None = None, device="cpu") -> pd.DataFrame:
    """All runs of one task (same seed, ρ_ft, ω): one batched GD call per (α, tolerance); rows keep `run_id`.

    device: where the GD products run ("cpu" or a CUDA device; float64 either way, the same β to rounding).
    """
    first = runs.iloc[0]
    out = []
    for (alpha, tol), batch in runs.groupby(["alpha", "tol_train"], sort=True):
        opts = gd_options(gd, tol_train=float(tol))
        key = {"alpha": alpha, "gd": vars(opts), "argmin": argmin, "alpha_pt": alpha_pt,
               "runs": sorted(batch["run_id"])}
        log.info("task %s α=%g: %d runs", first["task"], alpha, len(batch))
        df = _cached(cache, key, lambda: simulate_task(
            dim=int(first["dim"]), alpha=float(alpha), rho_pt=float(first["rho_pt"]), rho_ft=float(first["rho_ft"]),
            omega=float(first["omega"]), seed=int(first["seed"]), a_pt=float(first["a_pt"]),
            settings=batch[SETTING].reset_index(drop=True), gd=opts, pt=first["pt"], alpha_pt=alpha_pt,
            argmin=argmin, device=device))
        out.append(df.assign(run_id=batch["run_id"].to_numpy(), task=first["task"]))
    return pd.concat(out, ignore_index=True)


def run_single_task_batches(runs: pd.DataFrame, gd: dict, *, argmin: bool) -> pd.DataFrame:
    """Exp 4 runs, one batched call per (seed, α)."""
    out = []
    for (seed, alpha), batch in runs.groupby(["seed", "alpha"], sort=True):
        df = simulate_single_task(dim=int(batch["dim"].iloc[0]), alpha=float(alpha), rho=float(batch["rho"].iloc[0]),
                                  seed=int(seed), settings=batch[["c_pt", "lambda_pt", "lr"]].reset_index(drop=True),
                                  gd=gd_options(gd), argmin=argmin)
        out.append(df.assign(run_id=batch["run_id"].to_numpy()))
    return pd.concat(out, ignore_index=True)
