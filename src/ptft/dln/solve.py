"""The minimum-penalty interpolator argmin Σ_d q_{k_d}(β_d) s.t. Xβ = y (Theorem 4.1), by inexact Newton on the dual.

Stationarity q_k′(β_d) = ½·asinh(2β_d/√k_d) = (Xᵀν)_d gives β(ν) = (√k/2)·sinh(2Xᵀν). The dual
φ(ν) = Σ_d (√k_d/4)·(cosh(2(Xᵀν)_d) − 1) − νᵀy is smooth and strictly convex in the N-dim ν (N < D, X of full
row rank), with ∇φ = Xβ(ν) − y and ∇²φ = X·diag(w)·Xᵀ, w = √k·cosh(2Xᵀν). Its minimiser gives the primal
solution, and stationarity holds exactly by construction, so the only thing to drive to zero is the constraint
residual ‖∇φ‖ = ‖Xβ − y‖, computed in float64 and required ≤ rtol·‖y‖ whatever the method.

Cost. Forming ∇²φ costs N²·D/2 multiply-adds (BLAS syrk) and its Cholesky factor N³/6. A Hessian–vector product
costs 2·N·D but is memory-bound, so on one core a factorisation costs about as much as N/100 products (≈ 25 at
N = 2500, D = 5000). Plain Newton factorises at every step. Here each step instead solves ∇²φ·s = −∇φ by
preconditioned conjugate gradients (PCG), only to ‖∇²φ·s + ∇φ‖ ≤ η·‖∇φ‖ with the Eisenstat–Walker forcing term η
(loose far from the solution, tight as Newton converges, never tighter than the residual test needs), with the
Cholesky factor of ∇²φ at an earlier iterate as the preconditioner. The factor is refreshed when PCG with it would
take more than N/100 products: at most steps of the damped phase of a cold start (where cosh(2θ) changes by orders
of magnitude per step), once or twice near the solution (where w barely changes). Cold at N = 2500, D = 5000
(bench/README.md): 4–6 factorisations and 80–100 products for a rich setting, where plain Newton factorises 13–17
times; one factorisation and ~35 products for a lazy setting, where it factorises 6 times.

Precision. Factor and products run in float32 (half the flops and half the memory traffic), while the answer
of every PCG solve is tested against the forcing condition in float64; float32 changes how many iterations a step
takes, not what it must reach. Where the Hessian is too ill-conditioned for float32 the solve continues in
float64: products once a float32 answer fails the float64 test (PCG goes on from it), factors once a fresh float32
factor is not positive definite or does not precondition within the budget (that step is then the exact Newton
step from a float64 factor). θ = Xᵀν is carried along as θ + t·Xᵀs (equal up to rounding), so each line-search
trial costs O(D).

method="exact" is plain Newton: a fresh float64 factor and the exact step at every iterate (N²·D/2 + N³/6 per step),
the reference that the tests and bench/dln_gd.py compare the default against.

A warm start ν0 (e.g. the previous α's dual, padded with zeros: the FT samples of a task are nested in α) starts
Newton at the previous interpolator and saves steps (most of them in lazy settings).
"""

import numpy as np
import scipy.linalg
from scipy.linalg.blas import dsyrk, dtrsv, ssyrk, strsv

# Armijo sufficient-decrease fraction and step shrink factor of the backtracking line search.
_ARMIJO = 1e-4
_SHRINK = 0.5
# Eisenstat–Walker forcing term η = min(_ETA_MAX, _EW_GAMMA·(‖∇φ_k‖/‖∇φ_{k−1}‖)²) ("choice 2").
_ETA_MAX = 0.5
_EW_GAMMA = 0.9
# PCG products one Newton step may spend with a lagged factor before it is refreshed, per row of X: a float32
# factorisation costs about as much as N/100 products on one core (syrk is compute-bound, a product memory-bound).
_BUDGET_PER_ROW = 0.01
# PCG iterations observed before projecting whether the budget suffices (the convergence rate needs a few).
_PCG_PROBE = 4


