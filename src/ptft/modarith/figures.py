"""Figures of the modarith arm: FT test accuracy vs FT train fraction per knob sweep (the shared deep figure,
ptft.deep.figures, one row per family, with the claims' paired effects); steps-to-generalise vs knob; PT test
accuracy vs step (grokking). Pure functions of DataFrames; figures.save writes."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ptft import plotting
from ptft.deep import figures as deep
from ptft.deep.claims import REFERENCE
from ptft.modarith.runs import AXES
from ptft.stats import mean_ci


def acc_vs_frac(long: pd.DataFrame, sweep: str, families=None):
    """The shared deep figure with size axis ft_train_frac and one row per family: FT test accuracy, dashed the
    linear probe of the frozen PT model on the same pairs, dotted grey the PT model's own accuracy on the FT task
    where it has one (FT task ∈ PT task), dash-dotted chance 1/p; beside it the claims' paired effects.
    Returns (figure, footer notes)."""
    knob = long.loc[long["sweep"] == sweep, "knob"].iloc[0]
    return deep.acc_vs_size(long, sweep, AXES, reference_value=REFERENCE[knob], panels=families,
                            baseline="probe_test_acc", reference="pt_ft_task_acc", chance=1 / long["p"].iloc[0],
                            title=lambda family, r: f"{family}: {r['pt_task'].iloc[0]} → {r['ft_task'].iloc[0]}")


def pt_grokking(evals: pd.DataFrame, base: dict, pt_train_frac: float, chance: float | None = None):
    """PT test accuracy (mean ± 95% CI over seeds) vs step at the base knobs, one line per PT task (mixtures:
    the mean over their operations): generalisation to symmetric-held-out pairs, i.e. grokking."""
    plotting.setup()
    rows = evals[(evals["alpha_rel"] == base["alpha_rel"]) & (evals["c_pt"] == base["c_pt"])]
    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    for i, (task, group) in enumerate(rows.groupby("pt_task")):
        for key in ("test_acc", "train_acc"):  # one colour per task: test solid with its band, train dotted
            s = mean_ci(group, "step", key)
            ax.plot(s["step"], s["mean"], ls="-" if key == "test_acc" else ":", color=f"C{i}",
                    label=f"{task} ({key[:-4]})")
            if key == "test_acc":
                ax.fill_between(s["step"], np.clip(s["mean"] - s["ci95"], 0, 1),
                                np.clip(s["mean"] + s["ci95"], 0, 1), color=f"C{i}", alpha=0.2)  # cut at [0, 1]
    if chance is not None:
        ax.axhline(chance, color="0.5", lw=0.8, ls="-.", label="chance 1/p")
    ax.set(xlabel="PT step", ylabel="accuracy", ylim=(-0.02, 1.02),
           title=f"PT on {pt_train_frac:g} of the unordered pairs")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def reached(long: pd.DataFrame) -> pd.DataFrame:
    """Per (family, sweep): n_runs and how many reached the threshold (n_reached), in the figure's order."""
    return (long.groupby(["family", "sweep"], sort=False)["steps_to_generalise"]
            .agg(n_runs="size", n_reached="count").reset_index())


def steps_vs_knob(long: pd.DataFrame, generalise_acc: float, families=None):
    """One panel per (family, sweep) where some run reached test accuracy ≥ generalise_acc: FT steps until it did vs
    the knob, hue = FT train fraction, each run a small dot and the mean ± Student-t 95% CI over the runs that
    reached it. Cells where none did get no panel; the returned notes name them with their run counts.
    Returns (figure, footer notes)."""
    plotting.setup()
    counts = reached(long)
    order = deep.panel_order(families, long["family"])
    counts = counts.set_index("family").loc[[f for f in order if f in set(counts["family"])]].reset_index()
    shown = counts[counts["n_reached"] > 0]
    notes = [f"no run reached test accuracy ≥ {generalise_acc:g} in: " + ", ".join(
        f"{r.family} · {r.sweep} (0 of {r.n_runs})" for r in counts[counts["n_reached"] == 0].itertuples())
             ] if (counts["n_reached"] == 0).any() else []
    if shown.empty:
        fig, ax = plt.subplots(figsize=(4.0, 1.2))
        ax.axis("off")
        ax.text(0.5, 0.5, f"no run reached test accuracy ≥ {generalise_acc:g}", ha="center", va="center")
        return fig, notes
    ncol = min(3, len(shown))
    nrow = int(np.ceil(len(shown) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.3 * ncol, 2.7 * nrow), squeeze=False)
    palette = deep.colours(long["ft_train_frac"])
    for ax, r in zip(axes.flat, shown.itertuples()):
        rows = long[(long["family"] == r.family) & (long["sweep"] == r.sweep)]
        done = rows.dropna(subset=["steps_to_generalise"])
        for frac, group in done.groupby("ft_train_frac"):
            ax.plot(group["value"], group["steps_to_generalise"], ".", color=palette[frac], alpha=0.35, ms=4)
        deep.errorbars(ax, done, "value", "steps_to_generalise", "ft_train_frac", palette, log_x=True,
                       clip=(0, np.inf))
        ax.set_title(f"{r.family} · {r.sweep}: {r.n_reached} of {r.n_runs} runs reached it", fontsize=8)
        ax.set_xlabel(plotting.label(rows["knob"].iloc[0]))
        ax.set_ylabel(f"FT steps to test acc ≥ {generalise_acc:g}", fontsize=8)
        ax.set_ylim(bottom=0)
    for ax in axes.flat[len(shown):]:
        ax.remove()
    axes[0, 0].legend(title=plotting.label("ft_train_frac"), fontsize=7, title_fontsize=7)
    fig.tight_layout()
    return fig, notes


def save(fig, paths, *, note: str) -> None:
    plotting.save(fig, list(paths), data_source="generated", note=note)
