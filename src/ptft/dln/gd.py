"""Batched full-batch gradient descent for many diagonal linear networks that share one design matrix.

Loss convention: L(β) = (1/2N)·Σ_n (x_nᵀβ − y_n)² (½·mean over the N samples), x ~ N(0, I_D/D) (rows of
norm ≈ 1), so g = ∂L/∂β = Xᵀ(Xβ − y)/N. Why the mean: XᵀX/N has eigenvalues ≤ (1+√α)²/N, so the authors'
lr = 0.5 is a small step that tracks gradient flow (the invariants drift by a factor Π(1 − η²g²), here
O(η/N) overall). With ½·sum instead, lr = 0.5 is an O(1) step: measured at D = 200, the invariants are
wiped out (drift ≈ 1) and GD lands an order of magnitude away from the Theorem 4.1 interpolator.
Reported `train_mse` is (1/N)·Σ_n (x_nᵀβ − y_n)² = 2L, the quantity compared with tol_train.

R runs are the columns of (D, R) parameter matrices, so one step is two (N, D)×(D, R) products for all
runs at once. The step is plain GD on (w⁺, v⁺, w⁻, v⁻),
    w⁺ −= η·g·v⁺,  v⁺ −= η·g·w⁺,  w⁻ += η·g·v⁻,  v⁻ += η·g·w⁻,  g = Xᵀ(Xβ − y)/N,
evaluated in rotated coordinates where it is diagonal: a± = w⁺ ± v⁺ and b± = w⁻ ± v⁻ are multiplied by
(1 ∓ η·g) and (1 ± η·g), so with p = ½·√(a⁺² + b⁻²)·Π(1 − η·g) and m = ½·√(a⁻² + b⁺²)·Π(1 + η·g) the whole
state moves as p ← p·(1 − η·g), m ← m·(1 + η·g) and β = p² − m². This is the same iteration (tested
step by step against the four-parameter update) at half the memory traffic; (w⁺, v⁺, w⁻, v⁻) are
recovered exactly at the end.

Small matrices run fastest on one thread: pass GDOptions(num_threads=1) (or pin threads in the caller).
"""

import contextlib
from dataclasses import dataclass

import numpy as np
import torch

from ptft import progress


@dataclass(frozen=True)
class GDOptions:
    """Step size and stopping rule of `gradient_descent`, shared by all runs of a batch (lr can be per run)."""

    lr: float = 0.5  # step size η on the ½·mean loss; the authors use 0.5 (0.05 for λ ≈ −1 with γ ≈ 0)
    max_steps: int = 5_000_000  # GD updates per run before giving up (the authors' epoch cap)
    tol_train: float = 1e-4  # converged once the train MSE (mean squared residual) is below this (or per run)
    tol_rel: float = 1e-6  # ... or once ‖Δβ‖/‖β‖ between consecutive checks is below this twice in a row
    check_every: int = 100  # GD updates between convergence / divergence checks
    diverge_factor: float = 1e8  # diverged once train MSE > diverge_factor · max(initial MSE, tol_train) or non-finite
    num_threads: int | None = None  # torch intra-op threads during the call (None: leave the process setting)


@dataclass
class GDResult:
    """Per-run outcome of `gradient_descent`; arrays of length R unless stated, state and beta of shape (D, R)."""

    state: tuple  # final (w_pos, v_pos, w_neg, v_neg), NumPy (D, R) each
    beta: np.ndarray  # final β = w⁺v⁺ − w⁻v⁻, (D, R)
    train_mse: np.ndarray  # mean squared training residual at stop
    steps: np.ndarray  # GD updates performed
    converged: np.ndarray  # stopped by tol_train or tol_rel
    diverged: np.ndarray  # stopped by a non-finite or exploding loss (kept, never dropped)
    drift: np.ndarray  # max_d of |ΔQ|/c_d over the conserved Q of each coordinate (see conservation_drift)


