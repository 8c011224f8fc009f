"""Closed-form DLN theory (REFERENCE §1): q_k and its limits, PT end state, FT re-init, Theorem 4.1, ℓ and PD."""

import numpy as np
import pytest

from ptft.dln import theory

LAMBDAS = [-1.0, -0.5, 0.0, 0.5, 1.0]


def q_direct(z, k):
    """The textbook formula, accurate for moderate 2z/√k only."""
    s = np.sqrt(k)
    u = 2 * z / s
    return s / 4 * (1 - np.sqrt(1 + u * u) + u * np.arcsinh(u))


def test_q_k_matches_formula_and_derivative():
    z = np.linspace(-3, 3, 25)
    for k in [0.01, 1.0, 30.0]:
        np.testing.assert_allclose(theory.q_k(z, k), q_direct(z, k), rtol=1e-12, atol=1e-15)
        eps = 1e-6  # central difference, error O(eps²)
        fd = (theory.q_k(z + eps, k) - theory.q_k(z - eps, k)) / (2 * eps)
        np.testing.assert_allclose(fd, 0.5 * np.arcsinh(2 * z / np.sqrt(k)), atol=1e-8)


def test_q_k_continuous_across_branch_split():
    # The two evaluation branches meet at |2z/√k| = 1.
    k = 4.0
    z = np.array([1 - 1e-12, 1.0, 1 + 1e-12])
    q = theory.q_k(z, k)
    assert np.ptp(q) < 1e-11


def test_q_k_stable_for_tiny_and_huge_arguments():
    # tiny z: q = z²/(2√k)·(1 + O(u²)); huge z/√k: finite, no overflow, ℓ1-like value.
    assert theory.q_k(1e-150, 1.0) == pytest.approx(1e-300 / 2, rel=1e-12)
    assert theory.q_k(1.0, 1e200) == pytest.approx(1.0 / (2 * 1e100), rel=1e-12)
    big = theory.q_k(1e5, 1e-300)
    assert np.isfinite(big) and big == pytest.approx(1e5 / 2 * (np.log(4e5 / 1e-150) - 1), rel=1e-12)
    assert theory.q_k(0.0, 1.0) == 0.0
    assert np.all(theory.q_k(np.array([-1e300, 1e300]), 1.0) > 0)


def test_q_k_l1_limit_small_k():
    # k → 0: q_k(z) → (|z|/2)(log(4|z|/√k) − 1), i.e. ℓ1 up to a slowly varying log factor.
    z = np.array([0.1, 1.0, 5.0])
    k = 1e-30
    approx = np.abs(z) / 2 * (np.log(4 * np.abs(z) / np.sqrt(k)) - 1)
    np.testing.assert_allclose(theory.q_k(z, k), approx, rtol=1e-12)
    # homogeneity degree log2(q(2z)/q(z)) → 1 (ℓ1) as k → 0; within 0.05 at k = 1e-40.
    degree = np.log2(theory.q_k(2 * z, 1e-40) / theory.q_k(z, 1e-40))
    assert np.all(np.abs(degree - 1) < 0.05)


def test_q_k_l2_limit_large_k():
    # k → ∞: q_k(z) ≈ z²/(2√k); relative error O(z²/k), below 1e-7 at k = 1e8.
    z = np.array([-2.0, 0.3, 1.0])
    k = 1e8
    np.testing.assert_allclose(theory.q_k(z, k), z**2 / (2 * np.sqrt(k)), rtol=1e-7)


