"""The HTML report's own pieces: the verdict table on its landing page, and id lists that print short.

The Snakemake report renders workflow/report/workflow.rst (docutils, raw HTML allowed) beside the rule graph on the
page it opens on; that text includes `results/report_landing.html`, written here from the scorecard: every claim's
verdict after Holm, coloured, with its effect and interval, linked to the report's page of its figure and table.
Links call the report app's own `app.showResultInfo(path)` (as Snakemake's rst links to results do).
"""

import hashlib
import html
from urllib.parse import quote

import pandas as pd

from ptft.scorecard import COLOURS, VERDICTS, headline


class Ids(tuple):
    """Run ids (a rule's `params:`) that print as their count and digest: the report's info pane of a figure shows
    its job's params, and a hundred hashes there say nothing. Still every id to the script. A tuple, since Snakemake
    rebuilds a list parameter as a plain list."""

    def __repr__(self) -> str:
        digest = hashlib.sha256("\n".join(map(str, self)).encode()).hexdigest()[:10]
        return f"<{len(self)} ids, sha256 {digest}>"

    __str__ = __repr__


def ids(values) -> Ids:
    return Ids(values)


def _link(path: str, text: str) -> str:
    return f"<a href=\"javascript:app.showResultInfo('{quote(path, safe='')}')\">{html.escape(text)}</a>"


def interval(r, digits: int = 3) -> str:
    """A scorecard row's effect with its 95% interval, `digits` significant digits ("–" where not run)."""
    if pd.isna(r.effect):
        return "–"
    ci = "" if pd.isna(r.ci_low) else f" [{r.ci_low:+.{digits}g}, {r.ci_high:+.{digits}g}]"
    return f"{r.effect:+.{digits}g}{ci}"


# Widen the report's description column for the table (it is a narrow prose column beside the rule graph), let the
# rule graph move below it, and start the page at its top (the report centres its content, which cuts the top of a
# page taller than the screen); the table scrolls sideways on its own on a narrow screen.
STYLE = ("<style>.prose.max-w-lg{max-width:none!important}.grow.flex.gap-3{flex-wrap:wrap}"
         ".grow.flex.gap-3>.py-2{flex:1 1 100%;min-width:0}"
         ".overflow-auto:has(#landing){align-items:flex-start!important;justify-content:flex-start!important}"
         "#landing .scroll{overflow-x:auto;max-width:100%}"
         "#landing table{border-collapse:collapse;font-size:12px!important;line-height:1.25!important;"
         "margin:0!important;width:auto!important}"
         "#landing td,#landing th{border:1px solid #ccc;padding:2px 5px!important;white-space:nowrap;"
         "vertical-align:top}#landing td.c{white-space:normal;min-width:10em;max-width:16em}"
         "#landing a{font-weight:normal}</style>")


def landing(card: pd.DataFrame, links: dict) -> str:
    """The landing page's verdict table (an HTML fragment): headline, then per claim its id, kind, Holm verdict
    (coloured), effect [95% CI] in its unit, n_seeds, p_holm, and links to the report items of its tables.

    card: the scorecard (ptft.scorecard.COLUMNS). links: claim_id -> [(label, path)] (claim_links).
    """
    rows = []
    for r in card.itertuples():
        colour = COLOURS.get(r.verdict_holm, "")
        items = " · ".join(_link(path, label) for label, path in links.get(r.claim_id, []))
        rows.append(
            f"<tr id='landing-{r.claim_id}'><td>{html.escape(r.claim_id)}</td><td>{html.escape(r.kind)}</td>"
            f"<td style='background-color:{colour}'><b>{r.verdict_holm}</b></td>"
            f"<td>{interval(r)}</td><td class='c'>{html.escape(str(r.unit))}</td><td>{r.n_seeds}</td>"
            f"<td>{'–' if pd.isna(r.p_holm) else f'{r.p_holm:.2g}'}</td><td class='c'>{items or '–'}</td></tr>")
    legend = " ".join(f"<span style='background-color:{COLOURS[v]};padding:0 4px'>{v}</span>" for v in VERDICTS)
    head = "".join(f"<th>{h}</th>" for h in ("claim", "kind", "verdict (Holm)", "effect [95% CI]", "unit", "seeds",
                                               "p (Holm)", "figures · tables"))
    return (f"{STYLE}<div id='landing'><h2>Verdicts</h2><p>{html.escape(headline(card))}</p><p>{legend}</p>"
            f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            "<p>Each claim's domain, test and numbers: the Scorecard category (results/scorecard.html).</p></div>")


def claim_links(card: pd.DataFrame, needs: dict, items: dict) -> dict:
    """claim_id -> [(label, path)]: the report items made from the tables the claim reads.

    needs: claim_id -> table names; items: table name -> [(label, path)] (declared beside the report rules)."""
    return {c: list(dict.fromkeys(tuple(item) for table in needs.get(c, ()) for item in items.get(table, [])))
            for c in card["claim_id"]}
