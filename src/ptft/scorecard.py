"""The scorecard engine: runs every arm's claims (`ptft.<arm>.claims`) on the result tables and renders verdicts.

Each claim returns an Outcome: PASS / FAIL / INCONCLUSIVE from its effect's confidence interval (ptft.stats), or
NOT RUN when its arm is disabled or the grid lacks the compared settings. The engine never decides a verdict
itself; it only collects, orders and prints. TABLES is the one registry of the tables claims read, shared with
`workflow/rules/report.smk`.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from ptft.stats import CONFIDENCE, FAIL, INCONCLUSIVE, METHOD, NOT_RUN, PASS, Effect
from ptft.tables import html_page

VERDICTS = (PASS, FAIL, INCONCLUSIVE, NOT_RUN)
# Table name -> (arm, path). Claims name the tables they need; a disabled arm's claims come out NOT RUN.
TABLES = {
    "dln_simulations": ("dln", "results/dln/simulations.csv"),
    "dln_single_task": ("dln", "results/dln/single_task.csv"),
    "dln_minimiser": ("dln", "results/dln/minimiser.csv"),
    "dln_finite_size": ("dln", "results/dln/tables/finite_size.csv"),
    "dln_regime_curves": ("dln", "results/dln/regime_curves.csv"),
    "vision_finetune": ("vision", "results/vision/finetune.csv"),
    "modarith_finetune": ("modarith", "results/modarith/finetune.csv"),
}
COLUMNS = ["claim_id", "arm", "verdict", "effect", "ci_low", "ci_high", "n_seeds", "detectable_effect", "n_runs",
           "claim", "domain", "test", "numbers", "data_source"]


class NotRun(Exception):
    """The tables lack what a claim compares (arm disabled, grid without the settings); the message says what."""


@dataclass(frozen=True)
class Outcome:
    """A claim's verdict with the numbers behind it (effect and its interval, seeds, detectable effect)."""

    verdict: str
    effect: float
    ci_low: float
    ci_high: float
    n_seeds: int
    detectable_effect: float
    numbers: str
    n_runs: int

    @classmethod
    def of(cls, verdict: str, effect: Effect, numbers: str, n_runs: int) -> "Outcome":
        """`verdict` with the effect, interval, seeds and detectable effect of `effect`."""
        return cls(verdict, effect.effect, effect.ci_low, effect.ci_high, effect.n_seeds, effect.detectable_effect,
                   numbers, n_runs)

    @classmethod
    def from_effect(cls, effect: Effect, direction: int, numbers: str, n_runs: int) -> "Outcome":
        """The three-valued verdict of a paired effect whose expected sign is `direction`."""
        return cls.of(effect.verdict(direction), effect, numbers, n_runs)


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: what it says, where it is claimed to hold, how it is tested, and the check."""

    id: str
    arm: str
    statement: str
    domain: str
    test: str
    needs: tuple
    check: Callable[[dict], Outcome]


def require(df: pd.DataFrame, what: str) -> pd.DataFrame:
    if df.empty:
        raise NotRun(f"no rows for {what}")
    return df


def at_value(df: pd.DataFrame, column: str, value: float) -> pd.DataFrame:
    return df[np.isclose(df[column].astype(float), value)]


def all_claims() -> tuple:
    """Every arm's claims, in the order the scorecard prints them."""
    from ptft.dln.claims import CLAIMS as DLN
    from ptft.modarith.claims import CLAIMS as MODARITH
    from ptft.vision.claims import CLAIMS as VISION

    return DLN + VISION + MODARITH


