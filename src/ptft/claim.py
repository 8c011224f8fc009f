"""The vocabulary of a claim: what it states and tests (Claim), its result (Outcome), and the helpers every arm's
claims module uses (NotRun, require, at_value). A leaf module: the arms import it, the scorecard engine runs it.

A claim has a kind, because not every check tests the paper:
- "paper claim": a statement of the paper, tested where the paper makes it;
- "control": a check that the protocol measures what it says (ours), e.g. fine-tuning beats its linear probe;
- "guard": a check that holds by construction unless the code is broken (it cannot fail by algebra).
Holm's correction runs within each kind (ptft.stats.holm); the headline counts paper claims first.
"""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ptft.stats import Effect

PAPER, CONTROL, GUARD = "paper claim", "control", "guard"
KINDS = (PAPER, CONTROL, GUARD)
# How a claim's verdict follows from its numbers: the interval against 0 (directional), inside ±margin
# (equivalence), above −margin (non-inferiority), or a count of failing runs beside which the interval is reported.
DIRECTIONAL, EQUIVALENCE, NON_INFERIORITY, COUNT = "directional", "equivalence", "non-inferiority", "count"
DECISIONS = (DIRECTIONAL, EQUIVALENCE, NON_INFERIORITY, COUNT)


class NotRun(Exception):
    """The tables lack what a claim compares (arm disabled, grid without the settings); the message says what."""


@dataclass(frozen=True)
class Outcome:
    """A claim's verdict with the numbers behind it: effect and its interval, seeds, detectable effect, the p-value
    of the test the verdict takes (< 1 − CONFIDENCE exactly for PASS and FAIL), and whether it is exact
    (deterministic theory: no seeds, the interval is the point, p = 0)."""

    verdict: str
    effect: float
    ci_low: float
    ci_high: float
    n_seeds: int
    detectable_effect: float
    numbers: str
    n_runs: int
    p_value: float = np.nan
    exact: bool = False

    @classmethod
    def of(cls, verdict: str, effect: Effect, numbers: str, n_runs: int, p_value: float) -> "Outcome":
        """`verdict` with the effect, interval, seeds and detectable effect of `effect`, and its test's p-value."""
        return cls(verdict, effect.effect, effect.ci_low, effect.ci_high, effect.n_seeds, effect.detectable_effect,
                   numbers, n_runs, p_value)

    @classmethod
    def from_effect(cls, effect: Effect, direction: int, numbers: str, n_runs: int) -> "Outcome":
        """The three-valued verdict of a paired effect whose expected sign is `direction` (two-sided t-test)."""
        return cls.of(effect.verdict(direction), effect, numbers, n_runs, effect.p_direction())

    @classmethod
    def within(cls, effect: Effect, margin: float, numbers: str, n_runs: int) -> "Outcome":
        """The equivalence verdict of `effect` against ±margin, with its p-value."""
        return cls.of(effect.within(margin), effect, numbers, n_runs, effect.p_within(margin))

    @classmethod
    def deterministic(cls, verdict: str, effect: float, numbers: str, n_runs: int) -> "Outcome":
        """An exact result (deterministic theory): no seeds and no interval beyond the point itself."""
        return cls(verdict, effect, effect, effect, 0, np.nan, numbers, n_runs, 0.0, exact=True)


@dataclass(frozen=True)
class Claim:
    """One checked statement: what it says, where it holds, how it is tested, and the check.

    kind: PAPER, CONTROL or GUARD. unit: what `effect` is measured in. margin: the equivalence (or
    non-inferiority) margin in that unit, fixed with its reason beside the claim; None for a directional claim.
    decision: how the verdict follows from the numbers (DECISIONS); by default directional without a margin,
    equivalence with one.
    """

    id: str
    arm: str
    statement: str
    domain: str
    test: str
    needs: tuple
    check: Callable[[dict], Outcome]
    kind: str = field(kw_only=True)
    unit: str = field(kw_only=True)
    margin: float | None = field(default=None, kw_only=True)
    decision: str | None = field(default=None, kw_only=True)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.id}: kind {self.kind!r} is not one of {KINDS}")
        if self.decision is None:
            object.__setattr__(self, "decision", DIRECTIONAL if self.margin is None else EQUIVALENCE)
        if self.decision not in DECISIONS:
            raise ValueError(f"claim {self.id}: decision {self.decision!r} is not one of {DECISIONS}")
        if (self.margin is not None) != (self.decision in (EQUIVALENCE, NON_INFERIORITY)):
            raise ValueError(f"claim {self.id}: a margin goes with an equivalence or non-inferiority decision, and "
                             f"only with one (decision {self.decision!r}, margin {self.margin!r})")
        if not self.unit:
            raise ValueError(f"claim {self.id}: no unit (what its effect is measured in)")


def require(df: pd.DataFrame, what: str) -> pd.DataFrame:
    if df.empty:
        raise NotRun(f"no rows for {what}")
    return df


def at_value(df: pd.DataFrame, column: str, value: float) -> pd.DataFrame:
    return df[np.isclose(df[column].astype(float), value)]
