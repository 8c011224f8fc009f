"""DLN simulations: draw a task, pretrain (oracle or learned), fine-tune many settings in one batched GD call.

Each row of the returned tables is one setting (c_pt, lambda_pt, gamma_ft[, lr]) on the same data; its GD
error is set beside the Theorem 4.1 prediction (the minimum-penalty interpolator on the same data).
Errors are exact test MSEs ‖β̂ − β*‖²/D, valid for inputs x ~ N(0, I_D/D).
"""

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ptft.dln import tasks, theory
from ptft.dln.gd import GDOptions, conservation_drift, gradient_descent
from ptft.dln.minimiser import argmin_mse, param_mse


def _per_run(settings, column, default):
    """A per-run column of the settings table as floats; a missing column or NaN falls back to `default`."""
    values = settings[column].to_numpy(dtype=np.float64) if column in settings else np.full(len(settings), np.nan)
    return np.where(np.isnan(values), default, values)


def _knobs(settings, gd):
    """(c, λ, γ, lr) arrays of length R from the settings table; a missing or NaN lr falls back to gd.lr."""
    c = settings["c_pt"].to_numpy(dtype=np.float64)
    lam = settings["lambda_pt"].to_numpy(dtype=np.float64)
    gam = settings["gamma_ft"].to_numpy(dtype=np.float64) if "gamma_ft" in settings else np.zeros_like(c)
    return c, lam, gam, _per_run(settings, "lr", gd.lr)


def _pretrain(task, c, lam, lr, *, dim, seed, gd, pt, alpha_pt, device):
    """The PT end state (D, R) per setting, the β_PT it encodes, and extra PT columns (learned PT only)."""
    if pt == "oracle":
        beta_pt = np.broadcast_to(task.beta_pt[:, None], (dim, len(c)))
        return theory.pt_end_state(beta_pt, c, lam), beta_pt, {}
    if pt != "learned":
        raise ValueError(f"pt must be 'oracle' or 'learned', got {pt!r}")
    if alpha_pt is None:
        raise ValueError("pt='learned' needs alpha_pt (N_PT = round(alpha_pt*dim) PT samples)")
    X, y = tasks.training_data(task.beta_pt, round(alpha_pt * dim), seed, "pt_train_x")
    res = gradient_descent(X, y, theory.init_state(c, lam, dim), lr=lr, options=gd, device=device)
    extra = {
        "alpha_pt": alpha_pt,
        "pt_mse": param_mse(res.beta, task.beta_pt),
        "pt_train_mse": res.train_mse,
        "pt_steps": res.steps,
        "pt_converged": res.converged,
        "pt_diverged": res.diverged,
        "pt_drift": res.drift,
    }
    return res.state, res.beta, extra


@dataclass(frozen=True)
class Unfinished:
    """The runs of one batch that reached the step cap still descending, and where to continue them from.

    index: (k,) their rows in the batch's table; initial: the FT start state, four (D, k) arrays (the conserved
    quantities are measured against it over the whole descent); state: the state at the cap, four (D, k).
    """

    index: np.ndarray
    initial: tuple
    state: tuple

    @classmethod
    def of(cls, res, initial) -> "Unfinished":
        """The capped runs of a GDResult `res` whose descent started at `initial` ((D, R) each)."""
        keep = np.flatnonzero(~(res.converged | res.diverged))
        return cls(keep, tuple(a[:, keep] for a in initial), tuple(a[:, keep] for a in res.state))

    def subset(self, which) -> "Unfinished":
        """The runs at positions `which` of this set (a boolean mask or indices over its k runs)."""
        return Unfinished(self.index[which], tuple(a[:, which] for a in self.initial),
                          tuple(a[:, which] for a in self.state))


def simulate_task(**kwargs) -> pd.DataFrame:
    """finetune_task's table alone (the runs' state at the cap is dropped)."""
    return finetune_task(**kwargs)[0]


