"""Run tables: grids expand deterministically, shared runs appear once, rich runs get the small step."""

from pathlib import Path

import numpy as np
import pandas as pd

from ptft import config, grid
from ptft.dln import experiments

ROOT = Path(__file__).resolve().parents[1]
DLN = config.load(ROOT / "config/config.yaml")["dln"]


def test_run_id_is_stable_and_spelling_free():
    assert grid.run_id({"a": 1, "b": 0.5}) == grid.run_id({"b": 0.5, "a": 1.0})
    assert grid.run_id({"a": 1}) != grid.run_id({"a": 2})


def test_expand_broadcasts_scalars():
    table = grid.expand({"c_pt": [1e-3, 1.0], "lambda_pt": [0.0, 0.5]}, seed=3)
    assert len(table) == 4 and set(table["seed"]) == {3}


def test_gd_runs_shared_between_panels_appear_once():
    runs = experiments.gd_run_table(DLN)
    assert runs["run_id"].is_unique
    # (c=1e-3, λ=0, γ=0, ρ_ft=0.1, ω=0) is in panels a, b, c, d and e: one run per seed and α.
    sel = runs.query("c_pt == 1e-3 and lambda_pt == 0 and gamma_ft == 0 and rho_ft == 0.1 and omega == 0")
    assert len(sel) == len(DLN["seeds"]) * len(DLN["alpha"])
    panels = experiments.panel_table(DLN)
    settings = experiments.supported(panels[experiments.PANEL_KEYS].drop_duplicates(), DLN["dim"], DLN["min_support"])
    assert len(runs) == len(settings) * len(DLN["seeds"]) * len(DLN["alpha"])


def test_a_gd_job_holds_a_seeds_tasks_or_one_task():
    """dln.compute.job: `seed` (default) = one job per seed holding all its tasks; `task` = one job per task; every
    run in exactly one job either way."""
    runs = experiments.gd_run_table(DLN)
    per_seed = experiments.gd_jobs(runs, "seed")
    assert DLN["compute"]["job"] == "seed" and per_seed.nunique() == len(DLN["seeds"])
    assert (runs.groupby(per_seed)["seed"].nunique() == 1).all()
    assert (runs.groupby(per_seed)["task"].nunique() == runs.groupby("seed")["task"].nunique().to_numpy()).all()
    per_task = experiments.gd_jobs(runs, "task")
    assert per_task.nunique() == runs["task"].nunique() and (per_task == runs["task"]).all()


def test_sparse_teachers_are_left_to_the_minimiser_points():
    """GD skips FT teachers with fewer than min_support nonzero coordinates at its D; the minimiser points at their
    larger D carry them, so every panel's every ρ_ft has ≥ min_support coordinates somewhere."""
    gd = experiments.gd_run_table(DLN)
    points = experiments.minimiser_run_table(DLN)
    assert ((gd["rho_ft"] * gd["dim"]).round() >= DLN["min_support"]).all()
    assert ((points["rho_ft"] * points["dim"]).round() >= DLN["min_support"]).all()
    assert points["run_id"].is_unique and set(points["seed"]) == set(DLN["minimiser"]["seeds"])
    plotted = set(gd["rho_ft"]) | set(points["rho_ft"])
    assert set(experiments.panel_table(DLN)["rho_ft"]) == plotted


def test_a_panel_without_enough_support_is_a_config_error():
    import pytest

    from ptft.config import ConfigError
    from ptft.dln.config import check_config

    bad = {**DLN, "minimiser": {**DLN["minimiser"], "panels": ["a"]}}
    with pytest.raises(ConfigError, match=r"dln.panels.f.rho_ft: 0.01 gives fewer than dln.min_support"):
        check_config(bad)


def test_rich_runs_get_their_step_and_tight_tolerance():
    gd = {**DLN["gd"], "lr": 0.5, "lr_rich": 0.05, "stable_step": 0}
    runs = experiments.gd_run_table({**DLN, "gd": gd})
    rich = runs.query("lambda_pt < -0.999 and gamma_ft == 0")
    assert len(rich) and (rich["lr"] == 0.05).all() and (rich["tol_train"] == gd["tol_train_rich"]).all()
    lazy = runs.query("lambda_pt == 0")
    assert (lazy["lr"] == 0.5).all() and (lazy["tol_train"] == gd["tol_train"]).all()


