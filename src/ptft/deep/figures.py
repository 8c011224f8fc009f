"""The deep arms' shared figure: per panel value (dataset, family) one row of three plots — FT test accuracy vs the
arm's data size (mean ± Student-t 95% CI over seeds, one line per value of the sweep's knob, the linear probe
dashed), then what the claims decide: the knob's effect paired within seed (value − reference) and fine-tuning
minus the probe paired within run, each with its Student-t interval and a zero line."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ptft import plotting
from ptft.deep.effects import knob_effects, probe_effects
from ptft.deep.runs import Axes
from ptft.stats import mean_ci

INTERVALS = ("bars: mean ± Student-t 95% CI over seeds; Δ plots: the claims' pairing within seed, Student-t 95% CI "
             "over seeds")
PANEL_SIZE = (3.4, 2.7)  # inches per plot: three across fit a 10-inch page column at 150 dpi


def colours(values) -> dict:
    """One colour per hue level, the same in every panel of a figure."""
    return {v: f"C{i}" for i, v in enumerate(sorted(pd.unique(values)))}


def clipped_yerr(mean, half, low: float = 0.0, high: float = 1.0):
    """Asymmetric error bars of mean ± half cut at [low, high] (an accuracy interval past 1 is a t artefact at few
    seeds); returns (yerr, whether any bar was cut)."""
    mean, half = np.asarray(mean, float), np.nan_to_num(np.asarray(half, float))
    lower, upper = np.maximum(mean - half, low), np.minimum(mean + half, high)
    cut = bool(np.any(mean - half < low - 1e-12) or np.any(mean + half > high + 1e-12))
    return np.vstack([mean - lower, upper - mean]), cut


def log_ticks(ax, values) -> None:
    """A log x axis labelled at the values run (no minor ticks)."""
    ax.set_xscale("log")
    ticks = sorted(pd.unique(values))
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()


def errorbars(ax, df: pd.DataFrame, x: str, y: str, hue: str, palette: dict, *, log_x: bool = False,
              baseline: str | None = None, clip: tuple | None = None) -> bool:
    """Mean ± Student-t 95% CI over runs per (hue level, x); `baseline` dashed in the same colour, no markers;
    `clip` = (low, high) cuts the bars to that range. Returns whether a bar was cut."""
    cut = False
    for level, group in df.groupby(hue):
        s = mean_ci(group, x, y)
        yerr = s["ci95"]
        if clip is not None:
            yerr, was_cut = clipped_yerr(s["mean"], s["ci95"], *clip)
            cut |= was_cut
        ax.errorbar(s[x], s["mean"], yerr=yerr, marker="o", ms=4, capsize=2, label=f"{level:g}",
                    color=palette[level])
        if baseline is not None:
            b = mean_ci(group, x, baseline)
            ax.plot(b[x], b["mean"], ls="--", color=palette[level], alpha=0.8)
    if log_x:
        log_ticks(ax, df[x])
    return cut


def effect_lines(ax, effects: pd.DataFrame, x: str, palette: dict, *, log_x: bool) -> None:
    """Paired effects (ptft.deep.effects) vs x, one line per knob value, Student-t 95% CI, zero line; values
    dodged sideways so that their bars do not hide each other."""
    values = sorted(effects["value"].unique())
    for i, value in enumerate(values):
        e = effects[effects["value"] == value].sort_values(x)
        shift = (i - (len(values) - 1) / 2) * 0.04
        xs = e[x] * 10**shift if log_x else e[x] + shift * (effects[x].max() - effects[x].min() or 1)
        ax.errorbar(xs, e["effect"], yerr=[e["effect"] - e["ci_low"], e["ci_high"] - e["effect"]], marker="o",
                    ms=4, capsize=2, color=palette[value], label=f"{value:g}")
    ax.axhline(0, color="0.2", lw=0.8)
    lo, hi = ax.get_ylim()
    pad = 0.08 * (max(hi, 0) - min(lo, 0) or 1)
    ax.set_ylim(min(lo, -pad), max(hi, pad))  # zero always inside, never on the frame
    if log_x:
        log_ticks(ax, effects[x])


def _limits(ax, chance: float | None) -> None:
    """Accuracy axis fitted to the data (an effect of 0.03 must be visible), cut at 1, chance drawn and kept in
    range when it is near the data; otherwise named in the corner."""
    lo, hi = ax.get_ylim()
    hi = min(hi, 1.01)
    if chance is not None:
        if chance >= lo - 0.25:
            lo, hi = min(lo, chance - 0.02), max(hi, min(chance + 0.02, 1.01))
            ax.axhline(chance, color="0.5", lw=0.8, ls="-.")
        else:
            ax.text(0.02, 0.02, f"chance {chance:.2g} (below)", transform=ax.transAxes, fontsize=7, color="0.4")
    ax.set_ylim(max(lo, -0.01), hi)


def acc_vs_size(long: pd.DataFrame, sweep: str, axes: Axes, *, reference_value: float, panels=None,
                baseline: str | None = None, reference: str | None = None, log_x: bool = False, title=None,
                chance: float | None = None):
    """Rows = the values of the arm's panel column (order `panels`, None: as they appear); columns = FT test
    accuracy vs the size axis (hue = the sweep's knob value, `baseline` dashed, `reference` — e.g. the PT model's own
    accuracy on the FT task — dotted grey, `chance` dash-dotted), the knob's paired effect against
    `reference_value`, and (with a baseline) fine-tuning minus baseline paired per run.

    long: ptft.deep.runs.sweep_rows output. title(panel_value, rows) -> row title. Returns (figure, notes): notes
    say what the figure's footer must (clipped intervals, panels with no reference runs).
    """
    plotting.setup()
    size, panel = axes.size, axes.panel
    rows = long[long["sweep"] == sweep]
    names = panel_order(panels, rows[panel])
    ncol = 3 if baseline else 2
    fig, grid = plt.subplots(len(names), ncol, figsize=(PANEL_SIZE[0] * ncol, PANEL_SIZE[1] * len(names)),
                             squeeze=False)
    palette, knob = colours(rows["value"]), rows["knob"].iloc[0]
    effects = knob_effects(rows, axes, reference_value)
    probe = probe_effects(rows, axes, baseline) if baseline else None
    cut, notes = False, []
    for row, name in zip(grid, names):
        part = rows[rows[panel] == name]
        cut |= errorbars(row[0], part, size, "test_acc", "value", palette, log_x=log_x, baseline=baseline, clip=(0, 1))
        if reference is not None and part[reference].notna().any():
            row[0].axhline(part[reference].mean(), ls=":", color="0.4")
        _limits(row[0], chance)
        row[0].set(title=title(name, part) if title else str(name), ylabel=plotting.label("test_acc"))
        mine = effects[effects[panel] == name]
        if len(mine):
            effect_lines(row[1], mine, size, palette, log_x=log_x)
            row[1].set(ylabel="Δ test accuracy")
        else:
            why = ("only the reference ran here" if set(part["value"]) == {reference_value} else
                   f"no run at {plotting.label(knob)} = {reference_value:g}")
            row[1].text(0.5, 0.5, f"{why}:\nno effect to pair", ha="center", va="center", transform=row[1].transAxes,
                        color="0.4")
            row[1].set(xticks=[], yticks=[])
            notes.append(f"{name}: {why}")
        row[1].set_title(f"paired: acc({plotting.label(knob)}) − acc(= {reference_value:g})")
        if probe is not None:
            effect_lines(row[2], probe[probe[panel] == name], size, palette, log_x=log_x)
            row[2].set(title="paired: fine-tuned − linear probe", ylabel="Δ test accuracy")
        for ax in row:
            ax.title.set_fontsize(9)
            ax.set_xlabel(plotting.label(size))
    grid[0][0].legend(title=plotting.label(knob), fontsize=7, title_fontsize=7)
    if cut:
        notes.append("accuracy intervals cut at [0, 1]")
    if len(effects) and (effects["n_seeds"] < 2).any():
        notes.append("Δ points from a single seed have no interval")
    fig.tight_layout()
    return fig, notes


def panel_order(panels, present) -> list:
    """The configured panel order (None: order of appearance), restricted to the values present."""
    present = list(dict.fromkeys(present))
    return [p for p in panels if p in present] if panels else present
