"""Training: a tiny PT→FT round trip lowers the loss and is deterministic on CPU; a batched ensemble gives each
member's single-run result; resume equals an uninterrupted run; a diverging member is recorded and isolated; the
optional linear lr decay and the per-PT-task schedule overrides act as configured.
Tolerances: bitwise for determinism and resume; atol 1e-5 on parameters / 1e-6 on losses for batched vs
single (batched matmuls may sum in another order)."""

import math

import pandas as pd
import pytest
import torch

from ptft.modarith import jobs, runs, train

P = 7
SETTINGS = {
    "p": P, "pt_train_frac": 0.6, "model": {"d_model": 16, "n_heads": 2, "d_mlp": 32, "n_layers": 1},
    "early_layers": ["embed", "pos_embed"], "head": "unembed", "policies": {"c_pt": "ft_start"},
    "pt": {"optimizer": "adamw", "steps": 30, "lr": 1e-2, "weight_decay": 1.0, "betas": [0.9, 0.98], "eval_every": 10,
           "stop_loss": 1e-3, "stop_early": False},
    "ft": {"optimizer": "adamw", "steps": 20, "lr": 1e-2, "weight_decay": 1.0, "betas": [0.9, 0.98], "eval_every": 5,
           "stop_loss": 1e-3, "stop_early": False},
}
SECTION = {"p": P, "seeds": [0, 1], "ft_train_frac": [0.3],
           "families": {"subset": {"pt_task": "add+mul", "ft_task": "add"}},
           "base": {"alpha_rel": 1.0, "c_pt": 1.0, "gamma_ft": 1.0},
           "sweeps": {"relative": {"alpha_rel": [1.0, 2.0]}, "absolute": {"c_pt": [1.0, 2.0]},
                      "readout": {"gamma_ft": [0.1, 1.0]}},
           "policies": {"c_pt": "ft_start"}}


def round_trip(tmp_path):
    pt_rows, ft_rows = runs.pt_table(SECTION), runs.ft_table(SECTION)
    states, pt_table, ops = jobs.pretrain(pt_rows.to_dict("records"), SETTINGS, workdir=tmp_path / "pt", device="cpu")
    assert len(ops) == 2 * len(pt_table) and set(ops["op"]) == {"add", "mul"}  # one row per operation of add+mul
    ft_table = jobs.finetune(ft_rows.to_dict("records"), SETTINGS, states, workdir=tmp_path / "ft", device="cpu")
    for column in ("probe_test_acc", "probe_train_acc", "pt_ft_task_acc", "pt_retained_acc"):
        assert ft_table[column].between(0, 1).all(), column
    return states, pt_table, ft_table


def test_round_trip_lowers_the_loss_and_is_deterministic(tmp_path):
    torch.set_num_threads(1)
    states, pt_table, ft_table = round_trip(tmp_path / "a")
    evals = jobs.evals_table(tmp_path / "a" / "ft", "ft_id")
    first = evals[evals["step"] == evals["step"].min()].set_index("ft_id")["train_loss"]
    assert (ft_table.set_index("ft_id")["train_loss"] < first).all()
    assert (pt_table["train_loss"] < math.log(P)).all()  # below chance-level cross-entropy
    assert not ft_table["diverged"].any() and (ft_table["steps"] == SETTINGS["ft"]["steps"]).all()
    states2, pt2, ft2 = round_trip(tmp_path / "b")
    assert pt_table.equals(pt2.assign(wall_s=pt_table["wall_s"]))
    assert ft_table.drop(columns="wall_s").equals(ft2.drop(columns="wall_s"))
    assert all(torch.equal(states[k][n], states2[k][n]) for k in states for n in states[k])


def test_an_ft_job_trains_each_fraction_as_the_ensemble_it_would_be_alone(tmp_path):
    """An FT job holds a family's fractions: jobs.finetune trains one ensemble per ft_train_frac, each in its own
    folder, and every row equals that of the fraction's ensemble trained on its own; evals_table reads them all."""
    torch.set_num_threads(1)
    section = {**SECTION, "ft_train_frac": [0.1, 0.3], "sweeps": {"readout": {"gamma_ft": [0.1, 1.0]}}}
    pt_rows, ft_rows = runs.pt_table(section), runs.ft_table(section)
    assert ft_rows["ft_job"].nunique() == 1 and ft_rows["ft_train_frac"].nunique() == 2
    states, _, _ = jobs.pretrain(pt_rows.to_dict("records"), SETTINGS, workdir=tmp_path / "pt", device="cpu")
    job = jobs.finetune(ft_rows.to_dict("records"), SETTINGS, states, workdir=tmp_path / "job", device="cpu")
    for frac, rows in ft_rows.groupby("ft_train_frac"):
        alone = jobs.finetune_ensemble(rows.to_dict("records"), SETTINGS, states, workdir=tmp_path / f"alone{frac}",
                                       device="cpu")
        got = job[job["ft_train_frac"] == frac].reset_index(drop=True)
        assert got.drop(columns="wall_s").equals(alone.drop(columns="wall_s"))
        assert (jobs.ensemble_workdir(tmp_path / "job", frac) / "checkpoint.pt").exists()
    evals = jobs.evals_table(tmp_path / "job", "ft_id")
    assert set(evals["ft_id"]) == set(ft_rows["ft_id"])
    assert not evals.duplicated(["ft_id", "step"]).any()


