"""The scorecard as a figure: what each claim decides. One row per claim, on the claim's own axis and unit: the
effect with its 95% interval against 0 (a directional claim) or against its margin (an agreement claim, shaded),
on an axis centred on 0, coloured by the verdict after Holm. A claim that was not run keeps its row, marked so."""

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np
import pandas as pd

from ptft import plotting
from ptft.claim import COUNT, EQUIVALENCE, NON_INFERIORITY
from ptft.provenance import merge_sources
from ptft.stats import CONFIDENCE, FAIL, INCONCLUSIVE, METHOD, NOT_RUN, PASS

# Saturated, for marks and text (ptft.scorecard.COLOURS are the HTML table's light backgrounds of the same verdicts).
INK = {PASS: "#1a7f37", FAIL: "#cf222e", INCONCLUSIVE: "#6e7781", NOT_RUN: "#afb8c1"}
ROW_INCHES = 0.42


def _reach(row) -> float:
    """Half-width of a row's axis, centred on 0 so that every row reads alike (left of the line: below 0): the
    interval, the effect and the margin band, padded by 15%."""
    points = np.abs([row.effect, row.ci_low, row.ci_high, row.margin])
    points = points[np.isfinite(points)]
    return 1.15 * points.max() if len(points) and points.max() > 0 else 1.0


def _row(ax, row) -> None:
    colour = INK.get(row.verdict_holm, INK[NOT_RUN])
    ax.axvline(0.0, color="0.25", lw=0.8)
    reach = _reach(row)
    if row.decision in (EQUIVALENCE, NON_INFERIORITY):  # where the interval must lie to PASS
        ax.axvspan(-row.margin, row.margin if row.decision == EQUIVALENCE else reach, color="#ddf4e4", zorder=0)
    by_count = row.decision == COUNT  # the interval is reported beside a count that decides
    if np.isfinite(row.effect):
        if np.isfinite(row.ci_low) and np.isfinite(row.ci_high):
            ax.plot([row.ci_low, row.ci_high], [0, 0], color=colour, lw=1.5 if by_count else 2.5,
                    ls=":" if by_count else "-", solid_capstyle="butt")
        ax.plot([row.effect], [0], "o", color=colour, ms=5, mfc="white" if by_count else colour)
    ax.set_xlim(-reach, reach)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, symmetric=True))
    if not np.isfinite(row.effect):
        ax.set_xticks([])
    ax.set_yticks([])
    ax.set_ylim(-1, 1)
    ax.tick_params(axis="x", labelsize=7, pad=1)
    ax.grid(False)
    ax.text(-0.01, 0.5, f"{row.claim_id}\n{row.kind} · {row.unit}", transform=ax.transAxes, ha="right",
            va="center", fontsize=7)
    n = "exact" if row.n_seeds == "exact" else f"n = {row.n_seeds}"
    detail = ("arm off or settings absent" if row.verdict == NOT_RUN else
              f"{row.verdict} before Holm; {n}" + ("; by count" if by_count else ""))
    ax.text(1.01, 0.5, f"{row.verdict_holm}\n({detail})", transform=ax.transAxes,
            ha="left", va="center", fontsize=7, color=colour, fontweight="bold")


def figure(card: pd.DataFrame):
    """The figure of a scorecard table (ptft.scorecard.evaluate's rows, in its order)."""
    plotting.setup()
    fig, axes = plt.subplots(len(card), 1, figsize=(7.5, ROW_INCHES * len(card) + 0.8), squeeze=False)
    for ax, row in zip(axes[:, 0], card.itertuples()):
        _row(ax, row)
    fig.suptitle("What each claim decides", fontsize=10, y=1.0)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.42, right=0.78, hspace=1.1, top=1 - 0.45 / height, bottom=0.3 / height)
    return fig


NOTE = ("each row on its own axis, centred on 0 (line); shaded: where an agreement claim's interval must lie to PASS; "
        "hollow and dotted: an interval reported beside the count that decides; "
        f"{CONFIDENCE:.0%} intervals, {METHOD} (exact: theory, no seeds); colour: the verdict after Holm within each kind")


def data_source(card: pd.DataFrame) -> str:
    """The figure's data source, merged over its claims' as every provenance record merges its inputs'."""
    return merge_sources(*(s.strip() for v in card["data_source"].dropna() for s in str(v).split(",")))
