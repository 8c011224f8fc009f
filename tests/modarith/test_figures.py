"""Tables and figures from a small synthetic finetune table: sweep rows, n per cell, figures render (exact)."""

import itertools

import numpy as np
import pandas as pd

from ptft.deep.results import summary as deep_summary
from ptft.deep.runs import sweep_rows
from ptft.modarith import figures, results
from ptft.modarith.runs import AXES

BASE = {"alpha_rel": 1.0, "c_pt": 1.0, "gamma_ft": 1.0}
SWEEPS = {"relative": {"alpha_rel": [1.0, 2.0]}, "readout": {"gamma_ft": [0.1, 1.0]}}


def fake_ft():
    rows = []
    settings = [BASE, {**BASE, "alpha_rel": 2.0}, {**BASE, "gamma_ft": 0.1}]
    for fam, knobs, seed, frac in itertools.product(["shared", "new"], settings, [0, 1, 2], [0.1, 0.3]):
        acc = 0.5 + frac + 0.01 * seed
        rows.append({"family": fam, "pt_task": "add", "ft_task": "sub" if fam == "shared" else "mul", **knobs,
                     "seed": seed, "p": 11, "ft_train_frac": frac, "test_acc": acc, "probe_test_acc": acc - 0.1,
                     "pt_ft_task_acc": np.nan,
                     "steps_to_generalise": np.nan if seed == 2 else 100.0 * seed, "converged": True,
                     "diverged": seed == 1 and frac == 0.1})
    return pd.DataFrame(rows)


def test_summary_counts_runs_per_cell():
    s = deep_summary(sweep_rows(fake_ft(), BASE, SWEEPS), AXES.cell, "steps_to_generalise")
    assert (s["n_runs"] == 3).all() and (s["n_finite"] == 2).all()
    assert s.loc[s["ft_train_frac"] == 0.1, "n_diverged"].eq(1).all()


def test_steps_to_generalise_is_the_first_evaluation_at_the_threshold():
    """Read from the histories (the threshold reruns no training): a run that dips after crossing keeps its first
    crossing; one that never crosses, or was never evaluated, gets NaN."""
    evals = pd.DataFrame({"ft_id": ["a"] * 4 + ["b"] * 2, "step": [5, 10, 15, 20, 5, 10],
                          "test_acc": [0.2, 0.9, 0.4, 0.95, 0.5, 0.89]})
    runs = pd.DataFrame({"ft_id": ["b", "a", "c"], "seed": [0, 1, 2]})
    got = results.with_steps_to_generalise(runs, evals, "ft_id", 0.9)
    assert got["seed"].tolist() == [0, 1, 2] and got["steps_to_generalise"].iloc[1] == 10.0
    assert got["steps_to_generalise"].iloc[[0, 2]].isna().all()
    assert results.with_steps_to_generalise(runs, evals, "ft_id", 0.5)["steps_to_generalise"].tolist()[:2] == [5, 10]


def test_figures_render():
    long = sweep_rows(fake_ft(), BASE, SWEEPS)
    fig, _ = figures.acc_vs_frac(long, "relative")
    assert len(fig.axes) == 2 * 3  # per family: accuracy, paired knob effect, FT − probe
    fig, notes = figures.steps_vs_knob(long, 0.9)
    assert len(fig.axes) == 4 and notes == []  # families × sweeps, each with runs that reached it


def test_steps_figure_drops_cells_where_no_run_generalised_and_counts_them():
    long = sweep_rows(fake_ft(), BASE, SWEEPS)
    long.loc[long["family"] == "new", "steps_to_generalise"] = np.nan
    fig, notes = figures.steps_vs_knob(long, 0.9)
    assert len(fig.axes) == 2 and "new · relative (0 of 12)" in notes[0]
    assert "8 of 12 runs" in fig.axes[0].get_title()


def test_summary_puts_the_probe_beside_each_cell():
    s = deep_summary(sweep_rows(fake_ft(), BASE, SWEEPS), AXES.cell, "test_acc", ["probe_test_acc"])
    assert np.allclose(s["mean"] - s["probe_test_acc"], 0.1) and (s["n_finite"] == 3).all()


def test_grokking_figure_renders():
    evals = pd.DataFrame([{"pt_task": "add", "seed": s, **BASE, "step": t, "test_acc": t / 100, "train_acc": 1.0}
                          for s in range(3) for t in (50, 100)])
    assert figures.pt_grokking(evals, BASE, 0.9).axes


def pt_ops_table():
    """Two mixture PT runs (seed 1 weak on add) and one add run, as pretrain_ops.csv holds them."""
    rows = [("m0", "add+sub", 0, "add", 1.0), ("m0", "add+sub", 0, "sub", 0.98),
            ("m1", "add+sub", 1, "add", 0.865), ("m1", "add+sub", 1, "sub", 0.904), ("a0", "add", 0, "add", 0.96)]
    return pd.DataFrame([{"pt_id": i, "pt_task": t, "seed": s, "op": op, "test_acc": acc, "alpha_rel": 1.0,
                          "c_pt": 1.0} for i, t, s, op, acc in rows])


def test_pt_tables_count_and_list_the_runs_under_the_bar():
    ops = pt_ops_table()
    summary = results.pt_summary(ops, 0.95).set_index(["pt_task", "op"])
    assert summary.loc[("add+sub", "add"), "n_below"] == 1 and summary.loc[("add+sub", "add"), "min"] == 0.865
    assert summary.loc[("add", "add"), "n_below"] == 0
    seeds = results.pt_seeds(ops).set_index(["pt_task", "seed"])
    assert seeds.loc[("add+sub", 1), "sub"] == 0.904 and np.isnan(seeds.loc[("add", 0), "sub"])


def test_every_ft_row_carries_its_pt_runs_worst_operation():
    ops = pt_ops_table()
    pt = pd.DataFrame({"pt_id": ["m0", "m1", "a0"], "test_acc": [0.99, 0.88, 0.96]})
    ft = fake_ft().iloc[:3].assign(pt_id=["m0", "m1", "a0"], pt_task="add+sub", ft_task="add", p=23, n_train=10,
                                   ft_id=["f0", "f1", "f2"], ft_job="j")
    for column in results.FINETUNE_COLUMNS:
        ft[column] = ft[column] if column in ft else 0
    tidy = results.tidy_finetune(ft.drop(columns=["pt_test_acc", "pt_min_op_acc"]), pt, ops).set_index("ft_id")
    assert tidy["pt_min_op_acc"].to_dict() == {"f0": 0.98, "f1": 0.865, "f2": 0.96}
