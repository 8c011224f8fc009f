"""The deep arms' shared claims (ptft.deep.claims) on hand-made tables whose verdicts are known: every knob claim
reports FT − probe at both knob values and the knob's effect on it; the control "fine-tuning beats its linear probe"
is paired within seed, one per panel, and NOT RUN without the panel or the probe."""

import re

import numpy as np
import pandas as pd
import pytest

from ptft.deep import claims
from ptft.deep.runs import Axes
from ptft.scorecard import NotRun
from ptft.stats import FAIL, PASS

AXES = Axes(size="n", panel="dataset")
SEEDS = range(8)


def table(acc, probe, datasets=("a",)):
    """Base runs and an α_rel = 2 run per (dataset, seed, n); acc/probe(row) give the accuracies, plus seed noise
    shared by every run of a seed (pairing removes it)."""
    rows = [{"dataset": d, "seed": s, "n": n, "alpha_rel": ar, "c_pt": 1.0, "gamma_ft": 1.0}
            for d in datasets for s in SEEDS for n in (10, 20, 40) for ar in (1.0, 2.0)]
    df = pd.DataFrame(rows)
    noise = 0.02 * np.sin(1.3 * df["seed"])
    return df.assign(test_acc=[acc(r) for r in df.itertuples()] + noise,
                     probe_test_acc=[probe(r) for r in df.itertuples()] + noise)


def jitter(r):
    return 0.005 * np.cos(2.1 * r.seed + r.n)  # makes the per-seed differences vary (a finite interval)


def test_knob_claim_numbers_report_ft_minus_probe_at_both_values():
    df = table(lambda r: 0.80 + 0.05 * (r.alpha_rel > 1) + jitter(r), lambda r: 0.85)
    out = claims.knob_check("t", "alpha_rel", "above", "n", better=True, cells=("dataset",))({"t": df})
    assert out.verdict == PASS
    found = re.search(r"test_acc − probe_test_acc \(paired t, 95%\) at alpha_rel moved: (\S+) \[.*?\], "
                      r"at alpha_rel = 1: (\S+) \[.*?\]; effect of the knob on it: (\S+) \[", out.numbers)
    assert found, out.numbers
    moved, reference, change = map(float, found.groups())
    assert moved == pytest.approx(0.0, abs=0.005) and reference == pytest.approx(-0.05, abs=0.005)
    assert change == pytest.approx(0.05, abs=1e-9)


def test_knob_claim_counts_diverged_runs_and_keeps_them():
    df = table(lambda r: 0.80 - 0.05 * (r.alpha_rel > 1) + jitter(r), lambda r: 0.85)
    df["diverged"] = (df["alpha_rel"] > 1) & (df["seed"] < 3) & (df["n"] == 10)
    df.loc[df["diverged"], "test_acc"] = 0.0
    out = claims.knob_check("t", "alpha_rel", "above", "n", better=True, cells=("dataset",))({"t": df})
    assert "diverged runs (kept, scored at their final test accuracy): 3 of 24 with alpha_rel moved, 0 of 24" \
        in out.numbers
    assert out.effect < -0.05  # the diverged runs' zeros are in the effect, not dropped
    clean = claims.knob_check("t", "alpha_rel", "above", "n", better=True, cells=("dataset",))(
        {"t": df.assign(diverged=False)})
    assert "no run diverged" in clean.numbers


def test_knob_claim_without_a_probe_column_still_decides():
    df = table(lambda r: 0.80 + 0.05 * (r.alpha_rel > 1) + jitter(r), lambda r: 0.85).drop(columns="probe_test_acc")
    out = claims.knob_check("t", "alpha_rel", "above", "n", better=True, cells=("dataset",))({"t": df})
    assert out.verdict == PASS and "probe" not in out.numbers


@pytest.mark.parametrize("gain, verdict", [(0.03, PASS), (-0.03, FAIL)])
def test_beats_probe_is_paired_within_seed_at_the_reference_knobs(gain, verdict):
    # α_rel = 2 runs sit far below the probe: the control reads the reference knobs only.
    df = table(lambda r: 0.8 + gain - 0.5 * (r.alpha_rel > 1) + jitter(r), lambda r: 0.8, datasets=("a", "b"))
    out = claims.beats_probe_check("t", "n", "dataset", "a")({"t": df})
    assert out.verdict == verdict and out.n_seeds == 8 and out.n_runs == 8 * 3
    assert out.effect == pytest.approx(gain, abs=0.01)
    assert "per n (FT / probe, FT − probe paired): 10: " in out.numbers


def test_beats_probe_claims_one_per_panel_and_not_run_without_it():
    df = table(lambda r: 0.9 + jitter(r), lambda r: 0.8)
    claim = claims.beats_probe_claim("x_control_b", "arm", "t", AXES, "b", model="m")
    assert claim.id == "x_control_b" and "dataset = b" in claim.domain and claim.needs == ("t",)
    with pytest.raises(NotRun, match="dataset = 'b'"):
        claim.check({"t": df})
    with pytest.raises(NotRun, match="probe_test_acc"):
        claims.beats_probe_check("t", "n", "dataset", "a")({"t": df.drop(columns="probe_test_acc")})
    where = claims.beats_probe_check("t", "n", "dataset", "a", where={"seed": 3})({"t": df})
    assert where.n_runs == 3