def finetune_task(
    *,
    dim,
    alpha,
    rho_pt,
    rho_ft,
    omega,
    seed,
    settings,
    a_pt=1.0,
    gd=GDOptions(),
    pt="oracle",
    alpha_pt=None,
    argmin=True,
    device="cpu",
):
    """Fine-tune every setting of `settings` on one PT/FT task: one row per setting (REFERENCE §2, §4), and the
    Unfinished runs (capped at gd.max_steps, neither converged nor diverged) with the state to continue them from.

    settings: DataFrame with columns c_pt, lambda_pt, gamma_ft and optionally lr and tol_train (override gd's per
    run: rich and other runs of a task then share one batched call).
    pt="oracle" builds the PT end state in closed form from β_PT = β*_PT; pt="learned" pretrains with batched
    GD from init_state on round(alpha_pt·dim) samples (same per-run lr) and carries the learned β_PT into
    both the FT re-initialisation and the Theorem 4.1 penalty. FT uses round(alpha·dim) samples; all settings
    share the data and advance in one batched GD call. wall_s is that call's wall time, shared by its
    batch_size rows. mse_argmin is NaN when argmin=False or the penalty has √k_d = 0 (λ = −1 with γ = 0).
    `capped` flags the runs stopped by the step cap; `extended` is False (continue_task sets it).
    """
    task = tasks.make_task(dim=dim, rho_pt=rho_pt, rho_ft=rho_ft, omega=omega, seed=seed, a_pt=a_pt)
    c, lam, gam, lr = _knobs(settings, gd)
    state, beta_pt, extra = _pretrain(
        task, c, lam, lr, dim=dim, seed=seed, gd=gd, pt=pt, alpha_pt=alpha_pt, device=device
    )
    ft_state = theory.ft_reinit(*state, gam)
    beta_ft0 = ft_state[0] * ft_state[1] - ft_state[2] * ft_state[3]
    X, y = tasks.training_data(task.beta_ft, round(alpha * dim), seed, "ft_train_x")
    start = time.perf_counter()
    tol = _per_run(settings, "tol_train", gd.tol_train)
    res = gradient_descent(X, y, ft_state, lr=lr, tol_train=tol, options=gd, device=device)
    wall = time.perf_counter() - start
    sqrt_k = theory.sqrt_k_ft(beta_pt, c, lam, gam)
    table = pd.DataFrame(
        {
            "c_pt": c,
            "lambda_pt": lam,
            "gamma_ft": gam,
            "rho_pt": rho_pt,
            "rho_ft": rho_ft,
            "omega": omega,
            "alpha": alpha,
            "dim": dim,
            "seed": seed,
            "a_pt": a_pt,
            "pt": pt,
            **_gd_columns(res, X, y, sqrt_k, task.beta_ft, argmin=argmin, lr=lr),
            "tol_train": tol,
            "teacher_energy": np.mean(task.beta_ft**2),
            "beta_ft0_max": np.abs(beta_ft0).max(axis=0),
            "wall_s": wall,
            "batch_size": len(c),
            "extended": False,
            "extension_wall_s": 0.0,
            "lr_extended": np.nan,  # the continuation's step, for runs continued past the cap (continue_task)
            **extra,
        }
    )
    return table, Unfinished.of(res, ft_state)


