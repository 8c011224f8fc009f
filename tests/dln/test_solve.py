"""The minimum-penalty interpolator (Theorem 4.1's argmin): constraint, KKT conditions, optimality, limits."""

import numpy as np
import pytest

from ptft.dln import solve, theory
from ptft.dln.solve import min_penalty_interpolator, min_penalty_interpolator_batch


def problem(dim, n, seed=0, n_active=None):
    """x ~ N(0, I/D), a sparse teacher with N(0, 1/ρ) entries, noiseless labels."""
    gen = np.random.default_rng(seed)
    X = gen.standard_normal((n, dim)) / np.sqrt(dim)
    beta = np.zeros(dim)
    active = gen.choice(dim, size=n_active or dim // 10, replace=False)
    beta[active] = gen.standard_normal(len(active)) * np.sqrt(dim / len(active))
    return X, X @ beta, beta


def kkt_residuals(X, y, beta, sqrt_k):
    """(relative constraint residual, relative distance of ∇Σq = ½·asinh(2β/√k) from the row space of X)."""
    grad = 0.5 * np.arcsinh(2 * beta / sqrt_k)
    nu = np.linalg.lstsq(X.T, grad, rcond=None)[0]
    return (
        np.linalg.norm(X @ beta - y) / np.linalg.norm(y),
        np.linalg.norm(X.T @ nu - grad) / np.linalg.norm(grad),
    )


@pytest.mark.parametrize("lam, gamma", [(0.0, 0.0), (-0.99, 0.0), (-0.99999, 0.0), (0.0, 10.0)])
def test_kkt_at_d2000(lam, gamma):
    # Rich to lazy penalties of Theorem 4.1 at D = 2000, N = 600: constraint ≤ 1e-10, stationarity ≤ 1e-9.
    X, y, _ = problem(2000, 600)
    beta_pt = np.zeros(2000)
    beta_pt[:200] = 1.0
    sqrt_k = theory.sqrt_k_ft(beta_pt, 1e-3, lam, gamma)
    beta = min_penalty_interpolator(X, y, sqrt_k)
    residual, stationarity = kkt_residuals(X, y, beta, sqrt_k)
    assert residual <= 1e-10
    assert stationarity <= 1e-9


def test_is_the_minimum_over_feasible_perturbations():
    # Moving along the null space of X keeps Xβ = y and must not lower Σ q_k (convexity: any direction, 1e-12 slack).
    X, y, _ = problem(60, 20, seed=1)
    sqrt_k = np.linspace(0.01, 2.0, 60)
    beta = min_penalty_interpolator(X, y, sqrt_k)
    null = np.linalg.svd(X)[2][20:].T
    objective = theory.q_k(beta, sqrt_k**2).sum()
    gen = np.random.default_rng(2)
    for scale in [1e-4, 1e-2, 1.0]:
        for _ in range(20):
            other = beta + scale * null @ gen.standard_normal(null.shape[1])
            assert theory.q_k(other, sqrt_k**2).sum() >= objective - 1e-12


def test_lazy_limit_is_min_norm_interpolator():
    # √k → ∞: q ≈ β²/(2√k), so the argmin is the minimum-ℓ2 interpolator X⁺y (error O(β²/k), ≤ 1e-8 here).
    X, y, _ = problem(200, 50, seed=3)
    beta = min_penalty_interpolator(X, y, 1e6)
    np.testing.assert_allclose(beta, np.linalg.pinv(X) @ y, rtol=0, atol=1e-8 * np.abs(beta).max())


def test_rich_limit_recovers_sparse_teacher():
    # √k → 0 approaches ℓ1 minimisation, which recovers a 5-sparse teacher from N = 60 ≫ 5·log(D) samples.
    X, y, beta_star = problem(300, 60, seed=4, n_active=5)
    beta = min_penalty_interpolator(X, y, 1e-8)
    assert np.linalg.norm(beta - beta_star) / np.linalg.norm(beta_star) < 1e-3


def test_batch_matches_single_columns():
    X, y, _ = problem(100, 30, seed=5)
    sqrt_k = np.stack([np.full(100, 0.01), np.linspace(0.1, 3.0, 100), np.full(100, 50.0)], axis=1)
    batch = min_penalty_interpolator_batch(X, y, sqrt_k)
    for r in range(3):
        np.testing.assert_allclose(batch[:, r], min_penalty_interpolator(X, y, sqrt_k[:, r]), rtol=1e-14, atol=1e-14)


def test_overdetermined_returns_unique_solution():
    X, y, beta_star = problem(30, 40, seed=6)
    np.testing.assert_allclose(min_penalty_interpolator(X, y, 0.1), beta_star, atol=1e-10)


def test_rejects_zero_sqrt_k():
    X, y, _ = problem(30, 10)
    with pytest.raises(ValueError, match="positive"):
        min_penalty_interpolator(X, y, np.zeros(30))


@pytest.mark.parametrize("lam, gamma", [(-0.99999, 0.0), (0.0, 0.0), (0.0, 10.0)])
def test_inexact_newton_agrees_with_exact_newton(lam, gamma):
    # The default (lagged float32 factor, PCG steps) against plain Newton at D = 1000, N = 300: rich (√k = 4e-8 off
    # the PT support), intermediate and lazy. Both meet the residual test; the interpolator is unique, so they agree
    # far inside 1e-6 (relative, in β).
    X, y, _ = problem(1000, 300, seed=7)
    beta_pt = np.zeros(1000)
    beta_pt[:100] = 1.0
    sqrt_k = theory.sqrt_k_ft(beta_pt, 1e-3, lam, gamma)
    exact = min_penalty_interpolator(X, y, sqrt_k, method="exact")
    beta = min_penalty_interpolator(X, y, sqrt_k)
    for b in (beta, exact):
        assert np.linalg.norm(X @ b - y) <= 1e-10 * np.linalg.norm(y)
    assert np.linalg.norm(beta - exact) <= 1e-6 * np.linalg.norm(exact)


def test_warm_start_from_fewer_samples_agrees_with_cold_start():
    # The dual at N = 200 padded with zeros starts the N = 300 solve (the FT samples are nested in α).
    X, y, _ = problem(1000, 300, seed=8)
    sqrt_k = np.full(1000, 1e-3)
    _, nu = min_penalty_interpolator(X[:200], y[:200], sqrt_k, return_dual=True)
    warm = min_penalty_interpolator(X, y, sqrt_k, nu0=nu)
    assert np.linalg.norm(X @ warm - y) <= 1e-10 * np.linalg.norm(y)
    cold = min_penalty_interpolator(X, y, sqrt_k, method="exact")
    assert np.linalg.norm(warm - cold) <= 1e-6 * np.linalg.norm(cold)


def ill_conditioned_hessian(decades, seed=9):
    """X (40, 80) and weights w over `decades` decades: ∇²φ = X·diag(w)·Xᵀ with κ growing with the decades."""
    gen = np.random.default_rng(seed)
    X = gen.standard_normal((40, 80)) / np.sqrt(80)
    return X, gen.permutation(np.logspace(-decades, 0, 80)), gen.standard_normal(40)


def test_direction_continues_in_float64_products_where_float32_is_too_coarse():
    # w over 8 decades (κ ≈ 2e5): a float32 factor preconditions, but float32 products cannot reach η = 1e-8, so the
    # step continues in float64 products and meets ‖∇²φ·s + ∇φ‖ ≤ η·‖∇φ‖ (tested in float64).
    X, w, grad = ill_conditioned_hessian(8)
    directions = solve._Directions(X, exact=False)
    step, dtheta = directions(w, grad, 1e-8)
    assert directions.single_factor and not directions.single_products
    assert np.linalg.norm(X @ (w * (X.T @ step)) + grad) <= 1e-8 * np.linalg.norm(grad)
    np.testing.assert_allclose(dtheta, X.T @ step, rtol=0, atol=1e-12 * np.abs(dtheta).max())


def test_direction_falls_back_to_exact_float64_newton_beyond_float32():
    # w over 16 decades (κ ≈ 3e9 ≫ 1/ε_float32): no float32 factor preconditions, so the step is the exact Newton
    # step from a float64 factor, whose residual is at the float64 rounding level ε·κ ≈ 6e-7 (1e-5: margin).
    X, w, grad = ill_conditioned_hessian(16)
    directions = solve._Directions(X, exact=False)
    step, _ = directions(w, grad, 0.5)
    assert not directions.single_factor
    assert np.linalg.norm(X @ (w * (X.T @ step)) + grad) <= 1e-5 * np.linalg.norm(grad)


def test_rejects_unknown_method():
    X, y, _ = problem(30, 10)
    with pytest.raises(ValueError, match="method"):
        min_penalty_interpolator(X, y, 1.0, method="newton")