@pytest.mark.parametrize("lam", LAMBDAS)
def test_pt_end_state_reproduces_beta_and_conserved_quantities(lam):
    beta = np.array([0.0, 1e-9, 1e-3, 0.7, -2.0, 1.0, 3e4])
    for c in [1e-6, 1e-3, 1.0]:
        w_pos, v_pos, w_neg, v_neg = theory.pt_end_state(beta, c, lam)
        scale = np.maximum(c, np.abs(beta))  # rounding in the checks is relative to the largest term
        np.testing.assert_allclose(w_pos * v_pos - w_neg * v_neg, beta, rtol=0, atol=1e-13 * scale.max())
        assert np.all(np.abs(w_pos**2 - v_pos**2 - c * lam) <= 1e-13 * scale)
        assert np.all(np.abs(w_neg**2 - v_neg**2 - c * lam) <= 1e-13 * scale)
        assert np.all(np.abs(w_pos * w_neg + v_pos * v_neg - c) <= 1e-13 * scale)
        # the feature norm the FT theory uses: (w⁺ + w⁻)² = c(1+λ)(1 + √(1 + (β/c)²))
        expected = c * (1 + lam) * (1 + np.sqrt(1 + (beta / c) ** 2))
        np.testing.assert_allclose((w_pos + w_neg) ** 2, expected, rtol=1e-12, atol=1e-300)


def test_pt_end_state_at_zero_is_init_state():
    for lam in LAMBDAS:
        end = theory.pt_end_state(np.zeros(3), 0.2, lam)
        start = theory.init_state(0.2, lam, 3)
        for a, b in zip(end, start):
            np.testing.assert_allclose(a, b, rtol=1e-15, atol=1e-17)


def test_init_state_shapes_and_values():
    c, lam = np.array([0.1, 1.0]), np.array([-0.5, 0.9])
    w_pos, v_pos, w_neg, v_neg = theory.init_state(c, lam, 7)
    assert w_pos.shape == (7, 2)
    np.testing.assert_array_equal(w_pos * v_pos - w_neg * v_neg, 0.0)
    np.testing.assert_allclose(w_pos[0] ** 2 - v_pos[0] ** 2, c * lam, rtol=1e-14)
    np.testing.assert_allclose(w_pos[0] * w_neg[0] + v_pos[0] * v_neg[0], c, rtol=1e-14)


def test_ft_reinit_starts_at_zero_with_theorem_scale():
    beta_pt = np.array([0.0, 1.0, -0.5])
    for lam in LAMBDAS:
        for gamma in [0.0, 0.3, 10.0]:
            w_pos, v_pos, w_neg, v_neg = theory.ft_reinit(*theory.pt_end_state(beta_pt, 1e-3, lam), gamma)
            assert np.all(w_pos * v_pos - w_neg * v_neg == 0.0)  # β_FT(0) = 0 exactly
            c_ft = w_pos * w_neg + v_pos * v_neg
            np.testing.assert_allclose(c_ft, theory.c_ft(beta_pt, 1e-3, lam, gamma), rtol=1e-12, atol=1e-300)
            np.testing.assert_allclose(2 * c_ft, theory.sqrt_k_ft(beta_pt, 1e-3, lam, gamma), rtol=1e-12, atol=1e-300)


def test_sqrt_k_ft_special_cases():
    c, gamma = 1e-3, 0.7
    for lam in [-0.5, 0.0, 0.9]:
        assert theory.sqrt_k_ft(0.0, c, lam, gamma) == pytest.approx(4 * c * (1 + lam) + gamma**2, rel=1e-14)
    np.testing.assert_allclose(theory.sqrt_k_ft(np.array([0.0, 1.0, 1e8]), c, -1.0, gamma), gamma**2, rtol=1e-14)
    # no overflow when β/c is astronomically large
    assert np.isfinite(theory.sqrt_k_ft(1.0, 1e-300, 0.0, 0.0))


def test_gamma_zero_ratio_active_inactive_independent_of_lambda():
    # With γ = 0, λ rescales every k_d by (1+λ)²; the active/inactive ratio is ((1 + √(1 + a²/c²))/2)².
    a, c = 1.0, 1e-2
    expected = ((1 + np.sqrt(1 + a**2 / c**2)) / 2) ** 2
    for lam in [-0.99, -0.5, 0.0, 0.5, 0.99]:
        k_active = theory.sqrt_k_ft(a, c, lam, 0.0) ** 2
        k_inactive = theory.sqrt_k_ft(0.0, c, lam, 0.0) ** 2
        assert k_active / k_inactive == pytest.approx(expected, rel=1e-12)
    # ... and γ > 0 breaks that independence
    ratios = [theory.sqrt_k_ft(a, c, lam, 0.5) / theory.sqrt_k_ft(0.0, c, lam, 0.5) for lam in [-0.5, 0.5]]
    assert abs(ratios[0] - ratios[1]) > 0.1