class _Factor:
    """Upper Cholesky factor U of X·diag(w)·Xᵀ = UᵀU in X's precision, applied as r ↦ (UᵀU)⁻¹·r (float64 out).

    syrk on X·diag(√w) gives the upper triangle with half the flops of a general product. `of` returns None where
    a float32 matrix is not numerically positive definite, and rescues a float64 one with a tiny ridge.
    """

    def __init__(self, upper):
        self.upper = upper
        self._trsv = strsv if upper.dtype == np.float32 else dtrsv

    @classmethod
    def of(cls, X, w):
        single = X.dtype == np.float32
        # (X·diag(√w))ᵀ is Fortran-ordered, so syrk reads it in place (trans=1) instead of copying it.
        hess = (ssyrk if single else dsyrk)(1.0, (X * np.sqrt(w).astype(X.dtype)).T, trans=1)
        ridge = 0.0
        for _ in range(1 if single else 8):
            try:
                regular = hess + ridge * np.eye(len(hess), dtype=hess.dtype) if ridge else hess
                return cls(scipy.linalg.cholesky(regular, lower=False, check_finite=False))
            except np.linalg.LinAlgError:
                ridge = max(ridge * 100.0, 1e-14 * np.trace(hess) / len(hess))
        if single:
            return None
        raise np.linalg.LinAlgError("dual Hessian is not positive definite even with a ridge")

    def __call__(self, r):
        z = self._trsv(self.upper, r.astype(self.upper.dtype), trans=1)
        return self._trsv(self.upper, z, trans=0, overwrite_x=1).astype(np.float64)


def _products(X, w):
    """v ↦ X·diag(w)·Xᵀ·v in X's precision (float64 in and out)."""
    w = w.astype(X.dtype)

    def hess(v):
        return (X @ (w * (X.T @ v.astype(X.dtype)))).astype(np.float64)

    return hess


def _pcg(hess, factor, rhs, eta, budget, start=None):
    """s with ‖rhs − hess(s)‖ ≤ η·‖rhs‖ by PCG from `start` (default 0), or None past `budget` products.

    From 0 every iterate is a descent direction for φ (it lowers the quadratic model). From _PCG_PROBE iterations on,
    the mean rate so far projects the count, so a solve that would overrun the budget stops as soon as it shows.
    """
    s = np.zeros_like(rhs) if start is None else start.copy()
    r = rhs.copy() if start is None else rhs - hess(s)
    z = factor(r)
    p, rz, first, goal = z.copy(), r @ z, np.linalg.norm(r), eta * np.linalg.norm(rhs)
    norm = first
    for i in range(1, budget + 1):
        if norm <= goal:
            return s
        hp = hess(p)
        curvature = p @ hp
        if not (curvature > 0.0 and np.isfinite(curvature)):
            return None
        s += (rz / curvature) * p
        r -= (rz / curvature) * hp
        norm = np.linalg.norm(r)
        if i >= _PCG_PROBE and norm > goal:
            rate = (norm / first) ** (1.0 / i)
            if rate >= 1.0 or i + np.log(goal / norm) / np.log(rate) > budget:
                return None
        z = factor(r)
        rz, rz_old = r @ z, rz
        p = z + (rz / rz_old) * p
    return s if norm <= goal else None


class _Directions:
    """Newton directions of one solve: X in float64 and float32, the lagged factor, and which precisions serve."""

    def __init__(self, X, exact):
        self.X, self.exact = X, exact
        self.X32 = None if exact else X.astype(np.float32)
        self.factor = None
        self.single_factor = self.single_products = not exact

    def __call__(self, w, grad, eta):
        """(s, Xᵀs) with ‖∇²φ·s + ∇φ‖ ≤ η·‖∇φ‖: PCG with the lagged factor if it fits the budget, else with a fresh
        float32 factor (while float32 serves), else the exact step from a fresh float64 factor."""
        if self.factor is not None and not self.exact:
            found = self._pcg(w, grad, eta)
            if found is not None:
                return found
        if self.single_factor:
            self.factor = _Factor.of(self.X32, w)
            found = None if self.factor is None else self._pcg(w, grad, eta)
            if found is not None:
                return found
            self.single_factor = False  # too ill-conditioned for a float32 factor: float64 factors from now on
        self.factor = _Factor.of(self.X, w)
        step = self.factor(-grad)
        return step, self.X.T @ step

    def _pcg(self, w, grad, eta):
        """PCG with the current factor, in float32 products while their answer passes the forcing test in float64."""
        budget = max(10, round(_BUDGET_PER_ROW * len(grad)))
        step = None
        if self.single_products:
            step = _pcg(_products(self.X32, w), self.factor, -grad, eta, budget)
            if step is None:
                return None
            dtheta = self.X.T @ step
            if np.linalg.norm(grad + self.X @ (w * dtheta)) <= eta * np.linalg.norm(grad):
                return step, dtheta
            self.single_products = False  # float32 too coarse for this Hessian: float64 from now on, from `step`
        step = _pcg(_products(self.X, w), self.factor, -grad, eta, budget, start=step)
        return None if step is None else (step, self.X.T @ step)