def continue_task(rows: pd.DataFrame, unfinished: Unfinished, *, steps: int, lr=None, gd=GDOptions(), device="cpu"):
    """Continue the Unfinished runs of one finetune_task batch for up to `steps` more GD updates, from their state.

    lr: the continuation's step per row of `rows` (None: each run's own `lr`), recorded in column `lr_extended`.

    rows: that batch's table (row i = column i of the batch). The data are drawn again from the task's streams
    (the same X, y); the stopping rule is gd's, its tol_rel count restarting at the cap (so a run may stop at most
    one check later than an uninterrupted descent would) and divergence measured from the train MSE at the cap.
    The continued rows get their new error, train MSE, flags and drift over the whole descent; `steps` counts both
    budgets, `extended` is True and `extension_wall_s` the continuation's wall time (shared by the continued runs).
    Returns (rows, the runs still Unfinished).
    """
    rows, i = rows.reset_index(drop=True).copy(), unfinished.index
    if not len(i):
        return rows, unfinished
    first = rows.iloc[0]
    task = tasks.make_task(dim=int(first["dim"]), rho_pt=float(first["rho_pt"]), rho_ft=float(first["rho_ft"]),
                           omega=float(first["omega"]), seed=int(first["seed"]), a_pt=float(first["a_pt"]))
    X, y = tasks.training_data(task.beta_ft, round(float(first["alpha"]) * int(first["dim"])), int(first["seed"]),
                               "ft_train_x")
    step = rows["lr"].to_numpy(dtype=np.float64) if lr is None else np.broadcast_to(np.asarray(lr, float), len(rows))
    start = time.perf_counter()
    res = gradient_descent(X, y, unfinished.state, lr=step[i],
                           tol_train=_per_run(rows, "tol_train", gd.tol_train)[i],
                           options=replace(gd, max_steps=steps), device=device)
    wall = time.perf_counter() - start
    rows.loc[i, "mse"] = param_mse(res.beta, task.beta_ft)
    rows.loc[i, "train_mse"] = res.train_mse
    rows.loc[i, "steps"] = rows.loc[i, "steps"].to_numpy() + res.steps
    rows.loc[i, "converged"], rows.loc[i, "diverged"] = res.converged, res.diverged
    rows.loc[i, "capped"] = ~(res.converged | res.diverged)
    rows.loc[i, "drift"] = conservation_drift(unfinished.initial, res.state)
    rows.loc[i, "extended"], rows.loc[i, "extension_wall_s"], rows.loc[i, "lr_extended"] = True, wall, step[i]
    still = Unfinished(i, unfinished.initial, res.state).subset(~(res.converged | res.diverged))
    return rows, still


def _gd_columns(res, X, y, sqrt_k, beta_star, *, argmin, lr):
    """The per-run result columns shared by fine-tuning and single-task runs."""
    return {
        "mse": param_mse(res.beta, beta_star),
        "mse_argmin": argmin_mse(X, y, sqrt_k, beta_star) if argmin else np.nan,
        "train_mse": res.train_mse,
        "steps": res.steps,
        "converged": res.converged,
        "diverged": res.diverged,
        "capped": ~(res.converged | res.diverged),
        "lr": lr,
        "drift": res.drift,
    }


def simulate_single_task(*, dim, alpha, rho, seed, settings, gd=GDOptions(), argmin=True, device="cpu"):
    """Pretraining alone from init_state(c, λ) on a sparse Gaussian teacher (Exp 4: the error must not depend on λ).

    settings: DataFrame with columns c_pt, lambda_pt and optionally lr. The teacher has N(0, 1/rho) entries
    on round(rho·dim) coordinates; round(alpha·dim) samples. mse_argmin uses √k = 2·c_pt.
    """
    beta_star = tasks.single_task_teacher(dim=dim, rho=rho, seed=seed)
    c, lam, _, lr = _knobs(settings, gd)
    X, y = tasks.training_data(beta_star, round(alpha * dim), seed, "pt_train_x")
    start = time.perf_counter()
    res = gradient_descent(X, y, theory.init_state(c, lam, dim), lr=lr, options=gd, device=device)
    wall = time.perf_counter() - start
    sqrt_k = np.broadcast_to(2.0 * c, (dim, len(c)))
    return pd.DataFrame(
        {
            "c_pt": c,
            "lambda_pt": lam,
            "alpha": alpha,
            "dim": dim,
            "seed": seed,
            "rho_ft": rho,
            **_gd_columns(res, X, y, sqrt_k, beta_star, argmin=argmin, lr=lr),
            "wall_s": wall,
            "batch_size": len(c),
        }
    )
