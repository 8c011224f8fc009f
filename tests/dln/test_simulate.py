"""Tasks (REFERENCE §2), their RNG streams, and the simulate_task / simulate_single_task tables."""

import itertools

import numpy as np
import pandas as pd
import pytest

from ptft.dln import tasks
from ptft.dln.gd import GDOptions
from ptft.dln.minimiser import minimise_task
from ptft.dln.simulate import continue_task, finetune_task, simulate_single_task, simulate_task

FAST = GDOptions(max_steps=200_000, num_threads=1)
COLUMNS = [
    "c_pt",
    "lambda_pt",
    "gamma_ft",
    "rho_pt",
    "rho_ft",
    "omega",
    "alpha",
    "dim",
    "seed",
    "a_pt",
    "pt",
    "mse",
    "mse_argmin",
    "train_mse",
    "steps",
    "converged",
    "diverged",
    "capped",
    "lr",
    "drift",
    "tol_train",
    "teacher_energy",
    "beta_ft0_max",
    "wall_s",
]



def settings(c=(1e-3, 0.1), lam=(-0.9, 0.0, 0.9), gamma=(0.0, 1.0)):
    return pd.DataFrame(list(itertools.product(c, lam, gamma)), columns=["c_pt", "lambda_pt", "gamma_ft"])


@pytest.mark.parametrize(
    "dim, rho_pt, rho_ft, omega",
    [(1000, 0.1, 0.1, 0.0), (1000, 0.1, 0.01, 1.0), (500, 0.1, 0.9, 0.0), (300, 0.2, 0.1, 0.5)],
)
def test_teachers_have_exact_group_sizes(dim, rho_pt, rho_ft, omega):
    task = tasks.make_task(dim=dim, rho_pt=rho_pt, rho_ft=rho_ft, omega=omega, seed=3, a_pt=1.5)
    n_pt, n_ft = round(rho_pt * dim), round(rho_ft * dim)
    assert len(task.support_pt) == n_pt and np.all(task.beta_pt[task.support_pt] == 1.5)
    assert np.count_nonzero(task.beta_pt) == n_pt
    assert np.count_nonzero(task.beta_ft) == n_ft == len(task.support_ft)
    assert len(np.intersect1d(task.support_pt, task.support_ft)) == round(omega * n_ft)


def test_ft_teacher_variance():
    # entries N(0, 1/ρ_ft): sample variance of 10,000 entries within 5% (≈ 3.5 standard errors)
    task = tasks.make_task(dim=100_000, rho_pt=0.2, rho_ft=0.1, omega=0.5, seed=0)
    assert np.var(task.beta_ft[task.support_ft]) == pytest.approx(10.0, rel=0.05)


@pytest.mark.parametrize(
    "rho_pt, rho_ft, omega, message",
    [
        (0.05, 0.1, 1.0, r"omega\*rho_ft <= rho_pt"),
        (0.5, 0.6, 0.0, r"rho_pt \+ \(1-omega\)\*rho_ft <= 1"),
        (0.1, 1.5, 0.0, "rho_ft"),
        (0.1, 0.1, -0.1, "omega"),
    ],
)
def test_infeasible_tasks_name_the_condition(rho_pt, rho_ft, omega, message):
    with pytest.raises(ValueError, match=message):
        tasks.make_task(dim=100, rho_pt=rho_pt, rho_ft=rho_ft, omega=omega, seed=0)