@contextlib.contextmanager
def _torch_threads(n):
    """Temporarily set torch's intra-op thread count (no-op for None)."""
    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def conserved(w_pos, v_pos, w_neg, v_neg):
    """The per-coordinate gradient-flow invariants ((w⁺)² − (v⁺)², (w⁻)² − (v⁻)², w⁺w⁻ + v⁺v⁻) (REFERENCE §1)."""
    return w_pos**2 - v_pos**2, w_neg**2 - v_neg**2, w_pos * w_neg + v_pos * v_neg


def conservation_drift(initial, final):
    """Relative drift of the invariants per run: max_d max_Q |Q_d(final) − Q_d(initial)| / c_d.

    c_d = (w⁺w⁻ + v⁺v⁻) of the initial state: c_pt for the PT initialisation, c_FT,d after FT re-initialisation.
    Coordinates with c_d = 0 (λ = −1 and γ = 0) never move and are skipped. States are (D, R) tuples; returns (R,).
    """
    q0, q1 = conserved(*initial), conserved(*final)
    scale = q0[2]
    worst = np.max([np.abs(b - a) for a, b in zip(q0, q1)], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0.0, worst / np.where(scale > 0.0, scale, 1.0), 0.0)
    return rel.max(axis=0)


def _to_rotated(w_pos, v_pos, w_neg, v_neg):
    """(w⁺, v⁺, w⁻, v⁻) -> (p, m) with β = p² − m² (see the module docstring); all (D, R)."""
    a_plus, a_minus = w_pos + v_pos, w_pos - v_pos
    b_plus, b_minus = w_neg + v_neg, w_neg - v_neg
    return 0.5 * np.hypot(a_plus, b_minus), 0.5 * np.hypot(a_minus, b_plus)


def _from_rotated(initial, p, m):
    """Recover (w⁺, v⁺, w⁻, v⁻) from the initial state and the rotated (p, m) reached from it."""
    w_pos, v_pos, w_neg, v_neg = initial
    p0, m0 = _to_rotated(*initial)
    # Where p0 = 0 both a⁺ and b⁻ are 0 and stay 0, so any finite factor reproduces them.
    with np.errstate(divide="ignore", invalid="ignore"):
        sp = np.where(p0 > 0.0, p / np.where(p0 > 0.0, p0, 1.0), 1.0)
        sm = np.where(m0 > 0.0, m / np.where(m0 > 0.0, m0, 1.0), 1.0)
    a_plus, a_minus = (w_pos + v_pos) * sp, (w_pos - v_pos) * sm
    b_plus, b_minus = (w_neg + v_neg) * sm, (w_neg - v_neg) * sp
    return 0.5 * (a_plus + a_minus), 0.5 * (a_plus - a_minus), 0.5 * (b_plus + b_minus), 0.5 * (b_plus - b_minus)


def _advance(X, XT, Y, p, m, lr, n_steps):
    """n_steps GD updates in place on the active columns: p ← p(1 − ηg), m ← m(1 + ηg), g = Xᵀ(X(p² − m²) − Y)/N.

    lr is the per-column η/N (the 1/N of the mean loss is folded into it).
    """
    beta = torch.empty_like(p)
    neg_y = -Y
    for _ in range(n_steps):
        torch.mul(p, p, out=beta)
        beta.addcmul_(m, m, value=-1.0)
        r = torch.addmm(neg_y, X, beta)
        r.mul_(lr)  # per-run step on the (N, R) residual, cheaper than on the (D, R) gradient
        g = XT @ r
        p.addcmul_(p, g, value=-1.0)
        m.addcmul_(m, g)


def _train_mse(X, Y, p, m):
    """β = p² − m² and its mean squared residual per column."""
    beta = p * p - m * m
    return beta, torch.mean((X @ beta - Y) ** 2, dim=0)


@dataclass
class _Status:
    """Per-run bookkeeping of the stopping rule (NumPy arrays of length R)."""

    mse: np.ndarray
    steps: np.ndarray
    streak: np.ndarray
    converged: np.ndarray
    diverged: np.ndarray

    @classmethod
    def start(cls, mse):
        n = len(mse)
        zeros = np.zeros(n, dtype=np.int64)
        return cls(mse.copy(), zeros, zeros.copy(), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))

    def active(self):
        return np.flatnonzero(~(self.converged | self.diverged))

    def record(self, idx, done, mse, change, bad, tol_train, options):
        """Apply one check to runs idx: divergence first, then their tol_train or tol_rel twice in a row."""
        self.steps[idx], self.mse[idx] = done, mse
        self.streak[idx] = np.where(change < options.tol_rel, self.streak[idx] + 1, 0)
        self.diverged[idx] = bad
        self.converged[idx] = ~bad & ((mse < tol_train[idx]) | (self.streak[idx] >= 2))


