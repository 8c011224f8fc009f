"""Statistics of every interval, error bar and verdict: Student-t intervals and paired comparisons over seeds.

One seed shares its data, teacher and PT draw across every knob value, so two knob settings are compared within
seed: per seed the difference of the metric (averaged over the compared cells, e.g. α or n), then a Student-t
95% interval over seeds of those differences ("paired t"). A claim is PASS when that interval excludes 0 in the
paper's direction, FAIL when it excludes 0 in the other direction, and INCONCLUSIVE when it covers 0. A claim of
agreement (two quantities equal) is judged by equivalence instead: PASS when the interval of the difference lies
inside a stated margin, FAIL when it lies wholly outside it, INCONCLUSIVE otherwise.
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
