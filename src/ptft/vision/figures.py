"""Figures and summary tables of the vision arm: FT test accuracy and ENSD against n, mean ± 95% CI."""

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ptft import plotting
from ptft.collect import status_counts
from ptft.stats import mean_ci


def summary(df: pd.DataFrame, by, value: str | None = None) -> pd.DataFrame:
    """Per group: mean, std, ci95 (Student t, ptft.stats) of `value` (if given) and the run counts n_runs,
    n_converged, n_diverged (`n` stays this arm's FT sample size)."""
    out = status_counts(df, by) if "converged" in df else df.groupby(by).size().reset_index(name="n_runs")
    if value is not None:
        out = mean_ci(df, by, value).drop(columns="n_runs").merge(out, on=by)
    return out


YLABELS = {"test_acc": plotting.label("test_acc"), "ensd": "ENSD (FT start vs fine-tuned)"}


def _panel(ax, stats: pd.DataFrame, knob: str, y: str) -> None:
    palette = sns.color_palette("viridis", stats[knob].nunique())
    for (value, group), color in zip(stats.groupby(knob), palette):
        group = group.sort_values("n")
        ax.errorbar(group["n"], group["mean"], yerr=group["ci95"], marker="o", capsize=3, color=color,
                    label=f"{value:g}")
    ax.set_xscale("log")
    ax.set_xticks(sorted(stats["n"].unique()), [str(v) for v in sorted(stats["n"].unique())])
    ax.minorticks_off()
    ax.set_xlabel(plotting.label("n"))
    ax.set_ylabel(YLABELS[y])


def accuracy_vs_n(stats: pd.DataFrame, knob: str, probe: pd.DataFrame | None = None):
    """One panel per dataset: FT test accuracy vs n, one line per value of `knob`; `probe` (summary of probe_acc by
    dataset, n): the linear-probe baseline on the frozen PT features, dashed."""
    plotting.setup()
    datasets = sorted(stats["dataset"].unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 3.4), squeeze=False)
    for ax, name in zip(axes[0], datasets):
        _panel(ax, stats[stats["dataset"] == name], knob, "test_acc")
        if probe is not None:
            line = probe[probe["dataset"] == name].sort_values("n")
            ax.errorbar(line["n"], line["mean"], yerr=line["ci95"], color="grey", linestyle="--", capsize=3,
                        label="linear probe")
        ax.set_title(name)
    axes[0, -1].legend(title=plotting.label(knob), fontsize=8)
    fig.tight_layout()
    return fig


def ensd_vs_n(stats: pd.DataFrame, knob: str, layers):
    """Rows = datasets, columns = layers: ENSD (FT start vs fine-tuned) vs n, one line per `knob` value."""
    plotting.setup()
    datasets = sorted(stats["dataset"].unique())
    fig, axes = plt.subplots(len(datasets), len(layers), figsize=(3.2 * len(layers), 2.9 * len(datasets)),
                             squeeze=False, sharex=True)
    for i, name in enumerate(datasets):
        for j, layer in enumerate(layers):
            _panel(axes[i, j], stats[(stats["dataset"] == name) & (stats["layer"] == layer)], knob, "ensd")
            axes[i, j].set_title(f"{name} · {layer}", fontsize=9)
    axes[0, -1].legend(title=plotting.label(knob), fontsize=7)
    fig.tight_layout()
    return fig
