"""Benchmark: batched DLN gradient descent against a per-run torch loop, and the dual-Newton solver against GD.

Default mode: one task (D = 500, α = 0.2, oracle PT), 20 fine-tuning settings (c, λ, γ), the same fixed number
of steps, (a) with ptft.dln.gd.gradient_descent (all runs in one matrix product) and (b) the way the authors'
scripts do it: one nn.Module holding the four parameter vectors and one torch.optim.SGD per run, runs stepped
one after another. Also (c) the physical floor: the two matrix products of one step alone (X·β: (N, D)·(D, R),
Xᵀ·r: (D, N)·(N, R)), same shapes, threads and number of steps. Prints the times, the largest |Δβ| between (a)
and (b), `floor_ratio: batched/floor` and `ratio: loop/batched` last.

--solver: on the same task, GD run to convergence (tight tolerance, batched) against min_penalty_interpolator
on each setting; prints the worst relative β disagreement and `ratio: gd/solver` last.

--solve-only: the minimiser alone (inexact Newton, the default) against plain Newton (method="exact"), alternately
on the first --runs settings; prints the exact path's time, the worst relative β disagreement and
`seconds_per_solve:` of the default last.

    OMP_NUM_THREADS=1 python bench/dln_gd.py --threads 1
    OMP_NUM_THREADS=1 python bench/dln_gd.py --threads 1 --solver
    OMP_NUM_THREADS=1 python bench/dln_gd.py --threads 1 --solve-only --dim 5000 --alpha 0.5
"""

import argparse
import itertools
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from ptft.dln import tasks, theory
from ptft.dln.gd import GDOptions, gradient_descent
from ptft.dln.solve import min_penalty_interpolator, min_penalty_interpolator_batch


def setup(dim, alpha, seed=0):
    """The task's FT data, FT re-initialised states (D, 20) and the settings' knobs (c, λ, γ)."""
    task = tasks.make_task(dim=dim, rho_pt=0.1, rho_ft=0.1, omega=0.5, seed=seed)
    X, y = tasks.training_data(task.beta_ft, round(alpha * dim), seed, "ft_train_x")
    grid = list(itertools.product([1e-3, 0.1], [-0.9, 0.0, 0.5, 0.9, 0.99], [0.0, 1.0]))
    c, lam, gam = (np.array(v) for v in zip(*grid))
    state = theory.ft_reinit(*theory.pt_end_state(task.beta_pt[:, None], c, lam), gam)
    return task, X, y, state, (c, lam, gam)


class DiagonalNet(torch.nn.Module):
    """One DLN as the authors' scripts build it: four parameter vectors, β = w⁺v⁺ − w⁻v⁻."""

    def __init__(self, w_pos, v_pos, w_neg, v_neg):
        super().__init__()
        self.w_pos, self.v_pos, self.w_neg, self.v_neg = (
            torch.nn.Parameter(torch.tensor(a, dtype=torch.float64)) for a in (w_pos, v_pos, w_neg, v_neg)
        )

    def beta(self):
        return self.w_pos * self.v_pos - self.w_neg * self.v_neg

    def forward(self, x):
        return x @ self.beta()


def loop_gd(X, y, state, lr, steps):
    """Per-run loop: each run its own module and SGD optimiser, ½·mean squared loss, runs one after another."""
    Xt, yt = torch.tensor(X), torch.tensor(y)
    betas = []
    for r in range(state[0].shape[1]):
        net = DiagonalNet(*(s[:, r] for s in state))
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            loss = 0.5 * torch.mean((net(Xt) - yt) ** 2)
            loss.backward()
            opt.step()
        betas.append(net.beta().detach().numpy())
    return np.stack(betas, axis=1)


def floor_products(X, runs, steps, device="cpu"):
    """The two matrix products a GD step cannot avoid, `steps` times, with the step's shapes (float64), on `device`
    (one warm-up step first; on CUDA the clock is read after a synchronize)."""
    Xt = torch.tensor(X, device=device)
    XT = Xt.T.contiguous()
    beta = torch.randn(X.shape[1], runs, dtype=torch.float64, device=device)
    XT @ (Xt @ beta)
    sync = torch.cuda.synchronize if Xt.is_cuda else (lambda: None)
    sync()
    start = time.perf_counter()
    for _ in range(steps):
        r = Xt @ beta
        XT @ r
    sync()
    return time.perf_counter() - start


