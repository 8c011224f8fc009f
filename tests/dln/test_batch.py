"""run_task_batches' cache: finished batches resume, capped runs continue from their saved state under the second
budget (never the whole batch again), and a cached batch without that state is run again rather than trusted."""

from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ptft import arms, config
from ptft.dln import batch, experiments
from ptft.dln.gd import GDOptions

GD = dict(lr=0.5, tol_train=1e-8, tol_rel=1e-10, check_every=100, max_steps=2_000, max_steps_extended=6_000)


def runs():
    rows = [dict(c_pt=1e-3, lambda_pt=lam, gamma_ft=0.0, lr=0.5, tol_train=1e-8, rho_ft=0.1, omega=1.0, seed=0,
                 alpha=0.5, rho_pt=0.1, dim=60, a_pt=1.0, pt="oracle", task="t", run_id=f"r{i}")
            for i, lam in enumerate([-0.99999, 0.0, 0.99])]
    return pd.DataFrame(rows)


def no_gd(*args, **kwargs):
    raise AssertionError("recomputed a cached batch")


def test_cached_batches_resume_and_capped_runs_continue_from_their_state(tmp_path, monkeypatch):
    first = batch.run_task_batches(runs(), GD, argmin=False, cache=tmp_path)
    assert first["extended"].all() and (first["steps"] > GD["max_steps"]).all()
    assert len(list(tmp_path.glob("*.npz"))) >= 1  # the capped runs' state at the first cap
    monkeypatch.setattr(batch, "finetune_task", no_gd)
    monkeypatch.setattr(batch, "continue_task", no_gd)
    pd.testing.assert_frame_equal(batch.run_task_batches(runs(), GD, argmin=False, cache=tmp_path), first)
    # A larger second budget continues from the first cap's saved state: the first budget is not run again.
    monkeypatch.undo()
    monkeypatch.setattr(batch, "finetune_task", no_gd)
    longer = batch.run_task_batches(runs(), {**GD, "max_steps_extended": 8_000}, argmin=False, cache=tmp_path)
    still = first["capped"].to_numpy()
    assert still.any()
    assert (longer.loc[still, "steps"] > first.loc[still, "steps"]).all()
    np.testing.assert_array_equal(longer.loc[~still, "steps"], first.loc[~still, "steps"])


def test_a_cached_batch_without_the_capped_state_is_run_again(tmp_path):
    one_budget = {**GD, "max_steps_extended": GD["max_steps"]}
    batch.run_task_batches(runs(), one_budget, argmin=False, cache=tmp_path)
    for npz in tmp_path.glob("*.npz"):
        npz.unlink()
    again = batch.run_task_batches(runs(), GD, argmin=False, cache=tmp_path)
    assert again["extended"].all()
    with pytest.raises(ValueError, match="max_steps_extended"):
        batch.run_task_batches(runs(), {**GD, "max_steps_extended": 10}, argmin=False)


def test_gd_settings_are_what_a_gd_job_reads():
    """A GD job's params: the GDOptions keys (and max_steps_extended where runs continue), not the rich-run and
    step-cap keys, which act on the run table (each run's lr and tol_train)."""
    root = Path(__file__).resolve().parents[2]
    dln = arms.validate(config.load(root / "config/config.yaml"), root)["dln"]
    gd = dln["gd"]
    fig3, single = experiments.gd_settings(gd, extended=True), experiments.single_task_gd_settings(dln)
    assert set(single) == {"lr", "max_steps", "tol_train", "tol_rel", "check_every"}
    assert set(fig3) == set(single) | {"max_steps_extended"} and all(fig3[k] == gd[k] for k in fig3)
    # The single-task runs have their own budget (no continuation): the Figure 3 runs' first budget leaves them alone.
    assert single == {**experiments.gd_settings(gd, extended=False), "max_steps": dln["single_task"]["max_steps"]}
    assert batch.gd_options(fig3) == batch.gd_options(gd)
    assert experiments.GD_OPTION_KEYS == tuple(f.name for f in fields(GDOptions))


def test_the_continuation_steps_at_lr_extended_to_the_limit_the_plain_step_reaches():
    """Runs continued past max_steps at their `lr_extended` (the larger step of the tail, under the stability cap)
    stop where the same runs continued at their own lr stop, in fewer steps: the tail's step moves time, not the
    limit (measured at D = 200 in bench/README.md)."""
    gd = {**GD, "max_steps_extended": 200_000}
    plain = batch.run_task_batches(runs(), gd, argmin=False)
    fast = batch.run_task_batches(runs().assign(lr_extended=3.0), gd, argmin=False)
    assert plain["converged"].all() and fast["converged"].all()
    continued = fast["extended"].to_numpy() & (fast["steps"] > GD["max_steps"]).to_numpy()
    assert continued.any() and (fast.loc[continued, "lr_extended"] == 3.0).all()
    assert (fast.loc[continued, "steps"] < plain.loc[continued, "steps"]).all()
    np.testing.assert_allclose(fast["mse"], plain["mse"], rtol=0.02, atol=1e-7)