def test_the_continuation_step_is_lr_extended_under_the_same_cap():
    """lr_extended: every run's continuation step is min(lr_extended, its stability cap), never a step the cap
    forbids; null (the schema's default): each run's own lr."""
    gd = {**DLN["gd"], "lr_extended": 4.0, "stable_step": 1.0}
    runs = experiments.gd_run_table({**DLN, "gd": gd})
    cap = experiments.stable_lr(np.full(len(runs), np.inf), n=(runs["alpha"] * DLN["dim"]).round(), dim=DLN["dim"],
                                c_pt=runs["c_pt"], lambda_pt=runs["lambda_pt"], gamma_ft=runs["gamma_ft"],
                                rho_ft=runs["rho_ft"], a_pt=DLN["a_pt"], stable_step=1.0)
    np.testing.assert_allclose(runs["lr_extended"], np.minimum(4.0, cap))
    assert (runs["lr_extended"] < 4.0).any() and (runs["lr_extended"] > runs["lr"]).any()
    plain = experiments.gd_run_table({**DLN, "gd": {**gd, "lr_extended": None}})
    np.testing.assert_array_equal(plain["lr_extended"], plain["lr"])


def test_stable_step_caps_lr_where_gd_would_leave_the_flow():
    """lr·(w²+v²)·λ_max/N ≤ stable_step: a large readout at small N gets a smaller step, nothing else changes."""
    kw = dict(dim=400, c_pt=1e-3, lambda_pt=0.0, rho_ft=0.1, a_pt=1.0, stable_step=1.0)
    small_n_big_readout = experiments.stable_lr(0.5, n=20, gamma_ft=10.0, **kw)
    assert small_n_big_readout < 0.5
    assert experiments.stable_lr(0.5, n=200, gamma_ft=1.0, **kw) == 0.5
    assert experiments.stable_lr(0.5, n=20, gamma_ft=10.0, **{**kw, "stable_step": 0}) == 0.5


def test_a_task_holds_every_alpha_and_setting_of_its_data():
    runs = experiments.gd_run_table(DLN)
    for task, rows in runs.groupby("task"):
        assert rows[["rho_ft", "omega", "seed"]].drop_duplicates().shape[0] == 1, task
        assert set(rows["alpha"]) == set(DLN["alpha"])


def test_replica_alpha_contains_the_gd_alphas():
    alphas = experiments.replica_alpha(DLN)
    assert set(DLN["alpha"]) <= set(alphas) and alphas == sorted(alphas)


def test_replica_curves_shared_between_groups_are_solved_once():
    """Figure 3 panels share settings with each other and with Figure 4: each distinct curve is in exactly one
    replica_curves job, and merging the solved curves back onto the groups gives every group all its curves."""
    table = experiments.replica_table(DLN)
    parts = experiments.replica_parts(table)
    assert not parts.duplicated(experiments.CURVE_KEYS).any()
    assert len(parts) == len(table[experiments.CURVE_KEYS].drop_duplicates()) < len(table)
    assert set(parts["part"]) == {f"part{i}" for i in range(experiments.REPLICA_JOBS)}
    solved = parts.drop(columns="part").assign(mse=range(len(parts)))  # a stand-in curve value per setting
    shown = solved.merge(table, on=experiments.CURVE_KEYS)
    assert len(shown) == len(table)
    assert shown.groupby(["group"]).size().to_dict() == table.groupby("group").size().to_dict()
    fig4 = table.query("group == 'fig4'")
    assert set(fig4["c_pt"]) == {DLN["replica"]["figure4_c_pt"]} and len(fig4) == 15  # 5 regimes × 3 task types


def test_single_task_table():
    runs = experiments.single_task_table(DLN)
    s = DLN["single_task"]
    assert len(runs) == len(s["c_pt"]) * len(s["lambda_pt"]) * len(DLN["seeds"]) * len(s["alpha"])
    assert runs["run_id"].is_unique and isinstance(runs, pd.DataFrame)
