"""Run a task's GD runs as a few batched calls, caching each finished batch so an interrupted job resumes.

A batch runs under two step budgets: `max_steps` for all its runs, then `max_steps_extended` in all for the runs
still descending at the first cap, continued from their cached state (no run is judged, or dropped, for being slow:
what still stops at the second cap is kept with its gap and flagged `capped`).
"""

import logging
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd

from ptft import grid, io
from ptft.dln.gd import GDOptions
from ptft.dln.simulate import Unfinished, continue_task, finetune_task, simulate_single_task

log = logging.getLogger(__name__)
SETTING = ["c_pt", "lambda_pt", "gamma_ft", "lr", "tol_train"]


def gd_options(gd: dict) -> GDOptions:
    """GDOptions from the config's `gd` block (keys GDOptions does not know, e.g. lr_rich, are dropped)."""
    known = {f.name for f in fields(GDOptions)}
    return GDOptions(**{k: v for k, v in gd.items() if k in known})


def _load(csv: Path) -> tuple | None:
    """A cached (rows, Unfinished), or None when the runs capped there have no saved state to continue from."""
    rows = pd.read_csv(csv)
    capped = ~(rows["converged"].astype(bool) | rows["diverged"].astype(bool))
    rows = rows.assign(capped=capped, extended=rows.get("extended", False),
                       extension_wall_s=rows.get("extension_wall_s", 0.0))  # a batch cached before these columns
    npz = csv.with_suffix(".npz")
    if npz.exists():
        with np.load(npz) as z:
            return rows, Unfinished(z["index"], tuple(z["initial"]), tuple(z["state"]))
    if capped.any():
        return None
    dim = int(rows["dim"].iloc[0])
    empty = tuple(np.empty((dim, 0)) for _ in range(4))
    return rows, Unfinished(np.empty(0, dtype=np.int64), empty, empty)


def _cached(cache: Path | None, key: dict, compute) -> tuple:
    """compute() -> (rows, Unfinished) once per key: `cache/<hash of key>.csv`, the capped runs' state beside it
    (.npz, written first: the .csv marks the batch done), kept until the job's output is written."""
    if cache is None:
        return compute()
    csv = cache / f"{grid.run_id(key, length=16)}.csv"
    if csv.exists() and (done := _load(csv)) is not None:
        log.info("resuming: batch %s already done", csv.name)
        return done
    rows, unfinished = compute()
    if len(unfinished.index):
        io.write_npz(csv.with_suffix(".npz"), index=unfinished.index, initial=np.stack(unfinished.initial),
                     state=np.stack(unfinished.state))
    io.write_csv(csv, rows)
    return rows, unfinished


def _extension(gd: dict, opts: GDOptions) -> int:
    """Steps of the second budget: gd.max_steps_extended − gd.max_steps (0: one budget)."""
    extra = gd["max_steps_extended"] - opts.max_steps
    if extra < 0:
        raise ValueError(f"dln.gd.max_steps_extended ({gd['max_steps_extended']}) is below max_steps "
                         f"({opts.max_steps})")
    return extra


def run_task_batches(runs: pd.DataFrame, gd: dict, *, argmin: bool, alpha_pt: float | None = None,
                     cache: Path | None = None, device="cpu") -> pd.DataFrame:
    """All runs of one task (same seed, ρ_ft, ω): one batched GD call per α (each run with its own lr and
    tol_train), then one for its runs still descending at gd.max_steps, continued up to gd.max_steps_extended steps
    in all at each run's `lr_extended` (column of `runs`; absent: its `lr`); rows keep `run_id`.

    device: where the GD products run ("cpu" or a CUDA device; float64 either way, the same β to rounding).
    """
    first = runs.iloc[0]
    out = []
    for alpha, batch in runs.groupby("alpha", sort=True):
        opts = gd_options(gd)
        extra = _extension(gd, opts)
        key = {"alpha": alpha, "gd": vars(opts), "argmin": argmin, "alpha_pt": alpha_pt,
               "runs": sorted(batch["run_id"])}
        log.info("task %s α=%g: %d runs", first["task"], alpha, len(batch))
        df, unfinished = _cached(cache, key, lambda: finetune_task(
            dim=int(first["dim"]), alpha=float(alpha), rho_pt=float(first["rho_pt"]), rho_ft=float(first["rho_ft"]),
            omega=float(first["omega"]), seed=int(first["seed"]), a_pt=float(first["a_pt"]),
            settings=batch[SETTING].reset_index(drop=True), gd=opts, pt=first["pt"], alpha_pt=alpha_pt,
            argmin=argmin, device=device))
        if extra and len(unfinished.index):
            log.info("task %s α=%g: %d runs capped at %d steps continue for up to %d more", first["task"], alpha,
                     len(unfinished.index), opts.max_steps, extra)
            step = (batch["lr_extended"] if "lr_extended" in batch else batch["lr"]).to_numpy(dtype=float)
            df, _ = _cached(cache, {**key, "max_steps_extended": opts.max_steps + extra, "lr_extended": list(step)},
                            lambda: continue_task(df, unfinished, steps=extra, lr=step, gd=opts, device=device))
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
