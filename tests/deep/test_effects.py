"""The effect plots show what the knob claims decide: per data size the same within-seed pairing as
ptft.deep.claims.knob_check, whose pooled effect is their mean over sizes (balanced design, exact)."""

import itertools

import numpy as np
import pandas as pd
import pytest

from ptft.deep.claims import knob_check
from ptft.deep.effects import knob_effects, probe_effects
from ptft.deep.runs import Axes, sweep_rows
from ptft.stats import paired_difference

AXES = Axes(size="n", panel="dataset")
BASE = {"alpha_rel": 1.0, "c_pt": 1.0, "gamma_ft": 1.0}
SWEEPS = {"relative": {"alpha_rel": [1.0, 2.0]}}


def table(seeds=range(4)):
    """One run per (dataset, seed, α_rel, n); accuracy with a seed effect shared by both knob values, so that only
    the pairing within seed removes it."""
    rng = np.random.default_rng(0)
    rows = []
    for d, s, a, n in itertools.product(["mnist", "svhn"], seeds, [1.0, 2.0], [10, 40, 160]):
        acc = 0.7 + 0.05 * s + (0.02 * np.log10(n) if a == 2.0 else 0.0) + 0.005 * rng.standard_normal()
        rows.append({"dataset": d, "seed": s, **BASE, "alpha_rel": a, "n": n, "test_acc": acc,
                     "probe_test_acc": acc - 0.01 * s})
    return pd.DataFrame(rows)


def test_knob_effect_per_size_is_the_claims_pairing():
    df = table()
    e = knob_effects(sweep_rows(df, BASE, SWEEPS), AXES, reference=1.0)
    assert len(e) == 2 * 3 and set(e["value"]) == {2.0} and (e["n_seeds"] == 4).all()
    for r in e.itertuples():
        cell = df[(df["dataset"] == r.dataset) & (df["n"] == r.n)]
        want = paired_difference(cell[cell["alpha_rel"] == 2.0], cell[cell["alpha_rel"] == 1.0], "test_acc",
                                 cells=["n", "dataset"])
        assert (r.effect, r.ci_low, r.ci_high) == pytest.approx((want.effect, want.ci_low, want.ci_high))
    # The claim pools the sizes and datasets within seed: with every cell present, its effect is the mean of these.
    outcome = knob_check("t", "alpha_rel", "above", "n", better=True, cells=("dataset",))({"t": df})
    assert outcome.effect == pytest.approx(e["effect"].mean())


def test_probe_effect_pairs_each_run_with_its_own_probe():
    e = probe_effects(sweep_rows(table(), BASE, SWEEPS), AXES)
    assert len(e) == 2 * 2 * 3
    assert np.allclose(e["effect"], 0.015) and (e["ci_high"] > e["effect"]).all()  # mean of 0.01·seed, seeds 0–3


def test_no_reference_runs_no_effect():
    df = table()
    assert knob_effects(sweep_rows(df[df["alpha_rel"] == 2.0], BASE, SWEEPS), AXES, reference=1.0).empty
