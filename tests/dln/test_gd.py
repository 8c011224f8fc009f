"""Batched GD: same iteration as the four-parameter update, conservation laws, stopping, and Theorem 4.1 agreement."""

import itertools

import numpy as np
import pytest
import torch

from ptft.dln import theory
from ptft.dln.gd import GDOptions, conserved, gradient_descent
from ptft.dln.solve import min_penalty_interpolator, min_penalty_interpolator_batch

D, N = 40, 12
LAMBDAS = [-0.99, 0.0, 0.9]
# Runs to machine-precision interpolation, so what is left of the gap to the argmin is the finite step.
TIGHT = dict(tol_train=1e-24, tol_rel=1e-13, max_steps=10**6, num_threads=1)



@pytest.fixture(scope="module")
def data():
    """40-dim problem, N = 12: PT teacher 1 on 4 coordinates, FT teacher ±1 on 4, two of them shared."""
    gen = np.random.default_rng(3)
    X = gen.standard_normal((N, D)) / np.sqrt(D)
    beta_pt = np.zeros(D)
    beta_pt[:4] = 1.0
    beta_ft = np.zeros(D)
    beta_ft[[2, 3, 10, 11]] = [1.0, -1.0, 1.0, -1.0]
    return X, beta_pt, beta_ft


def literal_gd(X, y, state, lr, steps):
    """Reference: the four-parameter update on the ½·mean loss, exactly as written in the paper's code."""
    w_pos, v_pos, w_neg, v_neg = (s.copy() for s in state)
    for _ in range(steps):
        g = X.T @ (X @ (w_pos * v_pos - w_neg * v_neg) - y[:, None]) / len(y)
        w_pos, v_pos, w_neg, v_neg = (
            w_pos - lr * g * v_pos,
            v_pos - lr * g * w_pos,
            w_neg + lr * g * v_neg,
            v_neg + lr * g * w_neg,
        )
    return w_pos, v_pos, w_neg, v_neg


def test_same_iteration_as_four_parameter_update(data):
    # The rotated-coordinate implementation is the literal GD iteration (agreement to 1e-12 after 25 steps).
    X, beta_pt, _ = data
    c, lam = np.array([0.01, 0.5, 2.0]), np.array([-0.99, 0.0, 0.9])
    state = theory.ft_reinit(*theory.pt_end_state(beta_pt[:, None], c, lam), np.array([0.0, 0.3, 1.0]))
    y = X @ np.linspace(-1, 1, D)
    res = gradient_descent(X, y, state, options=GDOptions(lr=0.5, max_steps=25, check_every=25, num_threads=1))
    assert np.all(np.isfinite(res.beta))
    for ours, ref in zip(res.state, literal_gd(X, y, state, 0.5, 25)):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_conservation_drift_vanishes_with_step_size(data):
    # Each step multiplies the invariants by (1 − η²g²): total drift O(η). Quartering lr must cut it ≥ 3×.
    X, beta_pt, _ = data
    state = theory.init_state(np.array([0.05, 0.5]), np.array([-0.5, 0.5]), D)
    drifts = [
        gradient_descent(X, X @ beta_pt, state, lr=lr, options=GDOptions(**TIGHT)).drift for lr in [1.6, 0.4, 0.1]
    ]
    assert np.all(drifts[0] > 3 * drifts[1]) and np.all(drifts[1] > 3 * drifts[2])
    assert np.all(drifts[2] < 1e-2)
    # and the drift reported is the one in the returned state (relative to c)
    res = gradient_descent(X, X @ beta_pt, state, lr=0.4, options=GDOptions(**TIGHT))
    q0, q1 = conserved(*state), conserved(*res.state)
    manual = np.max([np.abs(b - a).max(axis=0) for a, b in zip(q0, q1)], axis=0) / np.array([0.05, 0.5])
    np.testing.assert_allclose(res.drift, manual, rtol=1e-12)


def test_pretraining_matches_argmin_and_ignores_lambda(data):
    # GD from init_state(c, λ) → argmin Σ q_k with √k = 2c for every λ; lr 0.1 on the ½·mean loss leaves a
    # finite-step gap ≤ 1e-3 (relative, in β); the β trajectory itself is λ-independent (1e-12).
    X, beta_pt, _ = data
    c, lam = (np.array(v) for v in zip(*itertools.product([0.01, 0.1, 1.0], LAMBDAS)))
    res = gradient_descent(X, X @ beta_pt, theory.init_state(c, lam, D), lr=0.1, options=GDOptions(**TIGHT))
    assert res.converged.all() and not res.diverged.any()
    for r in range(len(c)):
        exact = min_penalty_interpolator(X, X @ beta_pt, 2 * c[r])
        assert np.linalg.norm(res.beta[:, r] - exact) / np.linalg.norm(exact) <= 1e-3
    by_c = res.beta.reshape(D, 3, 3)
    assert np.abs(by_c - by_c[:, :, :1]).max() <= 1e-12


