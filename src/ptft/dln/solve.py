"""The minimum-penalty interpolator argmin Σ_d q_{k_d}(β_d) s.t. Xβ = y (Theorem 4.1), by Newton on the dual.

Stationarity q_k′(β_d) = ½·asinh(2β_d/√k_d) = (Xᵀν)_d gives β(ν) = (√k/2)·sinh(2Xᵀν). The dual
φ(ν) = Σ_d (√k_d/4)·(cosh(2(Xᵀν)_d) − 1) − νᵀy is smooth and strictly convex in the N-dim ν (N < D, X of full
row rank), with ∇φ = Xβ(ν) − y and ∇²φ = X·diag(√k·cosh(2Xᵀν))·Xᵀ. Its minimiser gives the primal solution,
and stationarity holds exactly by construction, so the only thing to drive to zero is the constraint residual.
Each Newton step costs N²·D/2 for the Hessian (a symmetric rank-D update, BLAS syrk) plus N³/3 for its Cholesky
factor. A warm start ν0 (e.g. the previous α's dual, padded with zeros: the FT samples of a task are nested in α)
starts Newton at the previous interpolator and saves most of its steps.
"""

import numpy as np
import scipy.linalg
from scipy.linalg.blas import dsyrk

# Armijo sufficient-decrease fraction and step shrink factor of the backtracking line search.
_ARMIJO = 1e-4
_SHRINK = 0.5


def _dual(nu, X, y, sqrt_k):
    """φ(ν), the primal point β(ν) and θ = Xᵀν; φ is +∞ where cosh overflows (the line search then backs off)."""
    theta = X.T @ nu
    with np.errstate(over="ignore", invalid="ignore"):
        beta = 0.5 * sqrt_k * np.sinh(2.0 * theta)
        # cosh(2θ) − 1 = 2·sinh²(θ), which keeps precision for small θ.
        phi = 0.5 * np.sum(sqrt_k * np.sinh(theta) ** 2) - nu @ y
    return (phi if np.isfinite(phi) else np.inf), beta, theta


def _newton_step(X, sqrt_k, theta, grad):
    """Solve (X·diag(√k·cosh 2θ)·Xᵀ)·Δ = −grad; a tiny ridge rescues a numerically singular Hessian.

    The Hessian's upper triangle comes from syrk on X·diag(√w) (half the flops of a general product).
    """
    hess = dsyrk(1.0, X * np.sqrt(sqrt_k * np.cosh(2.0 * theta)))
    ridge = 0.0
    for _ in range(8):
        try:
            factor = scipy.linalg.cho_factor(hess + ridge * np.eye(len(grad)), lower=False, check_finite=False)
            return -scipy.linalg.cho_solve(factor, grad, check_finite=False)
        except np.linalg.LinAlgError:
            ridge = max(ridge * 100.0, 1e-14 * np.trace(hess) / len(grad))
    raise np.linalg.LinAlgError("dual Hessian is not positive definite even with a ridge")


def _line_search(nu, step, phi, slope, X, y, sqrt_k):
    """Backtracking (Armijo) step length along the Newton direction; returns (t, φ, β, θ) at ν + t·step.

    Once the predicted decrease −slope is below the rounding level of φ, φ can no longer rank points and
    the full Newton step is taken (Newton is then in its quadratically convergent phase).
    """
    at_rounding = abs(slope) <= 1e-13 * (1.0 + abs(phi))
    t = 1.0
    while t > 1e-20:
        phi_new, beta_new, theta_new = _dual(nu + t * step, X, y, sqrt_k)
        if phi_new <= phi + _ARMIJO * t * slope or (at_rounding and np.isfinite(phi_new)):
            return t, phi_new, beta_new, theta_new
        t *= _SHRINK
    raise RuntimeError("line search failed in the dual Newton solver")


def min_penalty_interpolator(X, y, sqrt_k, *, rtol=1e-10, max_iter=200, nu0=None, return_dual=False):
    """β̂ = argmin_β Σ_d q_{k_d}(β_d) subject to Xβ = y (Theorem 4.1 with √k_d given).

    X: (N, D) with N < D and full row rank; y: (N,); sqrt_k: scalar or (D,), all > 0.
    Returns β̂ of shape (D,) with ‖Xβ̂ − y‖ ≤ rtol·‖y‖ (and the dual ν, (N,), if return_dual); raises
    RuntimeError if that is not reached in max_iter Newton steps. nu0: a warm start for ν (shorter than N: padded
    with zeros). For N ≥ D the interpolator is unique (X of full column rank) and is returned by least squares
    whatever the penalty. Pure NumPy/SciPy, float64.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    sqrt_k = np.broadcast_to(np.asarray(sqrt_k, dtype=np.float64), (X.shape[1],))
    if np.any(~(sqrt_k > 0.0)):
        raise ValueError("sqrt_k must be positive: √k_d = 0 freezes coordinate d")
    if X.shape[0] >= X.shape[1]:
        beta = np.linalg.lstsq(X, y, rcond=None)[0]
        return (beta, None) if return_dual else beta
    target = rtol * max(np.linalg.norm(y), np.finfo(float).tiny)
    nu = np.zeros(X.shape[0])
    if nu0 is not None:
        nu[: len(nu0)] = np.asarray(nu0, dtype=np.float64)[: X.shape[0]]
    phi, beta, theta = _dual(nu, X, y, sqrt_k)
    if not np.isfinite(phi):  # a warm start from far away: fall back to the cold one
        nu[:] = 0.0
        phi, beta, theta = _dual(nu, X, y, sqrt_k)
    for _ in range(max_iter):
        grad = X @ beta - y
        if np.linalg.norm(grad) <= target:
            return (beta, nu) if return_dual else beta
        step = _newton_step(X, sqrt_k, theta, grad)
        t, phi, beta, theta = _line_search(nu, step, phi, grad @ step, X, y, sqrt_k)
        nu = nu + t * step
    raise RuntimeError(f"dual Newton did not reach relative residual {rtol} in {max_iter} steps")


def min_penalty_interpolator_batch(X, y, sqrt_k, *, rtol=1e-10, max_iter=200):
    """min_penalty_interpolator for R penalty profiles sharing (X, y): sqrt_k of shape (D, R) -> β̂ of shape (D, R).

    y may be (N,) shared or (N, R) per column. Columns are solved one after another (each needs its own
    Hessian, so there is nothing to share beyond X).
    """
    sqrt_k = np.asarray(sqrt_k, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    cols = [y if y.ndim == 1 else y[:, r] for r in range(sqrt_k.shape[1])]
    return np.stack(
        [
            min_penalty_interpolator(X, cols[r], sqrt_k[:, r], rtol=rtol, max_iter=max_iter)
            for r in range(sqrt_k.shape[1])
        ],
        axis=1,
    )