def members(seeds, alpha_rel):
    return [train.pt_member(P, SETTINGS["model"], seed=s, alpha_rel=a, c_pt=1.0, early_prefixes=["embed"])
            for s, a in zip(seeds, alpha_rel)]


def fit(models, seeds, workdir, **overrides):
    kw = dict(steps=25, lr=1e-2, weight_decay=1.0, betas=(0.9, 0.98), eval_every=5, stop_loss=1e-3,
              stop_early=False) | overrides
    data = lambda part: [train.member_data(P, "add", s, part=part, pt_train_frac=0.6, ft_train_frac=0.6)  # noqa: E731
                         for s in seeds]
    return train.train(models, run_ids=[f"r{i}" for i in range(len(models))], train_data=data("pt_train"),
                       test_data=data("test"), workdir=workdir, device="cpu", **kw)


SGD = {"optimizer": "sgd", "momentum": 0.9, "lr": 0.05}


@pytest.mark.parametrize("stop_early,stop_loss,opt", [(False, 1e-3, {}), (True, 1.8, {}), (False, 1e-3, SGD)])
def test_batched_members_equal_single_runs(tmp_path, stop_early, stop_loss, opt):
    """stop_early with a loose stop_loss: members stop at different steps, and frozen members stay frozen; SGD with
    momentum (the FT default) batches exactly like AdamW (both act elementwise)."""
    seeds, alphas = [0, 1, 2], [1.0, 2.0, 0.5]
    ens, status = fit(members(seeds, alphas), seeds, tmp_path / "batch", stop_early=stop_early, stop_loss=stop_loss,
                      **opt)
    for e, (s, a) in enumerate(zip(seeds, alphas)):
        one, (single,) = fit(members([s], [a]), [s], tmp_path / f"single{e}", stop_early=stop_early,
                             stop_loss=stop_loss, **opt)
        for k in ("steps", "converged", "diverged"):
            assert status[e][k] == single[k], k
        for k in ("train_loss", "test_loss", "test_acc"):
            assert status[e][k] == pytest.approx(single[k], abs=1e-5), k
        got, want = ens.member_state(e), one.member_state(0)
        assert all(torch.allclose(got[n], want[n], atol=1e-5) for n in want)
    if stop_early:
        assert len({s["steps"] for s in status}) > 1, "the test needs members that stop at different steps"


def test_resume_equals_an_uninterrupted_run(tmp_path):
    seeds = [0, 1]
    ens, status = fit(members(seeds, [1.0, 2.0]), seeds, tmp_path / "straight")
    fit(members(seeds, [1.0, 2.0]), seeds, tmp_path / "resumed", steps=10)  # "interrupted" after 10 steps
    ens2, status2 = fit(members(seeds, [1.0, 2.0]), seeds, tmp_path / "resumed")
    assert pd.DataFrame(status).drop(columns="wall_s").equals(pd.DataFrame(status2).drop(columns="wall_s"))
    assert all(torch.equal(a, b) for a, b in zip(ens.stacked, ens2.stacked))
    steps = jobs.evals_table(tmp_path / "resumed", "ft_id")["step"]
    assert steps.value_counts().eq(len(seeds)).all()  # each evaluation recorded once per member, none twice


def test_a_diverging_member_is_recorded_and_leaves_the_others_alone(tmp_path):
    seeds = [0, 1]
    models = members(seeds, [1.0, 1.0])
    with torch.no_grad():
        models[1].unembed.weight.fill_(math.inf)
    ens, status = fit(models, seeds, tmp_path / "batch")
    one, (single,) = fit(members([0], [1.0]), [0], tmp_path / "single")
    assert status[1]["diverged"] and not status[1]["converged"] and status[1]["steps"] == 1
    assert not status[0]["diverged"] and status[0]["train_loss"] == pytest.approx(single["train_loss"], abs=1e-6)


def test_lr_decay_is_linear_to_zero_over_the_last_fraction():
    factors = [train.lr_factor(e, 100, 0.25) for e in range(100)]
    assert factors[:75] == [1.0] * 75 and factors[75] == pytest.approx(1.0) and factors[99] == pytest.approx(0.04)
    assert all(a > b for a, b in zip(factors[75:], factors[76:]))
    assert {train.lr_factor(e, 100, 0.0) for e in range(100)} == {1.0}  # 0: constant lr


def test_the_optimizer_follows_the_decay(tmp_path, monkeypatch):
    seen, step = [], train._step_fn

    def recording(**kw):  # the lr each optimizer step ran with
        inner = step(**kw)

        def wrapped(ens, optimizer, epoch):
            out = inner(ens, optimizer, epoch)
            seen.append(optimizer.param_groups[0]["lr"])
            return out

        return wrapped

    monkeypatch.setattr(train, "_step_fn", recording)
    fit(members([0], [1.0]), [0], tmp_path / "decay", steps=10, lr_decay_frac=0.5)
    assert seen == pytest.approx([1e-2] * 5 + [1e-2 * (10 - e) / 5 for e in range(5, 10)])


def test_pt_by_task_replaces_the_schedule_of_that_task_only():
    section = SETTINGS | {"pt_by_task": {"add+sub": {"steps": 90, "lr_decay_frac": 0.3}}}
    mixed, plain = runs.pt_schedule(section, "add+sub"), runs.pt_schedule(section, "add")
    assert (mixed["steps"], mixed["lr_decay_frac"], mixed["lr"]) == (90, 0.3, SETTINGS["pt"]["lr"])
    assert plain == SETTINGS["pt"]
