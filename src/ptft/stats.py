"""Statistics of every interval, error bar and verdict: Student-t intervals and paired comparisons over seeds.

One seed shares its data, teacher and PT draw across every knob value, so two knob settings are compared within
seed: per seed the difference of the metric (averaged over the compared cells, e.g. α or n), then a Student-t
95% interval over seeds of those differences ("paired t"). A claim is PASS when that interval excludes 0 in the
paper's direction, FAIL when it excludes 0 in the other direction, and INCONCLUSIVE when it covers 0. A claim of
agreement (two quantities equal) is judged by equivalence instead: PASS when the interval of the difference lies
inside a stated margin, FAIL when it lies wholly outside it, INCONCLUSIVE otherwise.

Every verdict also has the p-value of the test it takes (`Effect.p_direction`, `Effect.p_within`,
`Effect.p_above`): p < 1 − CONFIDENCE exactly when the verdict is PASS or FAIL. Across the claims of one family
(paper claims, controls, guards) the scorecard adjusts them by Holm's step-down method (`holm`), so the
family-wise error rate is at most 1 − CONFIDENCE.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

CONFIDENCE = 0.95  # two-sided level of every interval
POWER = 0.8  # power at which the smallest detectable effect is quoted
METHOD = "paired Student-t over seeds"
PASS, FAIL, INCONCLUSIVE, NOT_RUN = "PASS", "FAIL", "INCONCLUSIVE", "NOT RUN"


def t_quantile(n, confidence: float = CONFIDENCE):
    """The two-sided Student-t critical value t_{(1+confidence)/2, n−1}; NaN where n < 2."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(n >= 2, sps.t.ppf((1 + confidence) / 2, np.maximum(n - 1, 1)), np.nan)


