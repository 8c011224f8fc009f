"""Proposition 4.2: replica generalisation error of a fine-tuned diagonal linear network (D, N → ∞).

Fixed point in (s², g) of the scalar channel Z = B* + s·V, V ~ N(0, 1), B̂ = prox_{g·q_K}(Z):
    s² = (σ0² + E[(B* − B̂)²]) / α,    g = γ_ext + E[1 / (1/g + 1/√(K + 4B̂²))] / α,
and E_gen(α) = E[(B* − B̂)²] there. (B*, K) follows a mixture of groups (ChannelLaw); given its group,
B* is 0 or Gaussian, so every expectation is a 1-D Gaussian integral over Z: for B* ~ N(0, τ²),
B* | Z ~ N(m·Z, m·s²) with m = τ²/(τ² + s²), hence E[(B* − B̂)²] = m·s² + E_Z[(m·Z − B̂)²] exactly.
Those integrals use the quadrature of ptft.dln.prox (method "quad", deterministic); method "mc" is the
authors' Monte Carlo (80,000 samples), kept for the benchmark and as a cross-check.
"""

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from scipy.optimize import root

from ptft.dln.prox import channel_nodes, prox_q
from ptft.dln.theory import sqrt_k_ft

# The authors' homotopy: γ_ext → 0⁺ turns the regularised estimator into the min-penalty interpolator.
GAMMA_EXT_PATH = (1e-6, 1e-8, 1e-10, 1e-12)
MC_BATCHES = 20  # batch means for the Monte-Carlo standard error


@dataclass(frozen=True)
class ChannelLaw:
    """Joint law of (B*, K) as G groups: probability `weight`, Var B* = `tau2` (0: B* ≡ 0), and √K."""

    weight: np.ndarray
    tau2: np.ndarray
    sqrt_k: np.ndarray

    @property
    def frozen(self) -> bool:
        """K = 0 on every group (λ = −1 with γ = 0): the network never moves off β = 0."""
        return bool(np.all(self.sqrt_k == 0))

    @property
    def second_moment(self) -> float:
        """E[B*²], the error of the zero estimator (and the α → 0 limit of E_gen)."""
        return float(np.sum(self.weight * self.tau2))


def _law(weight, tau2, sqrt_k) -> ChannelLaw:
    """A ChannelLaw without its empty groups, √K validated: > 0 on every group, or 0 on all (a frozen network).

    K = 0 on some groups only would freeze those coordinates while the rest interpolate: a different estimator
    that Proposition 4.2 does not describe, so it is refused.
    """
    weight, tau2, sqrt_k = (np.asarray(v, dtype=np.float64) for v in (weight, tau2, sqrt_k))
    keep = weight > 0
    if np.any(sqrt_k[keep] < 0) or (np.any(sqrt_k[keep] == 0) and not np.all(sqrt_k[keep] == 0)):
        raise ValueError("sqrt_k_ft must be > 0 on every group (or 0 on all: a frozen network)")
    return ChannelLaw(weight[keep], tau2[keep], sqrt_k[keep])


def check_feasible(*, rho_pt, rho_ft, omega) -> None:
    """Raise ValueError naming the violated condition of a teacher pair (REFERENCE §2)."""
    eps = 1e-12  # grid values such as ω·ρ_ft = ρ_pt must pass despite rounding
    conditions = {
        "0 <= rho_pt <= 1": 0 <= rho_pt <= 1,
        "0 < rho_ft <= 1": 0 < rho_ft <= 1,
        "0 <= omega <= 1": 0 <= omega <= 1,
        "omega * rho_ft <= rho_pt": omega * rho_ft <= rho_pt + eps,
        "rho_pt + (1 - omega) * rho_ft <= 1": rho_pt + (1 - omega) * rho_ft <= 1 + eps,
    }
    for name, ok in conditions.items():
        if not ok:
            raise ValueError(f"infeasible task (rho_pt={rho_pt}, rho_ft={rho_ft}, omega={omega}): needs {name}")


