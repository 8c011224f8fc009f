"""Tidy tables and figures of the modarith arm: FT test accuracy vs FT train fraction per knob sweep, one panel
per family, and steps-to-generalise vs knob. Pure functions of DataFrames; figures.save writes."""

import matplotlib.pyplot as plt
import pandas as pd

from ptft import plotting
from ptft.collect import status_counts
from ptft.modarith.runs import KNOBS
from ptft.tables import mean_ci

FINETUNE_COLUMNS = ["p", "family", "pt_task", "ft_task", "seed", *KNOBS, "ft_train_frac", "n_train", "test_acc",
                    "test_loss", "train_acc", "train_loss", "steps", "steps_to_generalise", "converged", "diverged",
                    "pt_test_acc", "run_id", "pt_run_id", "ft_job", "wall_s"]
CELL = ["family", "sweep", "knob", "value", "ft_train_frac"]


def tidy_finetune(ft: pd.DataFrame, pt: pd.DataFrame) -> pd.DataFrame:
    """One row per FT run with the final test accuracy of the PT run it started from (`pt_test_acc`)."""
    pt_acc = pt[["pt_run_id", "test_acc"]].rename(columns={"test_acc": "pt_test_acc"})
    out = ft.merge(pt_acc, on="pt_run_id", how="left", validate="many_to_one")
    return out[FINETUNE_COLUMNS].sort_values(["family", *KNOBS, "ft_train_frac", "seed"], ignore_index=True)


def sweep_rows(ft: pd.DataFrame, base: dict, sweeps: dict) -> pd.DataFrame:
    """FT rows of each sweep (its knob at the listed values, the others at base), with sweep/knob/value columns.

    The base setting belongs to every sweep, so its rows appear once per sweep.
    """
    parts = []
    for name, sweep in sweeps.items():
        ((knob, values),) = sweep.items()
        keep = ft[knob].isin(values)
        for other in KNOBS:
            if other != knob:
                keep &= ft[other] == base[other]
        parts.append(ft[keep].assign(sweep=name, knob=knob, value=ft.loc[keep, knob]))
    return pd.concat(parts, ignore_index=True)


def summary(long: pd.DataFrame, value: str) -> pd.DataFrame:
    """Mean, std, 95% CI of `value` per cell, n runs per cell (n_converged, n_diverged), n_finite non-NaN values."""
    stats = mean_ci(long, CELL, value).rename(columns={"n": "n_finite"})
    return status_counts(long, CELL).merge(stats, on=CELL)


def pt_summary(pt: pd.DataFrame) -> pd.DataFrame:
    by = ["pt_task", "alpha_rel", "c_pt"]
    return status_counts(pt, by).merge(mean_ci(pt, by, "test_acc").drop(columns="n"), on=by)


def scale_note(scale: dict) -> str:
    """The run's scale, printed on every figure (the default config is a reduced demonstration)."""
    m = scale["model"]
    return (f"p = {scale['p']}, {len(scale['seeds'])} seeds, d_model = {m['d_model']}, {m['n_layers']} layer(s), "
            f"PT {scale['pt_steps']} / FT {scale['ft_steps']} full-batch steps")


def _errorbars(ax, df: pd.DataFrame, x: str, y: str, hue: str, log_x: bool = False) -> None:
    for level, group in df.groupby(hue):
        s = mean_ci(group, x, y)
        ax.errorbar(s[x], s["mean"], yerr=s["ci95"], marker="o", capsize=2, label=f"{level:g}")
    if log_x:
        ax.set_xscale("log")


def _order(families, present) -> list:
    """The config's family order (None: order of appearance), restricted to the families present."""
    present = list(dict.fromkeys(present))
    return [f for f in families if f in present] if families else present


def acc_vs_frac(long: pd.DataFrame, sweep: str, families=None):
    """One panel per family: FT test accuracy (mean ± 95% CI over seeds) vs FT train fraction, hue = knob value."""
    plotting.setup()
    rows = long[long["sweep"] == sweep]
    families = _order(families, rows["family"])
    fig, axes = plt.subplots(1, len(families), figsize=(3.6 * len(families), 3.2), sharey=True, squeeze=False)
    for ax, family in zip(axes[0], families):
        _errorbars(ax, rows[rows["family"] == family], "ft_train_frac", "test_acc", "value")
        ax.set(title=family, xlabel=plotting.label("ft_train_frac"), ylim=(-0.02, 1.02))
    axes[0][0].set_ylabel(plotting.label("test_acc"))
    axes[0][-1].legend(title=plotting.label(rows["knob"].iloc[0]), fontsize=8)
    return fig


def steps_vs_knob(long: pd.DataFrame, generalise_acc: float, families=None):
    """Rows = families, columns = sweeps: FT steps until test accuracy ≥ generalise_acc vs the knob, hue = fraction.

    Runs that never reach it are left out of the mean (the steps_to_generalise table counts them); a panel
    where none did says so.
    """
    plotting.setup()
    families, sweeps = _order(families, long["family"]), list(dict.fromkeys(long["sweep"]))
    fig, axes = plt.subplots(len(families), len(sweeps), figsize=(3.4 * len(sweeps), 2.8 * len(families)),
                             squeeze=False, sharey=True)
    for i, family in enumerate(families):
        for j, sweep in enumerate(sweeps):
            rows = long[(long["family"] == family) & (long["sweep"] == sweep)].dropna(subset=["steps_to_generalise"])
            ax = axes[i][j]
            if len(rows):
                _errorbars(ax, rows, "value", "steps_to_generalise", "ft_train_frac", log_x=True)
            else:
                ax.text(0.5, 0.5, f"no run reached\ntest accuracy ≥ {generalise_acc:g}", ha="center",
                        va="center", transform=ax.transAxes, color="0.4")
            knob = long.loc[long["sweep"] == sweep, "knob"].iloc[0]
            ax.set(title=f"{family} · {sweep}", xlabel=plotting.label(knob))
        axes[i][0].set_ylabel(f"FT steps to test acc ≥ {generalise_acc:g}")
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, title=plotting.label("ft_train_frac"), loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def save(fig, paths, *, note: str) -> None:
    plotting.save(fig, list(paths), data_source="generated", note=note)
