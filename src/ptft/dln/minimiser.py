"""Theory points: the Theorem 4.1 minimiser's test error on a task's data, beside GD or alone (no torch).

Errors are exact test MSEs ‖β̂ − β*‖²/D, valid for inputs x ~ N(0, I_D/D).
"""

import time

import numpy as np
import pandas as pd

from ptft.dln import tasks, theory
from ptft.dln.solve import min_penalty_interpolator


def param_mse(beta_hat, beta_star):
    """Exact test MSE ‖β̂ − β*‖²/D per column of β̂ (D, R) against β* (D,)."""
    return np.mean((beta_hat - beta_star[:, None]) ** 2, axis=0)


def interpolator_error(X, y, sqrt_k, beta_star, nu0=None):
    """(test MSE, dual) of the Theorem 4.1 interpolator for one penalty profile sqrt_k (D,); nu0: a warm start.

    Every √k_d = 0 (λ = −1, γ = 0) is a frozen network: β stays 0 and the error is ‖β*‖²/D. NaN where only some
    √k_d = 0 (those coordinates are frozen, the rest interpolate: not Theorem 4.1's problem).
    """
    if np.all(sqrt_k == 0.0):
        return np.mean(beta_star**2), None
    if not np.all(sqrt_k > 0.0):
        return np.nan, None
    beta, nu = min_penalty_interpolator(X, y, sqrt_k, nu0=nu0, return_dual=True)
    return np.mean((beta - beta_star) ** 2), nu


def argmin_mse(X, y, sqrt_k, beta_star):
    """Test MSE of the Theorem 4.1 interpolator (interpolator_error) for each column of sqrt_k (D, R).

    Identical penalty profiles (e.g. settings differing only in lr) are solved once.
    """
    unique, inverse = np.unique(sqrt_k, axis=1, return_inverse=True)
    out = np.array([interpolator_error(X, y, unique[:, j], beta_star)[0] for j in range(unique.shape[1])])
    return out[inverse.ravel()]


def minimise_task(*, dim, alpha, rho_pt, rho_ft, omega, seed, settings, a_pt=1.0) -> pd.DataFrame:
    """Theory points without GD: the Theorem 4.1 minimiser's test error for every setting × α of one task.

    The same task, data streams and oracle PT state as simulate_task, so at equal D a minimiser row is the
    mse_argmin of the GD run with the same parameters. settings: columns c_pt, lambda_pt, gamma_ft; alpha: list.
    The FT samples are nested in α (one stream), so each setting's solve warm-starts from its dual at the previous
    α. teacher_energy = ‖β*‖²/D of this seed (E[β*²] = 1 over draws). wall_s: the solves of one α, shared.
    """
    task = tasks.make_task(dim=dim, rho_pt=rho_pt, rho_ft=rho_ft, omega=omega, seed=seed, a_pt=a_pt)
    c, lam = (settings[k].to_numpy(dtype=np.float64) for k in ("c_pt", "lambda_pt"))
    gam = settings["gamma_ft"].to_numpy(dtype=np.float64)
    sqrt_k = theory.sqrt_k_ft(task.beta_pt[:, None], c, lam, gam)
    duals = [None] * len(c)
    frames = []
    for a in sorted(alpha):
        X, y = tasks.training_data(task.beta_ft, round(a * dim), seed, "ft_train_x")
        start = time.perf_counter()
        mse = np.full(len(c), np.nan)
        for r in range(len(c)):
            mse[r], duals[r] = interpolator_error(X, y, sqrt_k[:, r], task.beta_ft, nu0=duals[r])
        frames.append(pd.DataFrame(dict(c_pt=c, lambda_pt=lam, gamma_ft=gam, rho_pt=rho_pt, rho_ft=rho_ft, omega=omega,
                                        alpha=a, dim=dim, seed=seed, a_pt=a_pt, mse_argmin=mse,
                                        teacher_energy=np.mean(task.beta_ft**2),
                                        wall_s=time.perf_counter() - start)))
    return pd.concat(frames, ignore_index=True)
