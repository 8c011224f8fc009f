"""Scorecard claims on hand-made tables whose verdicts are known, and on the tiny pipeline run."""

import pandas as pd
import pytest

from ptft import scorecard
from ptft.scorecard import FAIL, NOT_RUN, PASS


def single_task(spread):
    """Two λ whose mean errors differ by the given relative spread."""
    return pd.DataFrame([{"c_pt": 1e-3, "alpha": a, "lambda_pt": lam, "seed": s, "mse": 0.1 * (1 + spread * (lam > 0))}
                         for a in (0.2, 0.4) for lam in (-0.5, 0.5) for s in (0, 1)])


def sims(mse_of):
    rows = [{"c_pt": c, "lambda_pt": lam, "gamma_ft": 0.0, "rho_pt": 0.1, "rho_ft": rho, "omega": om, "alpha": a,
             "seed": s} for c in (1e-3, 1.0) for lam in (-0.99, 0.0) for rho in (0.01, 0.1) for om in (0.0, 1.0)
            for a in (0.1, 0.3) for s in (0, 1)]
    df = pd.DataFrame(rows)
    return df.assign(mse=[mse_of(r) for r in df.itertuples()])


def vision(acc_of):
    rows = [{"dataset": "cifar100", "seed": s, "n": n, "alpha_rel": ar, "c_pt": 1.0, "gamma_ft": 1.0}
            for s in (0, 1) for n in (10, 100, 1000) for ar in (1.0, 5.0)]
    rows += [{"dataset": "cifar100", "seed": s, "n": n, "alpha_rel": 1.0, "c_pt": c, "gamma_ft": g}
             for s in (0, 1) for n in (10, 100, 1000) for c, g in ((2.0, 1.0), (1.0, 0.1))]
    df = pd.DataFrame(rows)
    return df.assign(test_acc=[acc_of(r) for r in df.itertuples()])


def verdicts(tables):
    card = scorecard.evaluate(tables)
    assert set(card["verdict"]) <= {PASS, FAIL, NOT_RUN} and card["numbers"].str.len().gt(0).all()
    return dict(zip(card["claim_id"], card["verdict"]))


def test_lambda_independence_passes_and_fails_on_the_spread():
    """Threshold 0.05 on the relative spread: 1% passes, 20% fails."""
    assert verdicts({"dln_single_task": single_task(0.01)})["dln_pt_lambda_independent"] == PASS
    assert verdicts({"dln_single_task": single_task(0.2)})["dln_pt_lambda_independent"] == FAIL


def test_dln_knob_claims():
    good = sims(lambda r: 0.01 if (r.lambda_pt < 0 and r.c_pt < 0.5) else 0.1 + r.c_pt)
    v = verdicts({"dln_simulations": good})
    assert v["dln_small_first_layer_helps_subset"] == PASS and v["dln_larger_scale_hurts"] == PASS
    bad = sims(lambda r: 0.2 - 0.1 * r.c_pt + 0.1 * (r.lambda_pt < 0))
    v = verdicts({"dln_simulations": bad})
    assert v["dln_small_first_layer_helps_subset"] == FAIL and v["dln_larger_scale_hurts"] == FAIL


def test_agreement_and_regimes():
    # Relative gaps measured against (reference + 0.01): GD vs argmin ≈ 1%, 2%, 50%; GD vs replica 10%, 40%, 60%.
    agreement = pd.DataFrame({"gd": [0.505, 0.49, 0.75], "argmin": [0.5, 0.5, 0.49], "replica": [0.454, 0.7, 0.46],
                              "n": [2, 2, 2]})
    v = verdicts({"dln_agreement": agreement})
    assert v["dln_gd_reaches_theorem_4_1"] == PASS and v["dln_gd_agrees_with_replica"] == FAIL
    # Exact recovery by both (errors ~1e-6 and ~1e-9) is agreement, not an infinite relative gap.
    exact = pd.DataFrame({"gd": [1e-6], "argmin": [1e-9], "replica": [0.0], "n": [2]})
    assert verdicts({"dln_agreement": exact})["dln_gd_reaches_theorem_4_1"] == PASS
    best = {"no_overlap": "I", "full_overlap": "II", "sparse_subset": "IV"}
    regimes = pd.DataFrame([{"task_type": t, "alpha": a, "best": r, "tied": False} for t, r in best.items()
                            for a in (0.1, 0.2)])
    assert verdicts({"dln_regimes": regimes})["dln_regimes_win_their_tasks"] == PASS
    # A tie (both errors ≈ 0) names no winner: regime I "winning" a tied α does not count against IV.
    tied = pd.DataFrame([{"task_type": "sparse_subset", "alpha": 0.3, "best": "I", "tied": True}])
    assert verdicts({"dln_regimes": pd.concat([regimes, tied])})["dln_regimes_win_their_tasks"] == PASS
    regimes.loc[regimes["task_type"] == "sparse_subset", "best"] = "III"
    assert verdicts({"dln_regimes": regimes})["dln_regimes_win_their_tasks"] == FAIL


def test_deep_claims_pass_fail_and_intermediate_n():
    def acc(r):
        return 0.7 + 0.1 * (r.alpha_rel > 1) - 0.1 * (r.c_pt > 1) + 0.05 * (r.gamma_ft < 1 and r.n == 100)

    v = verdicts({"vision_finetune": vision(acc)})
    assert [v[c] for c in ("resnet_small_early_layers_help", "resnet_larger_scale_hurts",
                           "resnet_small_readout_helps_mid_n")] == [PASS, PASS, PASS]
    v = verdicts({"vision_finetune": vision(lambda r: 0.7 + 0.1 * (r.c_pt > 1) - 0.05 * (r.gamma_ft < 1))})
    assert v["resnet_larger_scale_hurts"] == FAIL and v["resnet_small_readout_helps_mid_n"] == FAIL


def test_disabled_arm_and_missing_settings_are_not_run():
    card = scorecard.evaluate({"vision_finetune": vision(lambda r: 0.5).query("alpha_rel == 1")})
    by_id = card.set_index("claim_id")
    assert by_id.loc["resnet_small_early_layers_help", "verdict"] == NOT_RUN
    assert "alpha_rel > 1" in by_id.loc["resnet_small_early_layers_help", "numbers"]
    assert (card[card["arm"] != "vision"]["verdict"] == NOT_RUN).all()
    assert "NOT RUN" in scorecard.to_markdown(card)


@pytest.mark.slow
def test_scorecard_on_the_tiny_run(tiny_run):
    """Every claim has a verdict; claims of the enabled arms ran (numbers given), FAILs included, never dropped."""
    card = pd.read_csv(tiny_run / "scorecard.csv")
    assert list(card["claim_id"]) == [c.id for c in scorecard.CLAIMS]
    assert set(card["verdict"]) <= {PASS, FAIL, NOT_RUN}
    dln = card[card["arm"] == "dln"]
    assert (dln["verdict"] != NOT_RUN).all(), dln[["claim_id", "numbers"]].to_string()
    md = (tiny_run / "scorecard.md").read_text()
    assert all(f"## {c.id}: " in md for c in scorecard.CLAIMS)
