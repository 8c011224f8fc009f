"""Closed-form theory of the diagonal linear network (REFERENCE §1): penalty q_k, Theorem 4.1, ℓ-order and PD.

Conventions (pinned against gradient descent by tests/dln): β_d = w⁺_d v⁺_d − w⁻_d v⁻_d; the PT
initialisation has absolute scale c = `c_pt` > 0 and normalised relative scale λ = `lambda_pt` ∈ [−1, 1];
√k = 2·c for pretraining from β = 0; the FT readout is re-initialised to v± = γ/√2 with γ = `gamma_ft` ≥ 0.
All functions are NumPy-vectorised and broadcast over their arguments; everything is float64.
"""

import numpy as np

# Below this |u| the series-safe branch of h(u) is used; above it the large-argument branch.
_U_SPLIT = 1.0


def _asinh_over_u(u):
    """asinh(u)/u with its limit 1 at u = 0."""
    safe = np.where(u == 0.0, 1.0, u)
    return np.where(u == 0.0, 1.0, np.arcsinh(safe) / safe)


def _h_over_u2(u):
    """h(u)/u² for |u| ≤ 1, where h(u) = 1 − √(1+u²) + u·asinh(u); limit ½ at u = 0.

    1 − √(1+u²) is rewritten as −u²/(1+√(1+u²)) so that no two O(1) numbers cancel for tiny u.
    """
    return _asinh_over_u(u) - 1.0 / (1.0 + np.sqrt(1.0 + u * u))


def q_k(z, k):
    """Penalty q_k(z) = (√k/4)·[1 − √(1+4z²/k) + (2z/√k)·asinh(2z/√k)] of the implicit bias (REFERENCE §1).

    q_k′(z) = ½·asinh(2z/√k). Small k gives ℓ1-like growth (rich), large k gives q ≈ z²/(2√k) (lazy).
    Stable for tiny and huge z/√k: with u = 2z/√k, q = (z·u/2)·h(u)/u² for |u| ≤ 1 and
    q = √k/4 + (|z|/2)·(asinh|u| − √(1+1/u²)) for |u| > 1, so neither branch overflows or cancels badly.
    k > 0 (any shape broadcasting with z).
    """
    z = np.asarray(z, dtype=np.float64)
    s = np.sqrt(np.asarray(k, dtype=np.float64))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        u = 2.0 * z / s
        au = np.abs(u)
        small = 0.5 * z * u * _h_over_u2(np.where(au <= _U_SPLIT, u, 0.0))
        big_u = np.where(au > _U_SPLIT, au, 2.0)
        large = 0.25 * s + 0.5 * np.abs(z) * (np.arcsinh(big_u) - np.sqrt(1.0 + 1.0 / (big_u * big_u)))
    return np.where(au <= _U_SPLIT, small, large)


def c_ft(beta_pt, c_pt, lambda_pt, gamma_ft):
    """Per-coordinate FT scale c_FT,d = W_d² + γ²/2 = (1+λ)·(c + √(c² + β_PT,d²)) + γ²/2 (REFERENCE §1).

    Written with hypot so that β_PT/c ≫ 1 (tiny c) never overflows.
    """
    beta_pt, c, lam, gam = (np.asarray(a, dtype=np.float64) for a in (beta_pt, c_pt, lambda_pt, gamma_ft))
    return (1.0 + lam) * (c + np.hypot(c, beta_pt)) + 0.5 * gam * gam


def sqrt_k_ft(beta_pt, c_pt, lambda_pt, gamma_ft):
    """√k_d of Theorem 4.1: 2c(1+λ)(1 + √(1 + (β_PT,d/c)²)) + γ² = 2·c_FT,d."""
    return 2.0 * c_ft(beta_pt, c_pt, lambda_pt, gamma_ft)


def init_state(c_pt, lambda_pt, dim):
    """Homogeneous PT initialisation w±(0) = √(c(1+λ)/2), v±(0) = √(c(1−λ)/2) (REFERENCE §1), so β(0) = 0.

    c_pt and lambda_pt are scalars or length-R arrays (one per run); returns (w_pos, v_pos, w_neg, v_neg),
    each of shape (dim,) for scalar inputs or (dim, R) for length-R inputs.
    """
    c, lam = np.broadcast_arrays(np.asarray(c_pt, dtype=np.float64), np.asarray(lambda_pt, dtype=np.float64))
    w0 = np.sqrt(c * (1.0 + lam) / 2.0)
    v0 = np.sqrt(c * (1.0 - lam) / 2.0)
    shape = (dim,) + c.shape
    w = np.broadcast_to(w0, shape).copy()
    v = np.broadcast_to(v0, shape).copy()
    return w, v, w.copy(), v.copy()


