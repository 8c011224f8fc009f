"""The scorecard engine: runs the claims it is given (every arm's, from ptft.arms) on the result tables and renders
the verdicts.

Each claim returns an Outcome: PASS / FAIL / INCONCLUSIVE from its effect's confidence interval (ptft.stats), or
NOT RUN when its arm is disabled or the grid lacks the compared settings. The engine never decides a claim's own
verdict; it collects them, adjusts their p-values by Holm within each kind (the one verdict it derives,
`verdict_holm`), orders and prints. It knows no arm: claims and their tables come in as arguments.
"""

import numpy as np
import pandas as pd

from ptft.claim import KINDS, NON_INFERIORITY, Claim, NotRun
from ptft.stats import CONFIDENCE, FAIL, INCONCLUSIVE, METHOD, NOT_RUN, PASS, holm
from ptft.tables import html_page

VERDICTS = (PASS, FAIL, INCONCLUSIVE, NOT_RUN)
COLUMNS = ["claim_id", "arm", "kind", "verdict_holm", "verdict", "effect", "ci_low", "ci_high", "unit", "margin",
           "decision", "p_value", "p_holm", "n_seeds", "detectable_effect", "n_runs", "claim", "domain", "test",
           "numbers", "data_source"]
# What the verdict table shows (the CSV has every column).
SHOWN = ["claim_id", "kind", "verdict_holm", "verdict", "effect", "ci_low", "ci_high", "unit", "margin", "p_holm",
         "n_seeds", "detectable_effect"]
EXACT = "exact"  # n_seeds of a deterministic claim (theory, no seeds: its interval is its point)


def _row(claim: Claim, tables: dict) -> dict:
    """One claim's verdict and numbers; NOT RUN (with the reason) when its tables lack what it compares."""
    missing = [name for name in claim.needs if name not in tables]
    try:
        if missing:
            raise NotRun(f"arm {claim.arm!r} not run (no {', '.join(missing)})")
        out = claim.check(tables)
    except NotRun as why:
        return {"verdict": NOT_RUN, "effect": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n_seeds": 0,
                "detectable_effect": np.nan, "n_runs": 0, "numbers": str(why), "p_value": np.nan}
    if out.verdict not in VERDICTS:
        raise ValueError(f"claim {claim.id} returned verdict {out.verdict!r}, not one of {VERDICTS}")
    row = {k: getattr(out, k) for k in ("verdict", "effect", "ci_low", "ci_high", "n_seeds", "detectable_effect",
                                        "numbers", "n_runs", "p_value")}
    return row | ({"n_seeds": EXACT} if out.exact else {})


def with_holm(card: pd.DataFrame) -> pd.DataFrame:
    """Holm-adjust the p-values within each kind (paper claims, controls, guards apart): `p_holm`, and
    `verdict_holm` = the verdict where p_holm < 1 − CONFIDENCE, INCONCLUSIVE where the adjustment undoes a PASS or
    FAIL, NOT RUN where the claim did not run."""
    card = card.copy()
    card["p_holm"] = np.nan
    for kind in KINDS:
        at = card["kind"] == kind
        card.loc[at, "p_holm"] = holm(card.loc[at, "p_value"].astype(float))
    decided = card["verdict"].isin([PASS, FAIL]) & (card["p_holm"] < 1 - CONFIDENCE)
    card["verdict_holm"] = np.where(card["verdict"] == NOT_RUN, NOT_RUN,
                                    np.where(decided, card["verdict"], INCONCLUSIVE))
    return card


def evaluate(tables: dict, claims, sources: dict | None = None) -> pd.DataFrame:
    """One row per claim (COLUMNS): kind, verdict (raw and after Holm), effect, CI, unit, margin, p-values, seeds,
    detectable effect, numbers and data source.

    `tables` maps a table name (an arm's `tables`, ptft.arm) to its DataFrame; absent names make their claims NOT RUN.
    `claims`: every claim to run, in order (ptft.arms.CLAIMS). `sources` maps the table names to the data_source of
    their provenance records.
    """
    sources = sources or {}
    rows = []
    for claim in claims:
        row = {"claim_id": claim.id, "arm": claim.arm, "kind": claim.kind, "unit": claim.unit,
               "margin": claim.margin if claim.margin is not None else np.nan, "decision": claim.decision,
               "claim": claim.statement,
               "domain": claim.domain, "test": claim.test} | _row(claim, tables)
        row["data_source"] = ", ".join(sorted({sources.get(n) or "unknown" for n in claim.needs if n in tables}))
        rows.append(row)
    return with_holm(pd.DataFrame(rows)).reindex(columns=COLUMNS)


def _margin(row) -> str:
    """"; margin ±m" (equivalence) or "; margin −m (non-inferiority)"; nothing for a claim without a margin."""
    if pd.isna(row.margin):
        return ""
    return f"; margin −{row.margin:g} (non-inferiority)" if row.decision == NON_INFERIORITY else f"; margin ±{row.margin:g}"