def task_law(*, c_pt, lambda_pt, gamma_ft, rho_pt, rho_ft, omega, a_pt=1.0) -> ChannelLaw:
    """(B*, K) over the four coordinate groups of REFERENCE §2, K from Theorem 4.1.

    Groups (weight, B*, β_PT): overlap (ω·ρ_ft, N(0, 1/ρ_ft), a_pt); FT-new ((1−ω)·ρ_ft, N(0, 1/ρ_ft), 0);
    PT-only (ρ_pt − ω·ρ_ft, 0, a_pt); none (the rest, 0, 0).
    """
    check_feasible(rho_pt=rho_pt, rho_ft=rho_ft, omega=omega)
    overlap, ft_new = omega * rho_ft, (1 - omega) * rho_ft
    weight = np.clip([overlap, ft_new, rho_pt - overlap, 1 - rho_pt - ft_new], 0.0, 1.0)
    tau2 = np.array([1 / rho_ft, 1 / rho_ft, 0.0, 0.0])
    beta_pt = np.array([a_pt, 0.0, a_pt, 0.0])
    return _law(weight, tau2, sqrt_k_ft(beta_pt, c_pt, lambda_pt, gamma_ft))


def single_task_law(*, c_pt, rho) -> ChannelLaw:
    """Single-task limit: K ≡ 4c², Bernoulli–Gaussian teacher (B* ~ N(0, 1/ρ) w.p. ρ, else 0)."""
    check_feasible(rho_pt=0.0, rho_ft=rho, omega=0.0)
    return _law([rho, 1 - rho], [1 / rho, 0.0], [2.0 * c_pt, 2.0 * c_pt])


def channel_moments(law, s2, g, *, nodes=None):
    """(E[(B* − B̂)²], E[h(B̂)], None) by quadrature, h = 1/(1/g + 1/√(K + 4B̂²)) (Proposition 4.2).

    nodes: channel_nodes keywords (n_z, n_t, n_gl); the defaults are accurate to ~1e-12 relative.
    """
    t, x, z, w = channel_nodes(np.sqrt(s2), g, law.tau2, law.sqrt_k, **(nodes or {}))
    m = (law.tau2 / (law.tau2 + s2))[:, None]
    # Posterior mean minus estimate, m·Z − B̂. Where m ≥ ½ it is written (Z − B̂) − (1 − m)·Z =
    # g·t/2 − (1 − m)·Z, which keeps its digits when B̂ ≈ Z (exact-recovery phase, E_gen ~ 1e-20);
    # where m < ½ (B* ≡ 0 included) the direct form keeps them when B̂ ≈ 0.
    resid = np.where(m >= 0.5, 0.5 * g * t - (s2 / (law.tau2 + s2))[:, None] * z, m * z - x)
    err = m[:, 0] * s2 + np.sum(w * resid**2, axis=1)
    r = np.hypot(law.sqrt_k[:, None], 2.0 * x)
    h = np.sum(w * (g * r / (g + r)), axis=1)
    return float(law.weight @ err), float(law.weight @ h), None


def _mc_sampler(law, n_samples, seed):
    """Common random numbers for one curve: (B*, √K, V), each (n_samples,), drawn once from `seed`."""
    rng = np.random.default_rng(seed)
    group = rng.choice(len(law.weight), size=n_samples, p=law.weight / law.weight.sum())
    b_star = np.sqrt(law.tau2[group]) * rng.standard_normal(n_samples)
    return b_star, law.sqrt_k[group], rng.standard_normal(n_samples)


def _mc_moments(samples, s2, g):
    """(E[(B* − B̂)²], E[h(B̂)], their MC_BATCHES batch means (MC_BATCHES, 2)) by Monte Carlo."""
    b_star, sqrt_k, v = samples
    x = prox_q(b_star + np.sqrt(s2) * v, g, sqrt_k)
    r = np.hypot(sqrt_k, 2.0 * x)
    both = np.stack([(b_star - x) ** 2, g * r / (g + r)], axis=1)
    batches = np.array([b.mean(axis=0) for b in np.array_split(both, MC_BATCHES)])
    return float(both[:, 0].mean()), float(both[:, 1].mean()), batches


