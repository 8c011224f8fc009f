"""Tables and figures from a small synthetic finetune table: sweep rows, n per cell, figures render (exact)."""

import itertools

import numpy as np
import pandas as pd

from ptft.deep.results import summary as deep_summary
from ptft.deep.runs import sweep_rows
from ptft.modarith import figures
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
    got = figures.with_steps_to_generalise(runs, evals, "ft_id", 0.9)
    assert got["seed"].tolist() == [0, 1, 2] and got["steps_to_generalise"].iloc[1] == 10.0
    assert got["steps_to_generalise"].iloc[[0, 2]].isna().all()
    assert figures.with_steps_to_generalise(runs, evals, "ft_id", 0.5)["steps_to_generalise"].tolist()[:2] == [5, 10]


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