def test_finetuning_matches_theorem_4_1(data):
    # FT from the re-initialised oracle PT state → argmin with √k_d of Theorem 4.1, within 1e-3 (relative, in β).
    # The step is lr 0.1/max(1, max_d c_FT,d) so that large-c_FT runs take equally small steps.
    X, beta_pt, beta_ft = data
    c, lam, gamma = (np.array(v) for v in zip(*itertools.product([0.01, 0.1, 1.0], LAMBDAS, [0.0, 0.5])))
    state = theory.ft_reinit(*theory.pt_end_state(beta_pt[:, None], c, lam), gamma)
    lr = 0.1 / np.maximum(1.0, theory.c_ft(beta_pt[:, None], c, lam, gamma).max(axis=0))
    res = gradient_descent(X, X @ beta_ft, state, lr=lr, options=GDOptions(**TIGHT))
    assert res.converged.all() and not res.diverged.any()
    exact = min_penalty_interpolator_batch(X, X @ beta_ft, theory.sqrt_k_ft(beta_pt[:, None], c, lam, gamma))
    gap = np.linalg.norm(res.beta - exact, axis=0) / np.linalg.norm(exact, axis=0)
    assert gap.max() <= 1e-3


def test_divergent_run_is_flagged_and_others_unaffected(data):
    X, beta_pt, _ = data
    state = theory.init_state(np.array([0.1, 0.1, 1.0]), np.array([0.0, 0.0, 0.5]), D)
    lr = np.array([0.5, 1e5, 0.5])
    opts = GDOptions(max_steps=10**5, num_threads=1)
    res = gradient_descent(X, X @ beta_pt, state, lr=lr, options=opts)
    np.testing.assert_array_equal(res.diverged, [False, True, False])
    np.testing.assert_array_equal(res.converged, [True, False, True])
    assert res.beta.shape == (D, 3)  # kept, never dropped
    alone = gradient_descent(X, X @ beta_pt, [s[:, [0, 2]] for s in state], lr=0.5, options=opts)
    np.testing.assert_allclose(res.beta[:, [0, 2]], alone.beta, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(res.steps[[0, 2]], alone.steps)


def test_runs_stop_individually(data):
    # A lazy run converges long before a rich one; its result equals running it alone (to BLAS rounding).
    X, beta_pt, _ = data
    state = theory.init_state(np.array([1.0, 1e-3]), 0.0, D)
    opts = GDOptions(max_steps=10**5, num_threads=1)
    res = gradient_descent(X, X @ beta_pt, state, options=opts)
    assert res.converged.all() and res.steps[0] < res.steps[1]
    assert np.all(res.train_mse < opts.tol_train)
    alone = gradient_descent(X, X @ beta_pt, [s[:, :1] for s in state], options=opts)
    assert res.steps[0] == alone.steps[0]
    np.testing.assert_allclose(res.beta[:, 0], alone.beta[:, 0], rtol=0, atol=1e-12)


def test_each_run_stops_at_its_own_train_tolerance(data):
    # Rich and lazy runs of a task share one call with their own tol_train; each equals its run alone.
    X, beta_pt, _ = data
    state = theory.init_state(np.array([1.0, 1e-3, 1.0]), 0.0, D)
    tol = np.array([1e-4, 1e-8, 1e-8])
    opts = GDOptions(max_steps=10**5, tol_rel=0.0, num_threads=1)
    res = gradient_descent(X, X @ beta_pt, state, tol_train=tol, options=opts)
    assert res.converged.all() and np.all(res.train_mse < tol) and res.steps[0] < res.steps[2]
    for r in range(3):
        alone = gradient_descent(X, X @ beta_pt, [s[:, [r]] for s in state],
                                 options=GDOptions(max_steps=10**5, tol_rel=0.0, tol_train=tol[r], num_threads=1))
        assert res.steps[r] == alone.steps[0]
        np.testing.assert_allclose(res.beta[:, r], alone.beta[:, 0], rtol=0, atol=1e-12)


def test_max_steps_and_tol_rel(data):
    X, beta_pt, _ = data
    state = theory.init_state(1e-3, 0.0, D)
    capped = gradient_descent(X, X @ beta_pt, state, options=GDOptions(max_steps=150, check_every=100, num_threads=1))
    assert capped.steps[0] == 150 and not capped.converged[0] and not capped.diverged[0]
    # zero targets: β stays 0 and the relative-change rule stops the run after two checks
    still = gradient_descent(X, np.zeros(N), state, options=GDOptions(tol_train=0.0, check_every=10, num_threads=1))
    assert still.converged[0] and still.steps[0] == 20


def test_defaults_and_thread_setting_restored(data):
    opts = GDOptions()
    assert (opts.lr, opts.tol_train, opts.tol_rel) == (0.5, 1e-4, 1e-6)
    before = torch.get_num_threads()
    X, beta_pt, _ = data
    gradient_descent(X, X @ beta_pt, theory.init_state(0.1, 0.0, D), options=GDOptions(max_steps=10, num_threads=1))
    assert torch.get_num_threads() == before
