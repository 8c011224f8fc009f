"""The arm's claims on a synthetic finetune table with known effects: knob claims decide, controls read baselines."""

import itertools

import numpy as np
import pandas as pd

from ptft import scorecard
from ptft.modarith.claims import CLAIMS
from ptft.stats import FAIL, PASS

REF = {"alpha_rel": 1.0, "c_pt": 1.0, "gamma_ft": 1.0}


PT_TASK = {"same": "add", "shared": "add"}


def table(same_gap=0.0, shared_gain=0.1, pt_acc=None):
    """8 seeds; same family: FT = PT model − same_gap; shared: FT = probe + shared_gain; α_rel = 2 adds +0.05;
    every PT run's worst operation at 0.97 unless `pt_acc` {seed: accuracy} says otherwise."""
    pt_acc = pt_acc or {}
    rng, rows = np.random.default_rng(0), []
    settings = [REF, {**REF, "alpha_rel": 2.0}, {**REF, "c_pt": 2.0}, {**REF, "gamma_ft": 0.1}]
    for family, seed, frac in itertools.product(["same", "shared"], range(8), [0.1, 0.3, 0.6]):
        for knobs in settings if family == "same" else [REF]:
            noise = rng.normal(0, 0.005)
            probe = 0.3 + frac
            acc = (0.96 - same_gap if frac == 0.6 else probe) if family == "same" else probe + shared_gain
            acc += 0.05 * (knobs["alpha_rel"] > 1) + noise
            rows.append({"family": family, "seed": seed, "ft_train_frac": frac, **knobs, "test_acc": acc,
                         "probe_test_acc": probe, "pt_ft_task_acc": 0.96 if family == "same" else np.nan,
                         "pt_task": PT_TASK[family], "pt_min_op_acc": pt_acc.get(seed, 0.97),
                         "pt_id": f"{PT_TASK[family]}-{seed}-{knobs['alpha_rel']}-{knobs['c_pt']}"})
    return pd.DataFrame(rows)


def verdicts(df):
    card = scorecard.evaluate({"modarith_finetune": df}, CLAIMS)
    return card.set_index("claim_id")


def test_claim_ids_are_kept():
    ids = {c.id for c in CLAIMS}
    assert {"transformer_small_early_layers_help", "transformer_larger_scale_hurts",
            "transformer_small_readout_helps_mid_n", "transformer_control_same_reaches_pt"} <= ids


def test_knob_claim_and_controls_decide_on_known_effects():
    card = verdicts(table())
    assert card.loc["transformer_small_early_layers_help", "verdict"] == PASS
    assert card.loc["transformer_small_early_layers_help", "n_seeds"] == 8
    assert np.isfinite(card.loc["transformer_small_early_layers_help", "detectable_effect"])
    assert card.loc["transformer_control_same_reaches_pt", "verdict"] == PASS
    assert card.loc["transformer_control_shared_beats_probe", "verdict"] == PASS
    assert card.loc["transformer_control_subset_beats_probe", "verdict"] == scorecard.NOT_RUN  # no subset rows


def test_controls_fail_when_the_protocol_loses_what_pt_learnt():
    card = verdicts(table(same_gap=0.1, shared_gain=-0.1))
    assert card.loc["transformer_control_same_reaches_pt", "verdict"] == FAIL
    assert card.loc["transformer_control_shared_beats_probe", "verdict"] == FAIL


def test_the_pt_guard_names_every_seed_under_the_bar_whatever_the_mean():
    """Mean 0.96 over seeds but one seed at 0.87: FAIL, the seed named and counted once per PT run (not per FT row)."""
    card = verdicts(table(pt_acc={3: 0.87}))
    row = card.loc["transformer_control_pt_generalised"]
    assert row["verdict"] == FAIL and row["n_runs"] == 8 and row["n_seeds"] == 8
    assert "PT runs under 0.95: 1 of 8 (add seed 3 (0.870))" in row["numbers"]
    assert verdicts(table()).loc["transformer_control_pt_generalised", "verdict"] == PASS
