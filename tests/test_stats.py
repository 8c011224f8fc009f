"""ptft.stats against textbook values, a simulated coverage check, and the three-valued verdicts."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from ptft import stats
from ptft.stats import FAIL, INCONCLUSIVE, PASS


@pytest.mark.parametrize("n, t", [(2, 12.706), (3, 4.303), (5, 2.776), (10, 2.262), (30, 2.045)])
def test_t_quantile_matches_the_textbook_table(n, t):
    assert stats.t_quantile(n) == pytest.approx(t, abs=1e-3)
    assert stats.t_quantile(n) == pytest.approx(sps.t.ppf(0.975, n - 1))


def test_mean_ci_is_student_t_at_its_n():
    df = pd.DataFrame({"cell": ["a", "a", "b", "b", "b", "c"], "x": [1.0, 3.0, 0.0, 1.0, 2.0, 5.0]})
    out = stats.mean_ci(df, "cell", "x").set_index("cell")
    assert list(out.columns) == ["mean", "std", "n_runs", "ci95"]
    assert out.loc["a", "ci95"] == pytest.approx(12.706 * np.sqrt(2) / np.sqrt(2), rel=1e-4)
    assert out.loc["b", "ci95"] == pytest.approx(4.303 * 1.0 / np.sqrt(3), rel=1e-4)
    assert np.isnan(out.loc["c", "ci95"])  # one run: no interval, never a zero-width bar


def test_coverage_is_95_percent_at_three_seeds():
    rng = np.random.default_rng(0)
    draws = rng.normal(0.3, 2.0, size=(20_000, 3))
    half = stats.t_halfwidth(draws.std(axis=1, ddof=1), 3)
    covered = np.abs(draws.mean(axis=1) - 0.3) <= half
    assert covered.mean() == pytest.approx(0.95, abs=0.006)
    # z = 1.96 at n = 3 would cover far less: the defect this module removes.
    assert (np.abs(draws.mean(axis=1) - 0.3) <= 1.96 * draws.std(axis=1, ddof=1) / np.sqrt(3)).mean() < 0.85


def test_detectable_effect_has_the_stated_power():
    # At n = 8, σ = 1 the quoted effect is detected (interval excludes 0) in about 80% of simulated designs.
    n, sigma = 8, 1.0
    mde = float(stats.detectable_effect(sigma, n))
    rng = np.random.default_rng(1)
    hits = [stats.paired_effect(rng.normal(mde, sigma, n)).verdict(+1) == PASS for _ in range(4000)]
    assert np.mean(hits) == pytest.approx(0.8, abs=0.04)


def test_three_valued_verdicts():
    assert stats.paired_effect([1.0, 1.1, 0.9, 1.2]).verdict(+1) == PASS
    assert stats.paired_effect([1.0, 1.1, 0.9, 1.2]).verdict(-1) == FAIL
    assert stats.paired_effect([1.0, -1.1, 0.9, -1.2]).verdict(+1) == INCONCLUSIVE
    assert stats.paired_effect([1.0]).verdict(+1) == INCONCLUSIVE  # no interval at n = 1


def test_equivalence_verdicts():
    assert stats.equivalence_verdict(-0.01, 0.02, 0.05) == PASS
    assert stats.equivalence_verdict(0.06, 0.2, 0.05) == FAIL
    assert stats.equivalence_verdict(0.01, 0.2, 0.05) == INCONCLUSIVE
    assert stats.paired_effect([0.0, 0.0, 0.0]).within(0.01) == PASS  # an exact identity


def test_paired_difference_pairs_within_seed():
    # A large seed effect shared by both settings cancels: the paired effect is exact.
    rows = [dict(seed=s, alpha=a, knob=k, err=10.0 * s + a + (0.5 if k == "b" else 0.0))
            for s in range(4) for a in (0.1, 0.2) for k in "ab"]
    df = pd.DataFrame(rows)
    e = stats.paired_difference(df[df.knob == "b"], df[df.knob == "a"], "err", cells="alpha")
    assert e.n_seeds == 4 and e.effect == pytest.approx(0.5) and e.ci_high - e.ci_low == pytest.approx(0.0)


def test_p_values_decide_exactly_when_the_interval_does():
    """p < 1 − CONFIDENCE ⇔ PASS or FAIL, for the directional, equivalence and non-inferiority tests, over random
    designs near each boundary (the p-values are the intervals' tests, not a second criterion)."""
    rng = np.random.default_rng(3)
    for _ in range(400):
        n = int(rng.integers(3, 12))
        e = stats.paired_effect(rng.normal(rng.normal(0, 0.5), 1.0, n))
        assert (e.p_direction() < 0.05) == (e.verdict(+1) != INCONCLUSIVE)
        assert (e.p_within(0.5) < 0.05) == (e.within(0.5) != INCONCLUSIVE)
        above = e.ci_low > -0.3 or e.ci_high < -0.3
        assert (e.p_above(-0.3) < 0.05) == above


def test_p_direction_is_the_paired_t_test():
    d = np.array([0.3, 0.1, 0.5, 0.2, 0.4])
    assert stats.paired_effect(d).p_direction() == pytest.approx(sps.ttest_1samp(d, 0.0).pvalue)


def test_holm_matches_its_definition():
    # m = 4: sorted 0.01, 0.02, 0.03, 0.2 → 0.04, 0.06, 0.06 (monotone), 0.2; NaN is not counted.
    adjusted = stats.holm([0.03, 0.01, np.nan, 0.2, 0.02])
    assert adjusted[[1, 4, 0, 3]] == pytest.approx([0.04, 0.06, 0.06, 0.2])
    assert np.isnan(adjusted[2])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1, then monotone
