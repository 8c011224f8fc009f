"""Benchmark: Figure 4's replica curves (4 regimes × 3 task types × 40 α), quadrature vs the authors' Monte Carlo.

Run from the repository root:  .venv/bin/python bench/replica.py [--threads 1] [--mc-curves 2] [--mc-stride 10]
Quadrature: ptft.dln.replica defaults (Powell hybrid solver, tol 1e-10), timed on all 12 curves; its accuracy
is its largest relative difference to a 4×-refined rule (n_z = n_t = 64, n_gl = 16). Monte Carlo as the
authors ran it (80,000 samples, damped Picard 0.25, tol 1e-6, ≤ 900 iterations, γ_ext homotopy, forward +
backward continuation) is timed on --mc-curves of the 12 curves at every --mc-stride-th α (continuation over
that sub-grid) and extrapolated per α point to all 12 × 40 points: a full Monte-Carlo curve takes about an
hour, as Picard needs ~900 iterations per γ_ext stage in the exact-recovery phase. Its agreement with the
quadrature is given relative and in Monte-Carlo standard errors (batch means through the fixed point).
The last line is `ratio: X` (estimated Monte-Carlo time / quadrature time).
"""

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from ptft.dln.regimes import REGIMES, TASK_TYPES, regime_curves

ALPHA = np.linspace(0.01, 0.5, 40)
FINE = dict(n_z=64, n_t=64, n_gl=16)
MEANINGFUL = 1e-3  # relative differences are reported where E_gen ≥ this (exact recovery sits at ~1e-20)


def timed(fn, **kw):
    """(result, wall seconds) of fn(**kw)."""
    start = time.perf_counter()
    out = fn(**kw)
    return out, time.perf_counter() - start


def rel_diff(a, b):
    """max |a − b| / |b| where E_gen ≥ MEANINGFUL (NaN if nowhere)."""
    a, b = np.asarray(a), np.asarray(b)
    mask = b >= MEANINGFUL
    return float(np.max(np.abs(a[mask] - b[mask]) / b[mask])) if mask.any() else np.nan


def mc_subset(n_curves):
    """The first n_curves of the 12 (task type, regime) pairs, in the order i ↦ (i mod 3, i mod 4).

    That order (a bijection, as gcd(3, 4) = 1) spreads any prefix over task types and regimes.
    """
    tasks, regimes = list(TASK_TYPES), list(REGIMES)
    return [(tasks[i % 3], regimes[i % 4]) for i in range(n_curves)]


def run_mc(quad, n_curves, stride):
    """Monte-Carlo curves on the subset: [(name, mc table, quadrature rows at the same α, seconds)]."""
    out = []
    for task, regime in mc_subset(n_curves):
        sub = dict(task_types={task: TASK_TYPES[task]}, regimes={regime: REGIMES[regime]})
        mc, seconds = timed(regime_curves, alpha=ALPHA[::stride], method="mc", **sub)
        ref = quad[(quad["task_type"] == task) & (quad["regime"] == regime)].iloc[::stride]
        out.append((f"{task}/{regime}", mc, ref.reset_index(drop=True), seconds))
    return out


def report(quad, t_quad, fine, mc_runs, threads):
    """Print the benchmark's findings; `ratio: X` last."""
    n_curves, n_points = len(quad.groupby(["task_type", "regime"])), len(quad)
    print(f"threads: {threads}; {n_curves} curves × {len(ALPHA)} α; all converged: {bool(quad['converged'].all())}")
    print(f"quadrature: {t_quad:.2f} s for all {n_curves} curves ({t_quad / n_curves:.3f} s per curve, "
          f"{int(quad['iterations'].sum())} map evaluations)")
    print(f"quadrature accuracy: max relative difference to the refined rule {rel_diff(quad['mse'], fine['mse']):.2e} "
          f"(E_gen ≥ {MEANINGFUL:g}); max absolute {np.max(np.abs(quad['mse'] - fine['mse'])):.2e} (all points)")
    for name, mc, ref, seconds in mc_runs:
        keep = ref["mse"].to_numpy() >= MEANINGFUL
        z = (np.abs(mc["mse"] - ref["mse"]) / mc["mse_se"]).to_numpy()[keep]
        print(f"Monte Carlo {name}, α = {np.round(mc['alpha'].to_numpy(), 3).tolist()}: {seconds:.1f} s, "
              f"{int(mc['iterations'].sum())} map evaluations, converged {int(mc['converged'].sum())}/{len(mc)}; "
              f"vs quadrature (E_gen ≥ {MEANINGFUL:g}): max relative difference "
              f"{rel_diff(mc['mse'], ref['mse']):.3f}, "
              f"max |difference|/SE {z.max():.2f}, median {np.median(z):.2f}")
    per_point = np.mean([seconds / len(mc) for _, mc, _, seconds in mc_runs])
    t_mc = per_point * n_points
    print(f"Monte Carlo, all {n_curves} curves: {t_mc:.0f} s (extrapolated: {per_point:.1f} s per α point "
          f"measured on {len(mc_runs)} curve(s), times {n_points} points)")
    print(f"ratio: {t_mc / t_quad:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (threadpoolctl)")
    parser.add_argument("--mc-curves", type=int, default=2, help="curves the Monte-Carlo baseline is timed on")
    parser.add_argument("--mc-stride", type=int, default=10, help="every k-th α of the grid for Monte Carlo")
    args = parser.parse_args()
    with threadpool_limits(args.threads):
        quad, t_quad = timed(regime_curves, alpha=ALPHA)
        fine = regime_curves(ALPHA, nodes=FINE)
        mc_runs = run_mc(quad, args.mc_curves, args.mc_stride)
    report(quad, t_quad, fine, mc_runs, args.threads)


if __name__ == "__main__":
    main()