def bench_batched(args):
    """Same steps, same settings: batched GD vs the per-run loop, and vs the floor of its two products."""
    _, X, y, state, _ = setup(args.dim, args.alpha)
    fixed = GDOptions(lr=args.lr, max_steps=args.steps, tol_train=0.0, tol_rel=0.0, check_every=args.steps)
    if args.device != "cpu":  # warm-up outside the clock: context, cuBLAS handle, transfers' first allocations
        gradient_descent(X, y, state, options=GDOptions(lr=args.lr, max_steps=10, tol_train=0.0, tol_rel=0.0,
                                                        check_every=10), device=args.device)
    start = time.perf_counter()
    batched = gradient_descent(X, y, state, options=fixed, device=args.device).beta  # returns NumPy: synchronised
    t_batched = time.perf_counter() - start
    t_floor = floor_products(X, state[0].shape[1], args.steps, args.device)
    if args.no_loop:  # e.g. on a GPU at D = 5000, where the per-run loop would take hours
        print(f"D={args.dim} N={X.shape[0]} runs={state[0].shape[1]} steps={args.steps} device={args.device}")
        print(f"batched: {t_batched:.3f} s ({1e6 * t_batched / args.steps:.1f} µs/step); "
              f"floor (2 products/step on {args.device}): {t_floor:.3f} s ({1e6 * t_floor / args.steps:.1f} µs/step)")
        print(f"floor_ratio: {t_batched / t_floor:.2f}")
        return
    start = time.perf_counter()
    looped = loop_gd(X, y, state, args.lr, args.steps)
    t_loop = time.perf_counter() - start
    print(f"D={args.dim} N={X.shape[0]} runs={state[0].shape[1]} steps={args.steps} threads={args.threads}")
    print(f"batched: {t_batched:.3f} s   loop: {t_loop:.3f} s   floor (2 products/step): {t_floor:.3f} s   "
          f"max|Δβ| = {np.abs(batched - looped).max():.1e}")
    print(f"floor_ratio: {t_batched / t_floor:.2f}")
    print(f"ratio: {t_loop / t_batched:.1f}")


def bench_solver(args):
    """GD to convergence (the batched implementation) vs the dual-Newton interpolator on the same settings."""
    task, X, y, state, (c, lam, gam) = setup(args.dim, args.alpha)
    converge = GDOptions(lr=args.lr, max_steps=10**7, tol_train=1e-16, tol_rel=1e-12)
    start = time.perf_counter()
    res = gradient_descent(X, y, state, options=converge)
    t_gd = time.perf_counter() - start
    start = time.perf_counter()
    exact = min_penalty_interpolator_batch(X, y, theory.sqrt_k_ft(task.beta_pt[:, None], c, lam, gam))
    t_solver = time.perf_counter() - start
    gap = np.linalg.norm(res.beta - exact, axis=0) / np.linalg.norm(exact, axis=0)
    print(f"D={args.dim} N={X.shape[0]} runs={len(c)} lr={args.lr} threads={args.threads}")
    print(f"GD: {t_gd:.3f} s (steps {res.steps.min()}..{res.steps.max()}, all converged: {res.converged.all()})")
    print(f"solver: {t_solver:.3f} s   worst relative |β_GD − β_solver| = {gap.max():.1e}")
    print(f"ratio: {t_gd / t_solver:.1f}")


def bench_solve_only(args):
    """The minimiser alone on the first `--runs` settings of the task (e.g. D = 5000, where GD to convergence is
    out of reach on a CPU): seconds per cold solve of the default (inexact Newton) and of plain Newton
    (method="exact", the reference), the two alternating setting by setting so that machine load affects both
    alike, and their worst relative disagreement in β."""
    task, X, y, _, (c, lam, gam) = setup(args.dim, args.alpha)
    sqrt_k = theory.sqrt_k_ft(task.beta_pt[:, None], c, lam, gam)[:, : args.runs]
    seconds, gap = {"exact": 0.0, "inexact": 0.0}, 0.0
    for r in range(sqrt_k.shape[1]):
        beta = {}
        for method in seconds:
            start = time.perf_counter()
            beta[method] = min_penalty_interpolator(X, y, sqrt_k[:, r], method=method)
            seconds[method] += time.perf_counter() - start
        gap = max(gap, np.linalg.norm(beta["inexact"] - beta["exact"]) / np.linalg.norm(beta["exact"]))
    runs = sqrt_k.shape[1]
    print(f"D={args.dim} N={X.shape[0]} solves={runs} threads={args.threads}")
    print(f"exact Newton: {seconds['exact'] / runs:.2f} s per solve   worst relative |β − β_exact| = {gap:.1e}")
    print(f"seconds_per_solve: {seconds['inexact'] / runs:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=500)
    parser.add_argument("--alpha", type=float, default=0.2)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--solver", action="store_true")
    parser.add_argument("--solve-only", action="store_true", help="time the minimiser alone (large D)")
    parser.add_argument("--runs", type=int, default=4, help="settings solved with --solve-only")
    parser.add_argument("--device", default="cpu", help="torch device of the batched GD (cpu, cuda)")
    parser.add_argument("--no-loop", action="store_true", help="skip the per-run loop (large D, GPUs)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with threadpool_limits(args.threads):
        (bench_solve_only if args.solve_only else bench_solver if args.solver else bench_batched)(args)


if __name__ == "__main__":
    main()