def _grid():
    beta_ft, beta_pt, lam, gamma, c = np.meshgrid(
        [0.0, 1e-8, 1e-3, 0.5, 3.0, 1e6],
        [0.0, 1e-4, 0.3, 1.0, 1e3],
        [-1.0, -0.99, -0.5, 0.0, 0.5, 1.0],
        [0.0, 1e-3, 1.0, 10.0],
        [1e-6, 1e-3, 0.1, 1.0],
        indexing="ij",
    )
    return beta_ft, beta_pt, c, lam, gamma


def test_l_order_and_pd_ranges_on_grid():
    beta_ft, beta_pt, c, lam, gamma = _grid()
    ell = theory.l_order(beta_ft, beta_pt, c, lam, gamma)
    pd_ = theory.pt_dependence(beta_ft, beta_pt, c, lam, gamma)
    assert np.all(np.isfinite(ell)) and np.all(np.isfinite(pd_))
    assert np.all((ell >= 1.0) & (ell <= 2.0))
    assert np.all((pd_ >= -1.0) & (pd_ <= 0.0))
    total = ell + pd_
    assert np.all((total >= 1.0 - 1e-12) & (total <= 2.0 + 1e-12))


def test_l_order_limits():
    # u → 0: ℓ → 2 (lazy, ℓ2); u → ∞: ℓ → 1 (rich, ℓ1); ℓ decreasing in |u|.
    beta_ft = np.array([0.0, 1e-300, 1e-12, 1e-3, 1.0, 1e3, 1e100])
    ell = theory.l_order(beta_ft, 0.0, 0.5, 0.0, 0.0)
    assert ell[0] == 2.0 and ell[1] == pytest.approx(2.0, abs=1e-15)
    assert ell[2] == pytest.approx(2.0, abs=1e-12)
    assert ell[-1] == pytest.approx(1.0, abs=1e-2)
    assert np.all(np.diff(ell) <= 0)


def test_l_order_and_pd_match_finite_differences_of_log_q():
    # ℓ = ∂log q/∂log|β_FT|, PD = ∂log q/∂log|β_PT| with k from Theorem 4.1; central differences, step 1e-5.
    h = 1e-5
    for beta_ft, beta_pt, c, lam, gamma in [
        (0.8, 1.0, 0.1, 0.0, 0.0),
        (2.0, 0.5, 1e-3, -0.9, 0.3),
        (0.05, 3.0, 1.0, 0.5, 1.0),
    ]:

        def log_q(bf, bp):
            return np.log(theory.q_k(bf, theory.sqrt_k_ft(bp, c, lam, gamma) ** 2))

        ell_fd = (log_q(beta_ft * np.exp(h), beta_pt) - log_q(beta_ft * np.exp(-h), beta_pt)) / (2 * h)
        pd_fd = (log_q(beta_ft, beta_pt * np.exp(h)) - log_q(beta_ft, beta_pt * np.exp(-h))) / (2 * h)
        assert theory.l_order(beta_ft, beta_pt, c, lam, gamma) == pytest.approx(ell_fd, abs=1e-7)
        assert theory.pt_dependence(beta_ft, beta_pt, c, lam, gamma) == pytest.approx(pd_fd, abs=1e-7)


def test_pd_vanishes_without_pt_dependence():
    # λ = −1 (√k = γ² everywhere) or β_PT = 0: no dependence on the PT solution.
    assert theory.pt_dependence(1.0, 2.0, 1e-3, -1.0, 0.5) == 0.0
    assert theory.pt_dependence(1.0, 0.0, 1e-3, 0.0, 0.0) == 0.0