def _descend(X, Y, p, m, lr, tol_train, options):
    """The GD loop on torch tensors: advance the active runs check_every steps at a time, then check them.
    tol_train: (R,) NumPy, each run's train-MSE tolerance."""
    XT = X.T.contiguous()
    beta, mse = _train_mse(X, Y, p, m)
    threshold = options.diverge_factor * torch.clamp(mse, min=torch.as_tensor(tol_train, device=mse.device))
    prev_beta, status, done = beta.clone(), _Status.start(mse.cpu().numpy()), 0
    console = progress.Progress(options.max_steps, unit="step", desc=f"GD of {p.shape[1]} runs")
    while done < options.max_steps and len(idx_np := status.active()):
        idx = torch.as_tensor(idx_np, device=X.device)
        pa, ma = p[:, idx], m[:, idx]
        Ya = Y if Y.shape[1] == 1 else Y[:, idx]
        n = min(options.check_every, options.max_steps - done)
        _advance(X, XT, Ya, pa, ma, lr[idx], n)
        done += n
        p[:, idx], m[:, idx] = pa, ma
        beta_a, mse_a = _train_mse(X, Ya, pa, ma)
        tiny = torch.finfo(torch.float64).tiny
        change = torch.linalg.norm(beta_a - prev_beta[:, idx], dim=0) / torch.clamp(
            torch.linalg.norm(beta_a, dim=0), min=tiny
        )
        prev_beta[:, idx] = beta_a
        bad = ~torch.isfinite(mse_a) | (mse_a > threshold[idx]) | ~torch.isfinite(beta_a).all(dim=0)
        status.record(idx_np, done, *(t.cpu().numpy() for t in (mse_a, change, bad)), tol_train, options)
        console.update(done, running=len(status.active()))
    console.close(done, converged=int(status.converged.sum()), diverged=int(status.diverged.sum()))
    return status


def gradient_descent(X, y, state, *, lr=None, tol_train=None, options=GDOptions(), device="cpu"):
    """Run GD on R diagonal linear networks sharing the data (X, y) until each converges, diverges or hits max_steps.

    X: (N, D); y: (N,) shared or (N, R); state: (w_pos, v_pos, w_neg, v_neg), each (D, R) (or (D,) for R = 1,
    returned as (D, 1)); lr and tol_train: None (options'), scalar or (R,). Runs stop individually: a stopped
    run's columns are dropped from the matrix products until the end. Returns a GDResult (NumPy, float64).
    """
    initial = tuple(np.asarray(s, dtype=np.float64).reshape(len(s), -1) for s in state)
    n_runs = initial[0].shape[1]
    lr_all = np.broadcast_to(np.asarray(options.lr if lr is None else lr, dtype=np.float64), (n_runs,))
    tol_all = np.broadcast_to(np.asarray(options.tol_train if tol_train is None else tol_train, dtype=np.float64),
                              (n_runs,)).copy()  # writable: torch reads it
    y = np.asarray(y, dtype=np.float64)

    def as_t(a):
        return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, device=device)

    with _torch_threads(options.num_threads):
        p, m = (as_t(a) for a in _to_rotated(*initial))
        # The 1/N of the ½·mean loss is folded into the per-run step.
        status = _descend(as_t(X), as_t(y.reshape(len(y), -1)), p, m, as_t(lr_all / len(y)), tol_all, options)
        p_np, m_np = p.cpu().numpy(), m.cpu().numpy()
    final = _from_rotated(initial, p_np, m_np)
    return GDResult(
        state=final,
        beta=p_np * p_np - m_np * m_np,
        train_mse=status.mse,
        steps=status.steps,
        converged=status.converged,
        diverged=status.diverged,
        drift=conservation_drift(initial, final),
    )
