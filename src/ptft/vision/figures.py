"""Figures of the vision arm: FT test accuracy vs n (the shared deep figure, one panel per dataset) and ENSD vs n
per layer, mean ± Student-t 95% CI over seeds."""

import matplotlib.pyplot as plt

from ptft import plotting
from ptft.deep import figures as deep
from ptft.vision.runs import AXES


def accuracy_vs_n(long, sweep: str):
    """The shared deep figure with size axis n (log) and one panel per dataset; dashed: the linear probe on the
    frozen PT features (probe_test_acc) of each line's PT checkpoint."""
    return deep.acc_vs_size(long, sweep, AXES, baseline="probe_test_acc", log_x=True,
                            caption="solid: fine-tuned · dashed: linear probe of the frozen PT model")


def ensd_vs_n(long, sweep: str, layers):
    """Rows = datasets, columns = layers: ENSD (FT start vs fine-tuned) vs n, one line per value of the sweep's knob.
    long: ENSD rows with the sweep columns of ptft.deep.runs.sweep_rows."""
    plotting.setup()
    rows = long[long["sweep"] == sweep]
    datasets, palette = sorted(rows["dataset"].unique()), deep.colours(rows["value"])
    fig, axes = plt.subplots(len(datasets), len(layers), figsize=(3.2 * len(layers), 2.9 * len(datasets)),
                             squeeze=False, sharex=True)
    for i, name in enumerate(datasets):
        for j, layer in enumerate(layers):
            ax = axes[i, j]
            deep.errorbars(ax, rows[(rows["dataset"] == name) & (rows["layer"] == layer)], "n", "ensd", "value",
                           palette, log_x=True)
            ax.set(title=f"{name} · {layer}", xlabel=plotting.label("n"), ylabel="ENSD (FT start vs fine-tuned)")
            ax.title.set_fontsize(9)
    axes[0, -1].legend(title=plotting.label(rows["knob"].iloc[0]), fontsize=7)
    fig.tight_layout()
    return fig
