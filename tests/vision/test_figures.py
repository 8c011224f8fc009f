"""The vision figures render from tidy rows: one panel per dataset (accuracy) and per (dataset, layer) (ENSD)."""

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


def test_accuracy_figure_has_a_panel_per_dataset():
    fig = figures.accuracy_vs_n(sweep_rows(rows(), BASE, SWEEPS), "relative")
    assert [ax.get_title() for ax in fig.axes] == ["mnist", "svhn"]


def test_ensd_figure_has_a_panel_per_dataset_and_layer():
    fig = figures.ensd_vs_n(sweep_rows(rows(["layer1", "fc"]), BASE, SWEEPS), "relative", ["layer1", "fc"])
    assert len(fig.axes) == 4 and fig.axes[1].get_title() == "mnist · fc"
