"""Teacher–student tasks of the DLN experiments (REFERENCE §2): sparse PT and FT teachers and Gaussian inputs.

Every random draw comes from its own named stream (ptft.seeding.rng(seed, purpose)), so changing one part
of a task (say the FT sample size) never changes another (the teachers). Purposes: "pt_teacher",
"ft_teacher", "pt_train_x", "ft_train_x".
"""

from dataclasses import dataclass

import numpy as np

from ptft.seeding import rng


@dataclass(frozen=True)
class Task:
    """One PT/FT task pair: teachers of shape (D,) and their supports (sorted coordinate indices)."""

    beta_pt: np.ndarray
    beta_ft: np.ndarray
    support_pt: np.ndarray
    support_ft: np.ndarray


def group_counts(dim, rho_pt, rho_ft, omega):
    """Integer sizes (n_pt, n_ft, n_overlap) = (round(ρ_pt·D), round(ρ_ft·D), round(ω·n_ft)), checked for feasibility.

    Raises ValueError naming the violated condition: a fraction outside [0, 1],
    ω·ρ_ft ≤ ρ_pt (the overlap must fit inside S_PT) or ρ_pt + (1−ω)·ρ_ft ≤ 1 (the new FT
    coordinates must fit outside S_PT), both checked on the rounded counts that are actually drawn.
    """
    for name, value in (("rho_pt", rho_pt), ("rho_ft", rho_ft), ("omega", omega)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} = {value} must lie in [0, 1]")
    n_pt, n_ft = round(rho_pt * dim), round(rho_ft * dim)
    n_overlap = round(omega * n_ft)
    if n_overlap > n_pt:
        raise ValueError(
            f"infeasible task: omega*rho_ft <= rho_pt violated "
            f"({n_overlap} overlap coordinates > {n_pt} PT coordinates)"
        )
    if n_pt + n_ft - n_overlap > dim:
        raise ValueError(
            f"infeasible task: rho_pt + (1-omega)*rho_ft <= 1 violated "
            f"({n_pt} + {n_ft - n_overlap} coordinates > D = {dim})"
        )
    return n_pt, n_ft, n_overlap


def pt_teacher(dim, n_pt, a_pt, gen):
    """PT teacher: amplitude a_pt on exactly n_pt uniformly chosen coordinates. Returns (β*_PT, sorted support)."""
    support = np.sort(gen.choice(dim, size=n_pt, replace=False))
    beta = np.zeros(dim)
    beta[support] = a_pt
    return beta, support


def ft_teacher(dim, support_pt, n_ft, n_overlap, rho_ft, gen):
    """FT teacher: N(0, 1/ρ_ft) entries on n_ft coordinates, n_overlap of them inside support_pt.

    Returns (β*_FT, sorted support).
    """
    outside = np.setdiff1d(np.arange(dim), support_pt)
    support = np.sort(
        np.concatenate(
            [
                gen.choice(support_pt, size=n_overlap, replace=False),
                gen.choice(outside, size=n_ft - n_overlap, replace=False),
            ]
        )
    )
    beta = np.zeros(dim)
    if n_ft:
        beta[support] = gen.standard_normal(n_ft) / np.sqrt(rho_ft)
    return beta, support


def draw_inputs(n, dim, gen):
    """Inputs x ~ N(0, I_D/D) as an (n, D) matrix (rows of norm ≈ 1)."""
    return gen.standard_normal((n, dim)) / np.sqrt(dim)


def make_task(*, dim, rho_pt, rho_ft, omega, seed, a_pt=1.0):
    """Draw the PT teacher (stream "pt_teacher") and the FT teacher (stream "ft_teacher") of one task (REFERENCE §2)."""
    n_pt, n_ft, n_overlap = group_counts(dim, rho_pt, rho_ft, omega)
    beta_pt, support_pt = pt_teacher(dim, n_pt, a_pt, rng(seed, "pt_teacher"))
    beta_ft, support_ft = ft_teacher(dim, support_pt, n_ft, n_overlap, rho_ft, rng(seed, "ft_teacher"))
    return Task(beta_pt, beta_ft, support_pt, support_ft)


def single_task_teacher(*, dim, rho, seed):
    """Sparse Gaussian teacher for the single-task check: N(0, 1/ρ) on round(ρ·D) coordinates (stream "ft_teacher")."""
    _, n_ft, _ = group_counts(dim, 0.0, rho, 0.0)
    return ft_teacher(dim, np.array([], dtype=int), n_ft, 0, rho, rng(seed, "ft_teacher"))[0]


def training_data(beta_star, n, seed, purpose):
    """Noiseless training set (X, y = X·β*) with n rows drawn from stream `purpose` ("pt_train_x" or "ft_train_x")."""
    X = draw_inputs(n, len(beta_star), rng(seed, purpose))
    return X, X @ beta_star