def _phi(theta, nu, y, sqrt_k):
    """φ at θ = Xᵀν; +∞ where cosh overflows (the line search then backs off)."""
    with np.errstate(over="ignore", invalid="ignore"):
        # cosh(2θ) − 1 = 2·sinh²(θ), which keeps precision for small θ.
        phi = 0.5 * np.sum(sqrt_k * np.sinh(theta) ** 2) - nu @ y
    return phi if np.isfinite(phi) else np.inf


def _line_search(nu, step, theta, dtheta, phi, slope, y, sqrt_k):
    """Backtracking (Armijo) step length t along the Newton direction, trials at θ + t·Xᵀs (O(D) each).

    Once the predicted decrease −slope is below the rounding level of φ, φ can no longer rank points and
    the full Newton step is taken (Newton is then in its quadratically convergent phase).
    """
    at_rounding = abs(slope) <= 1e-13 * (1.0 + abs(phi))
    t = 1.0
    while t > 1e-20:
        phi_new = _phi(theta + t * dtheta, nu + t * step, y, sqrt_k)
        if phi_new <= phi + _ARMIJO * t * slope or (at_rounding and np.isfinite(phi_new)):
            return t
        t *= _SHRINK
    raise RuntimeError("line search failed in the dual Newton solver")


def min_penalty_interpolator(X, y, sqrt_k, *, rtol=1e-10, max_iter=200, nu0=None, return_dual=False,
                             method="inexact"):
    """β̂ = argmin_β Σ_d q_{k_d}(β_d) subject to Xβ = y (Theorem 4.1 with √k_d given).

    X: (N, D) with N < D and full row rank; y: (N,); sqrt_k: scalar or (D,), all > 0.
    Returns β̂ of shape (D,) with ‖Xβ̂ − y‖ ≤ rtol·‖y‖ (and the dual ν, (N,), if return_dual); raises
    RuntimeError if that is not reached in max_iter Newton steps. nu0: a warm start for ν (shorter than N: padded
    with zeros). method: "inexact" (lagged-factor PCG steps) or "exact" (plain Newton, the reference); both meet
    the same residual test. For N ≥ D the interpolator is unique (X of full column rank) and is returned by least
    squares whatever the penalty. Pure NumPy/SciPy; every test in float64.
    """
    if method not in ("inexact", "exact"):
        raise ValueError(f"method must be 'inexact' or 'exact', not {method!r}")
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
    theta = X.T @ nu
    phi = _phi(theta, nu, y, sqrt_k)
    if not np.isfinite(phi):  # a warm start from far away: fall back to the cold one
        nu[:], theta[:] = 0.0, 0.0
        phi = _phi(theta, nu, y, sqrt_k)
    directions, last_norm = _Directions(X, method == "exact"), None
    for _ in range(max_iter):
        beta = 0.5 * sqrt_k * np.sinh(2.0 * theta)
        grad = X @ beta - y
        norm = np.linalg.norm(grad)
        if norm <= target:
            return (beta, nu) if return_dual else beta
        eta = _ETA_MAX if last_norm is None else min(_ETA_MAX, _EW_GAMMA * (norm / last_norm) ** 2)
        eta = max(eta, 0.5 * target / norm)  # never tighter than the residual test needs
        step, dtheta = directions(sqrt_k * np.cosh(2.0 * theta), grad, eta)
        t = _line_search(nu, step, theta, dtheta, phi, grad @ step, y, sqrt_k)
        nu, theta = nu + t * step, theta + t * dtheta  # θ = Xᵀν up to rounding, without a product
        phi, last_norm = _phi(theta, nu, y, sqrt_k), norm
    raise RuntimeError(f"dual Newton did not reach relative residual {rtol} in {max_iter} steps")


def min_penalty_interpolator_batch(X, y, sqrt_k, *, rtol=1e-10, max_iter=200, method="inexact"):
    """min_penalty_interpolator for R penalty profiles sharing (X, y): sqrt_k of shape (D, R) -> β̂ of shape (D, R).

    y may be (N,) shared or (N, R) per column. Columns are solved one after another, each from a cold start (each
    needs its own Hessians, so there is nothing to share beyond X).
    """
    sqrt_k = np.asarray(sqrt_k, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    cols = [y if y.ndim == 1 else y[:, r] for r in range(sqrt_k.shape[1])]
    return np.stack(
        [
            min_penalty_interpolator(X, cols[r], sqrt_k[:, r], rtol=rtol, max_iter=max_iter, method=method)
            for r in range(sqrt_k.shape[1])
        ],
        axis=1,
    )
