"""The deep arms' shared figure: FT test accuracy vs the arm's FT data size, one panel per value of its panel column,
one line (mean ± Student-t 95% CI over seeds) per value of a sweep's knob, the linear probe dashed beside each."""

import matplotlib.pyplot as plt
import pandas as pd

from ptft import plotting
from ptft.deep.runs import Axes
from ptft.stats import mean_ci


def colours(values) -> dict:
    """One colour per hue level, the same in every panel of a figure."""
    return {v: f"C{i}" for i, v in enumerate(sorted(pd.unique(values)))}


def errorbars(ax, df: pd.DataFrame, x: str, y: str, hue: str, palette: dict, *, log_x: bool = False,
              baseline: str | None = None) -> None:
    """Mean ± Student-t 95% CI over runs per (hue level, x); `baseline` dashed in the same colour, no markers."""
    for level, group in df.groupby(hue):
        s = mean_ci(group, x, y)
        ax.errorbar(s[x], s["mean"], yerr=s["ci95"], marker="o", capsize=2, label=f"{level:g}", color=palette[level])
        if baseline is not None:
            b = mean_ci(group, x, baseline)
            ax.plot(b[x], b["mean"], ls="--", color=palette[level], alpha=0.8)
    if log_x:
        ax.set_xscale("log")
        ticks = sorted(df[x].unique())
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()


def panel_order(panels, present) -> list:
    """The configured panel order (None: order of appearance), restricted to the values present."""
    present = list(dict.fromkeys(present))
    return [p for p in panels if p in present] if panels else present


def acc_vs_size(long: pd.DataFrame, sweep: str, axes: Axes, *, panels=None, baseline: str | None = None,
                reference: str | None = None, log_x: bool = False, title=None, caption: str = ""):
    """One panel per value of the arm's panel column (in the order `panels`, None: as they appear): FT test accuracy
    vs its size axis, hue = the value of the sweep's knob; `baseline` (e.g. probe_test_acc) dashed in the hue's
    colour; `reference` (e.g. the PT model's own accuracy on the FT task) a dotted grey level where a panel has one.

    long: ptft.deep.runs.sweep_rows output (columns sweep, knob, value). title(panel_value, rows) -> panel title.
    Returns the figure (axes: one per panel).
    """
    plotting.setup()
    size, panel = axes.size, axes.panel
    rows = long[long["sweep"] == sweep]
    names = panel_order(panels, rows[panel])
    fig, grid = plt.subplots(1, len(names), figsize=(3.8 * len(names), 3.3), sharey=True, squeeze=False)
    palette = colours(rows["value"])
    for ax, name in zip(grid[0], names):
        part = rows[rows[panel] == name]
        errorbars(ax, part, size, "test_acc", "value", palette, log_x=log_x, baseline=baseline)
        if reference is not None and part[reference].notna().any():
            ax.axhline(part[reference].mean(), ls=":", color="0.4")
        ax.set(title=title(name, part) if title else str(name), xlabel=plotting.label(size), ylim=(-0.02, 1.02))
    grid[0][0].set_ylabel(plotting.label("test_acc"))
    # The legend from the panel with the most levels (a panel may have run the base only).
    richest = max(grid[0], key=lambda ax: len(ax.get_legend_handles_labels()[0]))
    richest.legend(title=plotting.label(rows["knob"].iloc[0]), fontsize=8)
    if caption:
        fig.suptitle(caption, fontsize=7, color="0.4")
    fig.tight_layout()
    return fig
