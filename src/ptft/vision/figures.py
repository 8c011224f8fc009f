"""Figures of the vision arm: FT test accuracy vs n with the claims' paired effects (the shared deep figure, one row
per dataset), and ENSD vs n per layer as a grid of small multiples, mean ± Student-t 95% CI over seeds."""

import matplotlib.pyplot as plt
import numpy as np

from ptft import plotting
from ptft.deep import figures as deep
from ptft.deep.claims import REFERENCE
from ptft.vision.runs import AXES

CHANCE = 0.5  # every FT task is binary (two classes, balanced test images)
ENSD_COLUMNS = 4  # small multiples per row


def accuracy_vs_n(long, sweep: str):
    """The shared deep figure with size axis n (log) and one row per dataset; dashed: the linear probe on the
    frozen PT features (probe_test_acc) of each line's PT checkpoint. Returns (figure, footer notes)."""
    knob = long.loc[long["sweep"] == sweep, "knob"].iloc[0]
    return deep.acc_vs_size(long, sweep, AXES, reference_value=REFERENCE[knob], baseline="probe_test_acc",
                            log_x=True, chance=CHANCE)


def merged_layers(rows, layers) -> list[list[str]]:
    """Layers in order, those whose ENSD equals the previous layer's on every run grouped together (avgpool of a
    ResNet's layer4 often does): one panel per group, named "layer4 = avgpool"."""
    groups: list[list[str]] = []
    for layer in layers:
        values = rows[rows["layer"] == layer].sort_values(["ft_id"])["ensd"].to_numpy()
        if groups:
            prev = rows[rows["layer"] == groups[-1][0]].sort_values(["ft_id"])["ensd"].to_numpy()
            if len(values) and values.shape == prev.shape and np.allclose(values, prev, rtol=1e-9, atol=0):
                groups[-1].append(layer)
                continue
        groups.append([layer])
    return groups


def ensd_vs_n(long, sweep: str, layers):
    """Small multiples: one panel per (dataset, layer group), ENSD (FT start vs fine-tuned) vs n, one line per value
    of the sweep's knob, each panel on its own y range (the layers differ by orders of magnitude).
    long: ENSD rows with the sweep columns of ptft.deep.runs.sweep_rows. Returns (figure, footer notes)."""
    plotting.setup()
    rows = long[long["sweep"] == sweep]
    datasets, palette = sorted(rows["dataset"].unique()), deep.colours(rows["value"])
    cells = [(d, group) for d in datasets for group in merged_layers(rows[rows["dataset"] == d], layers)]
    ncol = min(ENSD_COLUMNS, len(cells))
    nrow = int(np.ceil(len(cells) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(2.6 * ncol, 2.3 * nrow), squeeze=False)
    for ax, (name, group) in zip(axes.flat, cells):
        deep.errorbars(ax, rows[(rows["dataset"] == name) & (rows["layer"] == group[0])], "n", "ensd", "value",
                       palette, log_x=True)
        ax.set_title(f"{name} · {' = '.join(group)}", fontsize=8)
        ax.set_xlabel(plotting.label("n"), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(cells):]:
        ax.remove()
    axes[0, 0].set_ylabel("ENSD (FT start vs fine-tuned)", fontsize=8)
    axes[0, 0].legend(title=plotting.label(rows["knob"].iloc[0]), fontsize=6, title_fontsize=6)
    merged = [" = ".join(g) for _, g in cells if len(g) > 1]
    notes = [f"identical on every run, drawn once: {', '.join(sorted(set(merged)))}"] if merged else []
    fig.tight_layout()
    return fig, notes
