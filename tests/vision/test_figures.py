"""The vision figures render from tidy rows: per dataset a row of accuracy, paired knob effect and FT − probe;
ENSD as small multiples per (dataset, layer), identical layers drawn once."""

import itertools

import pandas as pd

from ptft.deep.runs import sweep_rows
from ptft.vision import figures

BASE = {"alpha_rel": 1.0, "c_pt": 1.0, "gamma_ft": 1.0}
SWEEPS = {"relative": {"alpha_rel": [1.0, 4.0]}}


def rows(layers=(None,)):
    return pd.DataFrame([{"dataset": d, "seed": s, **BASE, "alpha_rel": a, "n": n, "layer": layer,
                          "test_acc": 0.6 + 0.01 * s, "probe_test_acc": 0.55, "ensd": 3.0 + s}
                         for d, s, a, n, layer in itertools.product(["mnist", "svhn"], [0, 1], [1.0, 4.0], [10, 20],
                                                                   layers)])


def test_accuracy_figure_has_a_row_per_dataset_with_the_claims_effects():
    fig, notes = figures.accuracy_vs_n(sweep_rows(rows(), BASE, SWEEPS), "relative")
    assert [ax.get_title() for ax in fig.axes[::3]] == ["mnist", "svhn"] and len(fig.axes) == 6
    assert "paired" in fig.axes[1].get_title() and "probe" in fig.axes[2].get_title()
    width, height = fig.get_size_inches()
    assert width < 11 and height < 6  # sized to its panels, not a strip
    lo, hi = fig.axes[0].get_ylim()
    assert 0.4 < lo and hi <= 1.01  # fitted to the data with chance 0.5 drawn, not 0–1
    assert notes == []


def test_accuracy_intervals_are_cut_at_one_and_the_footer_says_so():
    df = rows().assign(test_acc=lambda d: 0.97 + 0.02 * d["seed"])
    _, notes = figures.accuracy_vs_n(sweep_rows(df, BASE, SWEEPS), "relative")
    assert notes == ["accuracy intervals cut at [0, 1]"]


def test_ensd_figure_is_a_grid_with_identical_layers_drawn_once():
    df = rows(["layer1", "layer4", "avgpool"]).assign(ft_id=lambda d: d.index // 3)
    df.loc[df["layer"] == "layer1", "ensd"] += 1.0
    fig, notes = figures.ensd_vs_n(sweep_rows(df, BASE, SWEEPS), "relative", ["layer1", "layer4", "avgpool"])
    assert len(fig.axes) == 4 and fig.axes[1].get_title() == "mnist · layer4 = avgpool"
    assert notes and "layer4 = avgpool" in notes[0]