def t_halfwidth(std, n, confidence: float = CONFIDENCE):
    """Half-width of the Student-t interval of a mean: t_{n−1}·std/√n (NaN where n < 2)."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return t_quantile(n, confidence) * np.asarray(std, dtype=np.float64) / np.sqrt(n)


def detectable_effect(std, n, confidence: float = CONFIDENCE, power: float = POWER):
    """Smallest true mean difference the paired t-test detects with probability `power` at `confidence`.

    (t_{(1+confidence)/2, n−1} + t_{power, n−1})·std/√n, the usual normal-approximation formula with t quantiles.
    """
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_power = np.where(n >= 2, sps.t.ppf(power, np.maximum(n - 1, 1)), np.nan)
        return (t_quantile(n, confidence) + t_power) * np.asarray(std, dtype=np.float64) / np.sqrt(n)


def mean_ci(df: pd.DataFrame, by, value: str) -> pd.DataFrame:
    """Per group of `by`: mean, std, n_runs (finite values) and ci95, the Student-t half-width at that n.

    ci95 is NaN for a single run (no interval can be given), never a zero-width bar.
    """
    g = df.groupby(by, dropna=False)[value]
    out = g.agg(mean="mean", std="std", n_runs="count").reset_index()
    out["ci95"] = t_halfwidth(out["std"], out["n_runs"])
    return out


@dataclass(frozen=True)
class Effect:
    """A mean difference over seeds with its Student-t interval, n seeds and the smallest detectable effect."""

    effect: float
    ci_low: float
    ci_high: float
    n_seeds: int
    detectable_effect: float
    std: float

    def verdict(self, direction: int) -> str:
        """PASS if the interval excludes 0 on the side `direction` (+1: effect > 0 expected), FAIL if on the
        other side, INCONCLUSIVE if it covers 0 (or cannot be formed, n < 2)."""
        if not np.isfinite(self.ci_low) or not np.isfinite(self.ci_high):
            return INCONCLUSIVE
        if self.ci_low > 0 or self.ci_high < 0:
            return PASS if np.sign(self.effect) == np.sign(direction) else FAIL
        return INCONCLUSIVE

    def within(self, margin: float) -> str:
        """Equivalence verdict (agreement claims): PASS if the interval lies inside ±margin, FAIL if it lies
        wholly outside it, INCONCLUSIVE otherwise."""
        return equivalence_verdict(self.ci_low, self.ci_high, margin)

    @property
    def standard_error(self) -> float:
        return self.std / np.sqrt(self.n_seeds) if self.n_seeds > 1 else np.nan

    def _sf(self, t: float) -> float:
        """One-sided upper-tail probability of the t statistic `t` at n − 1 degrees of freedom (NaN if n < 2)."""
        return float(sps.t.sf(t, self.n_seeds - 1)) if self.n_seeds > 1 and np.isfinite(t) else np.nan

    def p_direction(self) -> float:
        """Two-sided p-value of "mean = 0" (paired t): < 1 − CONFIDENCE exactly when `verdict` is PASS or FAIL."""
        se = self.standard_error
        if se == 0:
            return 0.0 if self.effect != 0 else 1.0
        return min(1.0, 2 * self._sf(abs(self.effect) / se))

    def p_within(self, margin: float) -> float:
        """p-value of the equivalence verdict `within(margin)`, doubled one-sided tests so that it matches the
        two-sided interval: for FAIL, of "the effect lies inside ±margin" (the interval wholly outside); otherwise
        of "the effect lies outside ±margin" (two one-sided tests, the larger p), < 1 − CONFIDENCE when PASS."""
        se = self.standard_error
        if se == 0:
            return 0.0 if self.within(margin) != INCONCLUSIVE else 1.0
        if self.within(margin) == FAIL:
            return min(1.0, 2 * min(self._sf((self.effect - margin) / se), self._sf((-margin - self.effect) / se)))
        return min(1.0, 2 * max(self._sf((self.effect + margin) / se), self._sf((margin - self.effect) / se)))

    def p_above(self, bound: float) -> float:
        """p-value of a one-sided bound verdict (non-inferiority: PASS if the interval lies above `bound`, FAIL if
        below), doubled to match the two-sided interval."""
        se = self.standard_error
        if se == 0:
            return 0.0 if self.effect != bound else 1.0
        return min(1.0, 2 * self._sf(abs(self.effect - bound) / se))

    def describe(self, unit: str = "") -> str:
        return (f"{self.effect:+.3g}{unit} [{self.ci_low:+.3g}, {self.ci_high:+.3g}] ({METHOD}, n = {self.n_seeds}; "
                f"detectable at {POWER:.0%} power: ±{self.detectable_effect:.3g}{unit})")


def equivalence_verdict(ci_low, ci_high, margin: float) -> str:
    """PASS if [ci_low, ci_high] ⊂ [−margin, margin], FAIL if the two are disjoint, INCONCLUSIVE otherwise."""
    if not (np.isfinite(ci_low) and np.isfinite(ci_high)):
        return INCONCLUSIVE
    if -margin <= ci_low and ci_high <= margin:
        return PASS
    if ci_low > margin or ci_high < -margin:
        return FAIL
    return INCONCLUSIVE


def paired_effect(differences) -> Effect:
    """Effect of per-seed differences (one value per seed, already paired): mean, t interval, detectable effect."""
    d = np.asarray(differences, dtype=np.float64)
    d = d[np.isfinite(d)]
    n = len(d)
    mean = float(d.mean()) if n else np.nan
    std = float(d.std(ddof=1)) if n > 1 else np.nan
    half = float(t_halfwidth(std, n)) if n > 1 else np.nan
    return Effect(mean, mean - half, mean + half, n, float(detectable_effect(std, n)) if n > 1 else np.nan, std)


def per_seed_difference(a: pd.DataFrame, b: pd.DataFrame, value: str, *, cells, unit: str = "seed") -> pd.Series:
    """Per seed: mean over `cells` of (a − b), using only the cells both sides have for that seed.

    a, b: one row per (unit, cells…) each (e.g. runs at two knob values); rows are matched on (unit, cells).
    """
    keys = [unit, *([cells] if isinstance(cells, str) else cells)]
    left = a.groupby(keys)[value].mean()
    right = b.groupby(keys)[value].mean()
    both = left.index.intersection(right.index)
    diff = (left[both] - right[both]).rename("difference")
    return diff.groupby(level=unit).mean()


def paired_difference(a: pd.DataFrame, b: pd.DataFrame, value: str, *, cells, unit: str = "seed") -> Effect:
    """Paired comparison of two knob settings: the Effect of per_seed_difference over seeds."""
    return paired_effect(per_seed_difference(a, b, value, cells=cells, unit=unit).to_numpy())


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control; NaN stays NaN and does not count).

    Sorted ascending, p_(i) becomes max_{j ≤ i} min(1, (m − j + 1)·p_(j)) over the m finite p-values.
    """
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full_like(p, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    order = finite[np.argsort(p[finite], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out