def evaluate(tables: dict, sources: dict | None = None, claims=None) -> pd.DataFrame:
    """One row per claim (COLUMNS): verdict, effect, CI, n seeds, detectable effect, numbers and data source.

    `tables` maps a TABLES name to its DataFrame; absent names make their claims NOT RUN. `sources` maps the same
    names to the data_source of their provenance records.
    """
    sources = sources or {}
    rows = []
    for claim in claims or all_claims():
        row = {"claim_id": claim.id, "arm": claim.arm, "claim": claim.statement, "domain": claim.domain,
               "test": claim.test}
        missing = [name for name in claim.needs if name not in tables]
        try:
            if missing:
                raise NotRun(f"arm {claim.arm!r} not run (no {', '.join(missing)})")
            out = claim.check(tables)
            if out.verdict not in VERDICTS:
                raise ValueError(f"claim {claim.id} returned verdict {out.verdict!r}, not one of {VERDICTS}")
            row |= {k: getattr(out, k) for k in ("verdict", "effect", "ci_low", "ci_high", "n_seeds",
                                                 "detectable_effect", "numbers", "n_runs")}
        except NotRun as why:
            row |= {"verdict": NOT_RUN, "effect": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_seeds": 0,
                    "detectable_effect": np.nan, "n_runs": 0, "numbers": str(why)}
        row["data_source"] = ", ".join(sorted({sources.get(n) or "unknown" for n in claim.needs if n in tables}))
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


MEANING = {
    PASS: f"the {CONFIDENCE:.0%} interval of the effect excludes 0 in the paper's direction (an agreement claim: the "
          "interval of the gap lies inside its stated margin)",
    FAIL: f"the {CONFIDENCE:.0%} interval of the effect excludes 0 in the other direction (an agreement claim: some "
          "cell's interval lies wholly outside the margin)",
    INCONCLUSIVE: "the interval covers 0: this run cannot decide (the detectable effect says what it could see)",
    NOT_RUN: "the arm is disabled or the grid lacks the compared settings",
}


def to_markdown(card: pd.DataFrame) -> str:
    """The scorecard as Markdown: what verdicts mean, a verdict table, then each claim's domain, test and numbers."""
    counts = card["verdict"].value_counts()
    head = ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS)
    table = card[["claim_id", "arm", "verdict", "effect", "ci_low", "ci_high", "n_seeds", "detectable_effect",
                  "data_source"]]
    lines = ["# Reproduction scorecard", "", f"{len(card)} claims: {head}.", "",
             f"Intervals: {METHOD}, {CONFIDENCE:.0%} (Student-t at the number of seeds each claim has). "
             "Verdicts:", ""]
    lines += [f"- **{v}**: {meaning}." for v, meaning in MEANING.items()]
    lines += ["", table.to_markdown(index=False, floatfmt=".3g"), ""]
    for row in card.itertuples():
        lines += [f"## {row.claim_id}: {row.verdict}", "", f"*Claim.* {row.claim}", "", f"*Domain.* {row.domain}",
                  "", f"*Test.* {row.test}", "", f"*Numbers.* {row.numbers}", ""]
    return "\n".join(lines)


COLOURS = {PASS: "#d4edda", FAIL: "#f8d7da", INCONCLUSIVE: "#fff3cd", NOT_RUN: "#e2e3e5"}


def to_html(card: pd.DataFrame) -> str:
    """The scorecard as a standalone HTML page (shown inside the Snakemake report): verdicts coloured, effect, CI,
    seeds and detectable effect in a table, then each claim's domain, test and numbers."""
    import html

    table = card[["claim_id", "arm", "verdict", "effect", "ci_low", "ci_high", "n_seeds", "detectable_effect",
                  "data_source"]]
    styled = (table.style.format(precision=3, na_rep="–").hide(axis="index")
              .map(lambda v: f"background-color: {COLOURS.get(v, '')}", subset=["verdict"]))
    counts = card["verdict"].value_counts()
    head = ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS)
    meaning = "".join(f"<li><b>{v}</b>: {html.escape(m)}.</li>" for v, m in MEANING.items())
    details = "".join(
        f"<h3 id='{r.claim_id}' style='background-color:{COLOURS.get(r.verdict, '')}'>{r.claim_id}: {r.verdict}</h3>"
        f"<p><i>Claim.</i> {html.escape(r.claim)}</p><p><i>Domain.</i> {html.escape(r.domain)}</p>"
        f"<p><i>Test.</i> {html.escape(r.test)}</p><p><i>Numbers.</i> {html.escape(str(r.numbers))}</p>"
        for r in card.itertuples())
    return html_page("Reproduction scorecard", f"<p>{len(card)} claims: {head}.</p><p>Intervals: {METHOD}, "
                     f"{CONFIDENCE:.0%}.</p><ul>{meaning}</ul><div id='verdicts'>{styled.to_html()}</div>{details}")