def _fixed_point_se(update, moments, theta):
    """Batch-means standard error of E_gen at a Monte-Carlo fixed point θ = (s², g), delta method.

    Sampling noise ε in the map T moves the fixed point by (I − J)⁻¹·ε (J = ∂T/∂θ, by central
    differences on the same samples), and E_gen = α·s² − σ0² there; so each batch's deviation is pushed
    through that linear map. Without it the error bar misses the fixed point's amplification 1/(1 − J).
    """
    err, h, batches = moments(*theta)
    if batches is None:
        return 0.0
    steps = 1e-4 * theta
    jac = np.column_stack([(update(theta + e) - update(theta - e)) / (2 * e[j])
                           for j, e in enumerate(np.diag(steps))])
    gain = np.linalg.solve(np.eye(2) - jac.T, np.array([1.0, 0.0]))  # row 0 of (I − J)⁻¹
    deviations = (batches - [err, h]) @ gain
    return float(deviations.std(ddof=1) / np.sqrt(len(deviations)))


def _fixed_point_map(moments, alpha, gamma_ext, noise_var):
    """(s², g) ↦ the right-hand sides of Proposition 4.2's two equations."""

    def update(theta):
        err, h, _ = moments(theta[0], theta[1])
        return np.array([(noise_var + err) / alpha, gamma_ext + h / alpha])

    return update


def _picard(update, theta, *, damping, tol, max_iter):
    """The authors' damped iteration θ ← (1 − d)·θ + d·T(θ); converged on relative change < tol."""
    for it in range(1, max_iter + 1):
        new = (1 - damping) * theta + damping * update(theta)
        if np.all(np.isfinite(new)) and np.max(np.abs(new - theta) / np.abs(theta)) < tol:
            return new, it, True
        theta = new
    return theta, max_iter, False


def _hybrid(update, theta, *, damping, tol, max_iter):
    """Powell's hybrid root of log T(θ) − log θ (positivity for free), falling back to Picard."""

    def residual(u):
        with np.errstate(all="ignore"):
            return np.log(update(np.exp(u))) - u

    def hybr(start):
        sol = root(residual, np.log(start), method="hybr", options={"xtol": 1e-12, "maxfev": max_iter})
        ok = bool(np.all(np.isfinite(sol.fun)) and np.max(np.abs(sol.fun)) < tol)
        return np.exp(sol.x), sol.nfev, ok

    found, evals, ok = hybr(theta)
    if ok:
        return found, evals, True
    # Far from the root (a walk's first α) Powell's method can run off; Picard brings it close first.
    theta, it, ok = _picard(update, theta, damping=damping, tol=tol, max_iter=max_iter)
    found, more, polished = hybr(theta)
    return (found, evals + it + more, True) if polished else (theta, evals + it + more, ok)


def _walk(alphas, moments, start, *, solver, noise_var, gamma_path, opts):
    """Continuation along `alphas` (in the order given), γ_ext homotopy at each α; one dict per α.

    The walk carries the solution at the first γ_ext: in the exact-recovery phase s² scales with γ_ext,
    so restarting the homotopy from the previous α's γ_ext → 0 end would be a jump of ~40 decades.
    """
    theta, rows = np.asarray(start, dtype=np.float64), []
    for alpha in alphas:
        guess, iterations = theta, 0
        for stage, gamma_ext in enumerate(gamma_path):
            update = _fixed_point_map(moments, alpha, gamma_ext, noise_var)
            guess, it, ok = solver(update, guess, **opts)
            iterations += it
            theta = guess if stage == 0 and np.all(np.isfinite(guess)) else theta
        err, _, _ = moments(*guess)
        rows.append(dict(alpha=alpha, mse=err, mse_se=_fixed_point_se(update, moments, guess), converged=ok,
                         s2=guess[0], g=guess[1], iterations=iterations))
    return rows


def _start(law, alpha, noise_var):
    """Initial (s², g) at the first α of a walk: E_gen ≈ E[B*²] and g ≈ E[√K]/α + s (rich scale)."""
    s2 = (noise_var + law.second_moment) / alpha
    return np.array([s2, float(law.weight @ law.sqrt_k) / alpha + np.sqrt(s2)])