def test_rng_streams_are_seed_stable_and_independent():
    a = tasks.make_task(dim=200, rho_pt=0.1, rho_ft=0.1, omega=0.5, seed=7)
    b = tasks.make_task(dim=200, rho_pt=0.1, rho_ft=0.1, omega=0.5, seed=7)
    np.testing.assert_array_equal(a.beta_pt, b.beta_pt)
    np.testing.assert_array_equal(a.beta_ft, b.beta_ft)
    other_seed = tasks.make_task(dim=200, rho_pt=0.1, rho_ft=0.1, omega=0.5, seed=8)
    assert not np.array_equal(a.beta_pt, other_seed.beta_pt)
    # the PT teacher has its own stream: changing the FT task leaves it unchanged
    other_ft = tasks.make_task(dim=200, rho_pt=0.1, rho_ft=0.05, omega=0.0, seed=7)
    np.testing.assert_array_equal(a.beta_pt, other_ft.beta_pt)
    # input streams differ by purpose, and more samples only append rows
    x_ft, _ = tasks.training_data(a.beta_ft, 30, 7, "ft_train_x")
    x_pt, _ = tasks.training_data(a.beta_pt, 30, 7, "pt_train_x")
    assert not np.allclose(x_ft, x_pt)
    x_more, _ = tasks.training_data(a.beta_ft, 60, 7, "ft_train_x")
    np.testing.assert_array_equal(x_more[:30], x_ft)
    assert abs(np.mean(np.sum(x_more**2, axis=1)) - 1.0) < 0.05  # rows of norm ≈ 1 (x ~ N(0, I/D))


def test_simulate_task_table_and_agreement_with_theory():
    # D = 100, α = 0.3, 12 settings in one batch; GD stops at train MSE 1e-8, after which its β is within
    # 10% (in MSE) of the Theorem 4.1 interpolator — the stopping and step-size gaps.
    s = settings()
    s["lr"] = np.where(s["lambda_pt"] < -0.5, 0.25, np.nan)  # NaN falls back to gd.lr
    gd = GDOptions(max_steps=400_000, tol_train=1e-8, num_threads=1)
    df = simulate_task(dim=100, alpha=0.3, rho_pt=0.1, rho_ft=0.1, omega=0.5, seed=1, settings=s, gd=gd)
    assert list(df.columns[: len(COLUMNS)]) == COLUMNS and len(df) == len(s)
    np.testing.assert_array_equal(df["lr"], np.where(s["lambda_pt"] < -0.5, 0.25, 0.5))
    assert (df["beta_ft0_max"] == 0.0).all()
    assert df["converged"].all() and not df["diverged"].any()
    assert (df["drift"] < 0.2).all()  # lr 0.5 on N = 30: drift ~ (lr/N)·∫g², a few %
    np.testing.assert_allclose(df["mse"], df["mse_argmin"], rtol=0.1, atol=1e-6)
    assert df["wall_s"].nunique() == 1  # one batched GD call


def test_simulate_task_learned_pretraining():
    # Learned PT on N_PT = 0.6·D samples (c = 0.1): PT fits its data and lands near the teacher
    # (‖β*_PT‖²/D = 0.1), and FT follows Theorem 4.1 with the learned β_PT (10% in MSE), not the oracle one.
    s = settings(c=(0.1,), lam=(0.0, -0.9), gamma=(0.0,))
    gd = GDOptions(max_steps=400_000, tol_train=1e-8, num_threads=1)
    task = dict(dim=100, alpha=0.3, rho_pt=0.1, rho_ft=0.1, omega=1.0, seed=2, settings=s, gd=gd)
    df = simulate_task(**task, pt="learned", alpha_pt=0.6)
    assert (df["pt"] == "learned").all() and df["pt_converged"].all()
    assert (df["pt_train_mse"] < 1e-8).all() and (df["pt_mse"] < 0.05).all()
    np.testing.assert_allclose(df["mse"], df["mse_argmin"], rtol=0.1, atol=1e-6)
    oracle = simulate_task(**task)
    assert np.all(np.abs(oracle["mse_argmin"] - df["mse_argmin"]) > 1e-3)
    with pytest.raises(ValueError, match="alpha_pt"):
        simulate_task(**task, pt="learned")


