"""DLN analysis: replica curves for a table of settings, and the theory-vs-simulation agreement table."""

import logging

import numpy as np
import pandas as pd

from ptft.dln.experiments import CURVE_KEYS, PANEL_KEYS
from ptft.dln.replica import generalization_error, single_task_error
from ptft.stats import mean_ci

log = logging.getLogger(__name__)
FINITE_SIZE_KEY = PANEL_KEYS + ["alpha", "dim"]


def replica_curves(settings: pd.DataFrame, alpha, **solver) -> pd.DataFrame:
    """Proposition 4.2 for every distinct setting of `settings` (other columns, e.g. group/regime, are kept)."""
    out = []
    for key, rows in settings.groupby(CURVE_KEYS, sort=False):
        p = dict(zip(CURVE_KEYS, key))
        log.info("replica curve %s", p)
        curve = generalization_error(np.asarray(alpha), **p, **solver)
        for _, row in rows.iterrows():
            out.append(curve.assign(**row.to_dict()))
    df = pd.concat(out, ignore_index=True)
    n_bad = int((~df["converged"].astype(bool)).sum())
    if n_bad:
        log.warning("%d of %d replica points did not converge (kept, flagged converged=False)", n_bad, len(df))
    return df.assign(dim=np.inf, method="replica")


def single_task_curves(c_values, rho: float, alpha) -> pd.DataFrame:
    """Single-task replica limit (K ≡ 4c²) for each c."""
    return pd.concat([single_task_error(np.asarray(alpha), c_pt=c, rho=rho).assign(c_pt=c, rho_ft=rho)
                      for c in c_values], ignore_index=True)


def agreement_table(sims: pd.DataFrame, replica: pd.DataFrame) -> pd.DataFrame:
    """Per setting and α: GD mean (Student-t 95% CI, n_runs), finite-D argmin mean, replica, and the paired
    GD − argmin difference over seeds (same data per seed) with its 95% CI half-width."""
    by = PANEL_KEYS + ["alpha"]
    gd = mean_ci(sims, by, "mse").rename(columns={"mean": "gd", "std": "gd_std", "ci95": "gd_ci95"})
    argmin = sims.groupby(by)["mse_argmin"].mean().rename("argmin").reset_index()
    # Same data per seed: the per-seed difference is the paired quantity.
    paired = mean_ci(sims.assign(diff=sims["mse"] - sims["mse_argmin"]), by, "diff").rename(
        columns={"mean": "gd_minus_argmin", "ci95": "gd_minus_argmin_ci95"})
    theory = (replica.drop_duplicates(by)[by + ["mse", "converged"]]
              .rename(columns={"mse": "replica", "converged": "replica_converged"}))
    # Replica α are rounded to the same 12 digits as the GD grid, so an exact merge is safe.
    table = (gd.merge(argmin, on=by).merge(paired[by + ["gd_minus_argmin", "gd_minus_argmin_ci95"]], on=by)
             .merge(theory, on=by, how="left"))
    table["rel_gd_replica"] = (table["gd"] - table["replica"]) / table["replica"]
    table["rel_argmin_replica"] = (table["argmin"] - table["replica"]) / table["replica"]
    table["rel_gd_argmin"] = (table["gd"] - table["argmin"]) / table["argmin"]
    return table


def finite_size_keys(points: pd.DataFrame) -> list[tuple]:
    """The rows finite_size_table makes from `points`: one per FINITE_SIZE_KEY with a finite mse_argmin (whether a
    setting has one depends on its data: NaN where only some √k_d = 0), so a reader checks the table against them."""
    keys = points.dropna(subset=["mse_argmin"])[FINITE_SIZE_KEY].drop_duplicates()
    return list(keys.itertuples(index=False, name=None))


def finite_size_table(points: pd.DataFrame, replica: pd.DataFrame) -> pd.DataFrame:
    """The minimiser's finite-size bias against the replica limit, per setting, α and D.

    points: minimiser rows (mse_argmin, teacher_energy, dim, seed, the setting keys), e.g. the GD runs' argmin at
    dln.dim and the theory points at the minimiser's D. Errors are divided by each seed's teacher energy
    ‖β*‖²/D, which removes the draw-to-draw fluctuation of the teacher's norm (E[β*²] = 1 in the replica law).
    Columns: the keys, dim, n_runs, argmin (normalised mean), argmin_ci95 (Student-t), replica, bias = argmin −
    replica, rel_bias = bias / replica.
    """
    by = FINITE_SIZE_KEY
    norm = points.assign(argmin=points["mse_argmin"] / points["teacher_energy"])
    table = mean_ci(norm, by, "argmin").rename(columns={"mean": "argmin", "std": "argmin_std", "ci95": "argmin_ci95"})
    keys = PANEL_KEYS + ["alpha"]
    theory = replica.drop_duplicates(keys)[keys + ["mse"]].rename(columns={"mse": "replica"})
    table = table.merge(theory, on=keys, how="left")
    table["bias"] = table["argmin"] - table["replica"]
    table["rel_bias"] = table["bias"] / table["replica"]
    return table