MEANING = {
    PASS: f"the {CONFIDENCE:.0%} interval of the effect excludes 0 in the paper's direction (an agreement claim: the "
          "interval of the gap lies inside its stated margin)",
    FAIL: f"the {CONFIDENCE:.0%} interval of the effect excludes 0 in the other direction (an agreement claim: some "
          "cell's interval lies wholly outside the margin)",
    INCONCLUSIVE: "the interval covers 0 (or straddles the margin): this run cannot decide (the detectable effect says "
                  "what it could see)",
    NOT_RUN: "the arm is disabled or the grid lacks the compared settings",
}
HOLM = (f"`verdict_holm` is the verdict after Holm's correction within each kind (paper claims, controls and guards "
        f"apart; family-wise {CONFIDENCE:.0%}): a PASS or FAIL whose adjusted p-value `p_holm` is not below "
        f"{1 - CONFIDENCE:g} becomes INCONCLUSIVE. `verdict` is the claim's own {CONFIDENCE:.0%} interval alone. "
        "Kinds: a *paper claim* tests a statement of the paper where the paper makes it; a *control* [ours] checks that "
        "the protocol measures what it says; a *guard* holds by construction unless the code is broken. `unit` is what "
        "the effect is measured in; `margin` is the equivalence (or non-inferiority) margin fixed beside the claim "
        "(src/ptft/<arm>/claims.py) before the run; `decision` (a column of the CSV) says how the verdict "
        "follows: the interval against 0 (directional), inside ±margin (equivalence), above −margin "
        "(non-inferiority), or a count of failing runs; n_seeds `exact` marks deterministic theory (no seeds). "
        "results/scorecard.png draws every row.")


def headline(card: pd.DataFrame) -> str:
    """Counts per kind: paper claims by their Holm verdict first, then controls and guards, then the raw verdicts."""
    parts = []
    for kind in KINDS:
        rows = card[card["kind"] == kind]
        if len(rows):
            counts = rows["verdict_holm"].value_counts()
            plural = "s" if len(rows) != 1 else ""
            parts.append(f"{len(rows)} {kind}{plural}: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in VERDICTS))
    raw = card["verdict"].value_counts()
    return ("; ".join(parts) + f" (after Holm, family-wise {CONFIDENCE:.0%}, within each kind). Without the correction, "
            f"all {len(card)}: " + ", ".join(f"{raw.get(v, 0)} {v}" for v in VERDICTS) + ".")


def to_markdown(card: pd.DataFrame) -> str:
    """The scorecard as Markdown: the headline, what verdicts mean, a verdict table, then each claim's domain, test
    and numbers."""
    lines = ["# Reproduction scorecard", "", headline(card), "",
             f"Intervals: {METHOD}, {CONFIDENCE:.0%} (Student-t at the number of seeds each claim has). "
             "Verdicts:", ""]
    lines += [f"- **{v}**: {meaning}." for v, meaning in MEANING.items()]
    lines += ["", HOLM, "", card[SHOWN].to_markdown(index=False, floatfmt=".3g"), ""]
    for row in card.itertuples():
        lines += [f"## {row.claim_id}: {row.verdict_holm} ({row.kind}; {row.verdict} before Holm)", "",
                  f"*Claim.* {row.claim}", "", f"*Domain.* {row.domain}", "", f"*Test.* {row.test}", "",
                  f"*Unit.* {row.unit}" + _margin(row), "",
                  f"*Numbers.* {row.numbers}", "", f"*Data.* {row.data_source}", ""]
    return "\n".join(lines)


COLOURS = {PASS: "#d4edda", FAIL: "#f8d7da", INCONCLUSIVE: "#fff3cd", NOT_RUN: "#e2e3e5"}


def to_html(card: pd.DataFrame) -> str:
    """The scorecard as a standalone HTML page (shown inside the Snakemake report): the headline, the verdict table
    (both verdicts coloured, effect, CI, unit, margin, p_holm, kind), then each claim's domain, test and numbers."""
    import html

    styled = (card[SHOWN].style.format(precision=3, na_rep="–").hide(axis="index")
              .map(lambda v: f"background-color: {COLOURS.get(v, '')}", subset=["verdict_holm", "verdict"]))
    meaning = "".join(f"<li><b>{v}</b>: {html.escape(m)}.</li>" for v, m in MEANING.items())
    details = "".join(
        f"<h3 id='{r.claim_id}' style='background-color:{COLOURS.get(r.verdict_holm, '')}'>{r.claim_id}: "
        f"{r.verdict_holm} <small>({html.escape(r.kind)}; {r.verdict} before Holm)</small></h3>"
        f"<p><i>Claim.</i> {html.escape(r.claim)}</p><p><i>Domain.</i> {html.escape(r.domain)}</p>"
        f"<p><i>Test.</i> {html.escape(r.test)}</p><p><i>Unit.</i> {html.escape(r.unit)}"
        + _margin(r)
        + f"</p><p><i>Numbers.</i> {html.escape(str(r.numbers))}</p>"
        for r in card.itertuples())
    return html_page("Reproduction scorecard", f"<p>{html.escape(headline(card))}</p><p>Intervals: {METHOD}, "
                     f"{CONFIDENCE:.0%}.</p><ul>{meaning}</ul><p>{html.escape(HOLM)}</p>"
                     f"<div id='verdicts'>{styled.to_html()}</div>{details}")
