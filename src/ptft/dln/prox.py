"""The scalar denoiser of Proposition 4.2, prox_{g·q_K}, and Gaussian expectations over its channel.

The denoiser B̂ = prox_{g·q_K}(Z) is the root x of  x − Z + (g/2)·asinh(2x/√K) = 0  (q_K′ = ½·asinh).
Everything here is parametrised by t = asinh(2x/√K), in which

    x(t) = (√K/2)·sinh t,    Z(t) = x(t) + (g/2)·t,    dZ/dt = (√K/2)·cosh t + g/2 > 0.

The map t ↦ Z is explicit, smooth and increasing, so (i) the prox is a 1-D convex root in t (Newton from
an upper bound converges monotonically, with no overshoot even at K = 1e-24, where in x the root is an
ℓ1-like soft threshold), and (ii) a Gaussian expectation over Z becomes an integral over t whose
integrand is analytic and needs no prox solve at the quadrature nodes at all.
"""

from functools import lru_cache

import numpy as np
from numpy.polynomial.legendre import leggauss

# Gaussian tail beyond 9 standard deviations has mass 2e-19: far below any tolerance used here.
Z_MAX_SD = 9.0


def _t_root(a, g, sqrt_k, *, max_iter=100):
    """t ≥ 0 solving (√K/2)·sinh t + (g/2)·t = a for a ≥ 0 (arrays broadcast)."""
    half_sk, half_g = 0.5 * sqrt_k, 0.5 * g
    with np.errstate(divide="ignore"):
        linear_bound = np.where(g > 0, a / np.where(g > 0, half_g, 1.0), np.inf)
    # Both bounds lie right of the root (each drops one positive term); psi is convex and increasing
    # in t, so Newton from the smaller bound decreases monotonically onto the root.
    t = np.minimum(np.arcsinh(a / half_sk), linear_bound)
    lo = np.zeros_like(t)
    for _ in range(max_iter):
        psi = half_sk * np.sinh(t) + half_g * t - a
        step = psi / (half_sk * np.cosh(t) + half_g)
        new = t - step
        lo = np.where(psi < 0, t, lo)
        # Rounding can push a step below the bracket; bisect there instead of trusting Newton.
        new = np.where(new < lo, 0.5 * (lo + t), new)
        done = np.abs(new - t) <= 4e-16 * np.maximum(1.0, t)
        t = new
        if done.all():
            break
    return t


def prox_q(z, g, sqrt_k):
    """prox_{g·q_K}(z): the Proposition 4.2 denoiser, elementwise (broadcasting z, g ≥ 0, √K > 0).

    Solved to machine precision: |x − z + (g/2)·asinh(2x/√K)| ≲ 1e-15·max(1, |z|).
    """
    z, g, sqrt_k = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (z, g, sqrt_k)))
    if np.any(sqrt_k <= 0):
        raise ValueError("prox_q needs sqrt_k > 0 (K = 0 is a penalty that is infinite off zero)")
    t = _t_root(np.abs(z), g, sqrt_k)
    # The clip only removes rounding (|x| ≤ |z| holds exactly) so that the prox never expands.
    return np.sign(z) * np.minimum(0.5 * sqrt_k * np.sinh(t), np.abs(z))


def prox_residual(x, z, g, sqrt_k):
    """The denoiser equation's residual x − z + (g/2)·asinh(2x/√K) (zero at the prox)."""
    return x - z + 0.5 * g * np.arcsinh(2.0 * x / sqrt_k)


@lru_cache(maxsize=16)
def _reference_grids(n_z, n_t, n_gl):
    """The (s, g)-free parts of the rule: Z-grid in SDs, t-grid fractions, Gauss–Legendre on [0, 1]."""
    gl_x, gl_w = leggauss(n_gl)
    return np.linspace(0.0, Z_MAX_SD, n_z + 1), np.linspace(0.0, 1.0, n_t + 1)[1:-1], 0.5 * (gl_x + 1), 0.5 * gl_w


def channel_nodes(s, g, tau2, sqrt_k, *, n_z=16, n_t=16, n_gl=8):
    """Quadrature over Z = B* + s·V ≥ 0 for G groups, B* ~ N(0, tau2), so Z ~ N(0, tau2 + s²).

    Arguments: scalars s > 0, g ≥ 0; arrays tau2, sqrt_k of shape (G,).
    Returns (t, x, z, w), each (G, n): nodes t, B̂ = x, Z = z and weights w with Σ_n w·f(x, z) = E[f(B̂, Z)]
    for any f even under (x, z) → (−x, −z) (the factor 2 for Z < 0 is in w). Z − B̂ = g·t/2 exactly.
    Panels in t are the union of two grids, so both scales are resolved: Z-uniform breakpoints (the
    Gaussian's scale) and t-uniform ones (where x grows exponentially in t, past the soft threshold).
    Composite n_gl-point Gauss–Legendre on each panel; all node counts are fixed, so the rule varies
    continuously with (s, g) and the fixed-point map stays smooth.
    """
    tau2, sqrt_k = np.asarray(tau2, dtype=np.float64), np.asarray(sqrt_k, dtype=np.float64)
    sd = np.sqrt(tau2 + s * s)[:, None]
    sk = sqrt_k[:, None]
    z_grid, t_fractions, gl_x, gl_w = _reference_grids(n_z, n_t, n_gl)
    t_by_z = _t_root(sd * z_grid, g, sk)
    breaks = np.sort(np.concatenate([t_by_z, t_by_z[:, -1:] * t_fractions], axis=1), axis=1)
    left, width = breaks[:, :-1, None], np.diff(breaks, axis=1)[:, :, None]
    t = (left + width * gl_x).reshape(len(sd), -1)
    w_t = (width * gl_w).reshape(len(sd), -1)
    x = 0.5 * sk * np.sinh(t)
    z = x + 0.5 * g * t
    dz_dt = 0.5 * sk * np.cosh(t) + 0.5 * g
    density = np.exp(-0.5 * (z / sd) ** 2) / (sd * np.sqrt(2.0 * np.pi))
    return t, x, z, 2.0 * w_t * dz_dt * density