def pt_end_state(beta_pt, c_pt, lambda_pt):
    """PT end state (w⁺, v⁺, w⁻, v⁻) that has learned β_PT from init_state(c, λ), in closed form.

    Gradient flow turns (w⁺, v⁺) by a hyperbolic angle τ and (w⁻, v⁻) by −τ, so from the conservation laws
    w± = w0·cosh τ ± v0·sinh τ, v± = v0·cosh τ ± w0·sinh τ with β = c·sinh 2τ, i.e. τ = ½·asinh(β_PT/c).
    This one form covers every λ ∈ [−1, 1] including 0 and ±1, and gives (w⁺ + w⁻)² = c(1+λ)(1 + √(1+(β/c)²)).
    The difference terms are evaluated as ((w0 − v0)·e^τ + (w0 + v0)·e^−τ)/2, so the decaying pathway keeps
    full relative precision when τ is large.
    Arguments broadcast; each output has the broadcast shape.
    """
    beta, c, lam = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (beta_pt, c_pt, lambda_pt)))
    w0 = np.sqrt(c * (1.0 + lam) / 2.0)
    v0 = np.sqrt(c * (1.0 - lam) / 2.0)
    tau = 0.5 * np.arcsinh(beta / c)
    ep, em = np.exp(tau), np.exp(-tau)
    # w0 − v0 two ways: cλ/(w0 + v0) keeps relative precision near λ = 0 (w0 − v0 would cancel); the direct
    # difference is exact at λ = ±1, so that w⁺ + w⁻ = 0 at λ = −1 (frozen features) and v⁺ + v⁻ = 0 at λ = 1.
    plus = w0 + v0  # ≥ √c > 0
    minus = np.where(np.abs(lam) >= 0.5, w0 - v0, c * lam / plus)
    w_pos = 0.5 * (plus * ep + minus * em)
    v_pos = 0.5 * (plus * ep - minus * em)
    w_neg = 0.5 * (minus * ep + plus * em)
    v_neg = 0.5 * (-minus * ep + plus * em)
    return w_pos, v_pos, w_neg, v_neg


def ft_reinit(w_pos, v_pos, w_neg, v_neg, gamma_ft):
    """FT re-initialisation (features kept, readout reset): w± ← w⁺ + w⁻, v± ← γ/√2 (REFERENCE §1).

    Then β_FT(0) = 0 exactly and c_FT,d = (w⁺ + w⁻)² + γ²/2. gamma_ft broadcasts against the state
    (scalar, or length R for states of shape (D, R)). v_pos is accepted for a uniform state signature.
    """
    del v_pos, v_neg  # the old readout is discarded by construction
    w = np.asarray(w_pos, dtype=np.float64) + np.asarray(w_neg, dtype=np.float64)
    v = np.broadcast_to(np.asarray(gamma_ft, dtype=np.float64) / np.sqrt(2.0), w.shape).copy()
    return w, v, w.copy(), v.copy()


def _ell_of_u(u):
    """ℓ(u) = u·asinh(u)/h(u), with the limit ℓ → 2 as u → 0 taken via h(u)/u² (REFERENCE §1)."""
    au = np.abs(u)
    small_u = np.where(au <= _U_SPLIT, au, 0.0)
    small = _asinh_over_u(small_u) / _h_over_u2(small_u)
    with np.errstate(over="ignore", invalid="ignore"):
        big_u = np.where(au > _U_SPLIT, au, 2.0)
        # h(u)/u = asinh(u) − (√(1+u²) − 1)/u, kept finite as u → ∞ (then ℓ → 1 from above).
        h_over_u = np.arcsinh(big_u) - (np.sqrt(1.0 + 1.0 / (big_u * big_u)) - 1.0 / big_u)
        large = np.arcsinh(big_u) / h_over_u
    ell = np.where(au <= _U_SPLIT, small, np.where(np.isinf(au), 1.0, large))
    # [1, 2] holds exactly; rounding can overshoot by an ulp near u = 0.
    return np.clip(ell, 1.0, 2.0)


def l_order(beta_ft, beta_pt, c_pt, lambda_pt, gamma_ft):
    """ℓ-order ℓ_d = ∂log q/∂log|β_FT,d| ∈ [1, 2] of the Theorem 4.1 penalty (1 rich/sparse, 2 lazy/ℓ2).

    u = β_FT,d / c_FT,d; where c_FT,d = 0 (λ = −1 and γ = 0, a frozen coordinate) u is taken as ±∞ (ℓ = 1),
    or 0 (ℓ = 2) if β_FT,d = 0 as well.
    """
    b = np.asarray(beta_ft, dtype=np.float64)
    cf = c_ft(beta_pt, c_pt, lambda_pt, gamma_ft)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(b == 0.0, 0.0, b / cf)
    return _ell_of_u(u)


def pt_dependence(beta_ft, beta_pt, c_pt, lambda_pt, gamma_ft):
    """Pretraining dependence PD_d = ∂log q/∂log|β_PT,d| = (1 − ℓ_d)·s_d ∈ [−1, 0] (REFERENCE §1).

    s_d = (1+λ)·β_PT,d² / (√(c² + β_PT,d²)·c_FT,d) ∈ [0, 1); s is set to 0 where c_FT,d = 0.
    """
    beta_pt_a, c, lam = (np.asarray(a, dtype=np.float64) for a in (beta_pt, c_pt, lambda_pt))
    cf = c_ft(beta_pt, c_pt, lambda_pt, gamma_ft)
    num = (1.0 + lam) * beta_pt_a * beta_pt_a
    den = np.hypot(c, beta_pt_a) * cf
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(den > 0.0, num / np.where(den > 0.0, den, 1.0), 0.0)
    s = np.clip(s, 0.0, 1.0)  # s < 1 exactly; rounding reaches 1 when c ≪ |β_PT|
    return (1.0 - l_order(beta_ft, beta_pt, c_pt, lambda_pt, gamma_ft)) * s