def test_capped_runs_continue_from_their_state():
    """Two budgets (5,000 steps, then up to 60,000 in all from the capped state) give the one-budget descent: the
    same β (rounding), steps and flags. Rich runs (λ ≈ −1) are the slow ones the second budget is for."""
    s = pd.DataFrame({"c_pt": [1e-3] * 3, "lambda_pt": [-0.99999, -0.99, 0.0], "gamma_ft": [0.0] * 3})
    task = dict(dim=60, alpha=0.5, rho_pt=0.1, rho_ft=0.1, omega=1.0, seed=0, settings=s)

    def gd(steps):
        return GDOptions(max_steps=steps, tol_train=1e-8, tol_rel=1e-10, num_threads=1)

    whole = simulate_task(**task, gd=gd(60_000))
    rows, unfinished = finetune_task(**task, gd=gd(5_000))
    assert rows["capped"].all() and list(unfinished.index) == [0, 1, 2] and not rows["extended"].any()
    two, still = continue_task(rows, unfinished, steps=55_000, gd=gd(5_000))
    np.testing.assert_allclose(two["mse"], whole["mse"], rtol=1e-9)
    np.testing.assert_allclose(two["drift"], whole["drift"], rtol=1e-6)
    assert (np.abs(two["steps"] - whole["steps"]) <= 100).all()  # the tol_rel count restarts: ≤ one check later
    for flag in ("converged", "diverged", "capped"):
        np.testing.assert_array_equal(two[flag].astype(bool), whole[flag].astype(bool))
    assert two["extended"].all() and two["converged"].any() and list(still.index) == list(np.flatnonzero(two["capped"]))


def test_frozen_setting_stays_at_zero():
    # λ = −1 with γ = 0 freezes every coordinate: GD cannot move, β stays 0, and the "minimiser" is β = 0 too, whose
    # error is the teacher's energy ‖β*‖²/D (the replica's E[β*²], REFERENCE §3).
    s = pd.DataFrame({"c_pt": [1e-3], "lambda_pt": [-1.0], "gamma_ft": [0.0]})
    df = simulate_task(dim=50, alpha=0.2, rho_pt=0.1, rho_ft=0.1, omega=1.0, seed=0, settings=s, gd=FAST)
    assert df["mse"].iloc[0] == pytest.approx(df["teacher_energy"].iloc[0])
    assert df["mse_argmin"].iloc[0] == pytest.approx(df["teacher_energy"].iloc[0])


def test_minimise_task_matches_the_gd_runs_argmin():
    """The theory points (no GD) use the same task, data streams and PT state as simulate_task."""
    s = pd.DataFrame({"c_pt": [1e-3, 1e-3], "lambda_pt": [-0.99, 0.0], "gamma_ft": [0.0, 0.0]})
    task = dict(dim=60, rho_pt=0.1, rho_ft=0.1, omega=1.0, seed=3)
    points = minimise_task(**task, alpha=[0.2, 0.4], settings=s)
    for alpha in (0.2, 0.4):
        gd = simulate_task(**task, alpha=alpha, settings=s, gd=FAST)
        # Warm vs cold Newton starts: the same interpolator to the solver tolerance (rtol 1e-10 on the residual).
        np.testing.assert_allclose(points[points["alpha"] == alpha]["mse_argmin"], gd["mse_argmin"], rtol=1e-6, atol=1e-12)
    assert len(points) == 4 and points["teacher_energy"].nunique() == 1


def test_single_task_error_independent_of_lambda():
    # Pretraining's β trajectory depends on c only, so the error is identical across λ (1e-10 relative).
    s = pd.DataFrame(list(itertools.product([1e-3, 0.5], [-0.95, 0.0, 0.95])), columns=["c_pt", "lambda_pt"])
    df = simulate_single_task(dim=100, alpha=0.3, rho=0.1, seed=0, settings=s, gd=FAST)
    for _, group in df.groupby("c_pt"):
        assert np.ptp(group["mse"]) <= 1e-10 * group["mse"].max()
        assert np.ptp(group["mse_argmin"]) == 0.0
    assert {"rho_ft", "mse_argmin", "drift", "steps"} <= set(df.columns)
    np.testing.assert_allclose(df["mse"], df["mse_argmin"], rtol=0.1)