def _lower_branch(forward, backward):
    """Per α, the converged walk with the lower error (the authors' choice); non-converged only if both are."""
    rows = []
    for f, b in zip(forward, backward):
        pick = min((f, "forward"), (b, "backward"), key=lambda p: (not p[0]["converged"], p[0]["mse"]))
        rows.append({**pick[0], "branch": pick[1]})
    return rows


def solve_curve(alpha, law, *, noise_var=0.0, method="quad", n_samples=80_000, seed=0, damping=0.25,
                tol=None, max_iter=900, gamma_path=GAMMA_EXT_PATH, nodes=None, solver=None) -> pd.DataFrame:
    """E_gen(α) for a ChannelLaw: continuation forward and backward in α, lower branch kept.

    method "quad" (default: quadrature, Powell hybrid solver, tol 1e-10) or "mc" (the authors' Monte
    Carlo: n_samples, seed, damped Picard, tol 1e-6). solver "hybrid" or "picard" overrides the default.
    nodes: channel_nodes keywords (n_z, n_t, n_gl) for the quadrature. Rows keep the order of `alpha`.
    """
    alpha = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    if np.any(alpha <= 0):
        raise ValueError("alpha must be > 0")
    if law.frozen:
        # Every √K = 0 (λ = −1, γ = 0): gradients vanish, β stays 0 and E_gen = E[B*²] at every α (REFERENCE §3).
        return pd.DataFrame(dict(alpha=alpha, mse=law.second_moment, mse_se=0.0, converged=True, s2=np.nan,
                                 g=np.nan, iterations=0, branch="frozen"))
    if method == "quad":
        moments = partial(channel_moments, law, nodes=nodes)
    elif method == "mc":
        moments = partial(_mc_moments, _mc_sampler(law, n_samples, seed))
    else:
        raise ValueError(f"method must be 'quad' or 'mc', not {method!r}")
    solver = solver or ("hybrid" if method == "quad" else "picard")
    opts = dict(damping=damping, tol=tol or (1e-10 if method == "quad" else 1e-6), max_iter=max_iter)
    walk = dict(solver={"hybrid": _hybrid, "picard": _picard}[solver], noise_var=noise_var,
                gamma_path=gamma_path, opts=opts)
    order = np.argsort(alpha)
    up = _walk(alpha[order], moments, _start(law, alpha[order[0]], noise_var), **walk)
    down = _walk(alpha[order[::-1]], moments, _start(law, alpha[order[-1]], noise_var), **walk)[::-1]
    rows = _lower_branch(up, down)
    return pd.DataFrame([rows[i] for i in np.argsort(order)])


def generalization_error(alpha, *, c_pt, lambda_pt, gamma_ft, rho_pt, rho_ft, omega, a_pt=1.0,
                         noise_var=0.0, **solve) -> pd.DataFrame:
    """Proposition 4.2: fine-tuning E_gen(α) = ‖β̂ − β*‖²/D after oracle pretraining, one row per α.

    Columns: alpha, mse, mse_se (0 for quadrature; for Monte Carlo the batch-means standard error pushed
    through the fixed point), converged, s2, g, iterations (map evaluations), branch (walk kept).
    `solve`: keywords of solve_curve (method, n_samples, seed, damping, tol, max_iter, ...).
    """
    law = task_law(c_pt=c_pt, lambda_pt=lambda_pt, gamma_ft=gamma_ft, rho_pt=rho_pt, rho_ft=rho_ft,
                   omega=omega, a_pt=a_pt)
    return solve_curve(alpha, law, noise_var=noise_var, **solve)


def single_task_error(alpha, *, c_pt, rho, noise_var=0.0, **solve) -> pd.DataFrame:
    """Single-task limit of Proposition 4.2 (K ≡ 4c², Bernoulli–Gaussian teacher); columns as above."""
    return solve_curve(alpha, single_task_law(c_pt=c_pt, rho=rho), noise_var=noise_var, **solve)
