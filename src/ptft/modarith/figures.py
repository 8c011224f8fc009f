"""Tidy tables and figures of the modarith arm: FT test accuracy vs FT train fraction per knob sweep, one panel
per family, with the linear-probe baseline; steps-to-generalise vs knob; PT test accuracy vs step (grokking).
Pure functions of DataFrames; figures.save writes."""

import matplotlib.pyplot as plt
import pandas as pd

from ptft import plotting
from ptft.collect import status_counts
from ptft.modarith.runs import KNOBS
from ptft.stats import mean_ci

FINETUNE_COLUMNS = ["p", "family", "pt_task", "ft_task", "seed", *KNOBS, "ft_train_frac", "n_train", "test_acc",
                    "test_loss", "train_acc", "train_loss", "steps", "steps_to_generalise", "converged", "diverged",
                    "probe_test_acc", "probe_train_acc", "pt_ft_task_acc", "pt_retained_acc", "pt_test_acc", "run_id",
                    "pt_run_id", "ft_job", "wall_s"]
PT_KEYS = ["pt_task", "seed", "alpha_rel", "c_pt"]
CELL = ["family", "sweep", "knob", "value", "ft_train_frac"]


def tidy_finetune(ft: pd.DataFrame, pt: pd.DataFrame) -> pd.DataFrame:
    """One row per FT run with the final test accuracy of the PT run it started from (`pt_test_acc`)."""
    pt_acc = pt[["pt_run_id", "test_acc"]].rename(columns={"test_acc": "pt_test_acc"})
    out = ft.merge(pt_acc, on="pt_run_id", how="left", validate="many_to_one")
    return out[FINETUNE_COLUMNS].sort_values(["family", *KNOBS, "ft_train_frac", "seed"], ignore_index=True)


def with_pt_keys(df: pd.DataFrame, pt: pd.DataFrame) -> pd.DataFrame:
    """Rows keyed by pt_run_id (per-operation accuracies, evaluations) with the PT run's task, seed and knobs."""
    return pt[["pt_run_id", *PT_KEYS]].merge(df, on="pt_run_id", validate="one_to_many")


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


def summary(long: pd.DataFrame, value: str, baselines=()) -> pd.DataFrame:
    """Mean, std, Student-t 95% CI of `value` per cell; runs per cell (n_runs, n_converged, n_diverged), n_finite
    non-NaN values; the mean of each column in `baselines` (e.g. probe_test_acc) beside it."""
    stats = mean_ci(long, CELL, value).rename(columns={"n_runs": "n_finite"})
    out = status_counts(long, CELL).merge(stats, on=CELL)
    for column in baselines:
        out = out.merge(long.groupby(CELL, dropna=False)[column].mean().rename(column).reset_index(), on=CELL)
    return out


def pt_summary(ops: pd.DataFrame) -> pd.DataFrame:
    """PT test accuracy per PT task, operation and knobs: mean, std, n_runs, Student-t ci95, and the worst run."""
    by = ["pt_task", "op", "alpha_rel", "c_pt"]
    return mean_ci(ops, by, "test_acc").merge(ops.groupby(by)["test_acc"].min().rename("min").reset_index(), on=by)


def scale_note(scale: dict) -> str:
    """The run's scale, printed on every figure (the default config is a reduced demonstration)."""
    m = scale["model"]
    return (f"p = {scale['p']}, {len(scale['seeds'])} seeds, d_model = {m['d_model']}, {m['n_layers']} layer(s), "
            f"PT {scale['pt_steps']} / FT {scale['ft_steps']} full-batch steps")


def _colours(values) -> dict:
    """One colour per hue level, the same in every panel of a figure."""
    return {v: f"C{i}" for i, v in enumerate(sorted(pd.unique(values)))}


def _errorbars(ax, df: pd.DataFrame, x: str, y: str, hue: str, colours: dict, log_x: bool = False,
               baseline: str | None = None):
    """Mean ± Student-t 95% CI over seeds per hue level; `baseline` drawn dashed in the same colour, no markers."""
    for level, group in df.groupby(hue):
        s = mean_ci(group, x, y)
        ax.errorbar(s[x], s["mean"], yerr=s["ci95"], marker="o", capsize=2, label=f"{level:g}", color=colours[level])
        if baseline is not None:
            b = mean_ci(group, x, baseline)
            ax.plot(b[x], b["mean"], ls="--", color=colours[level], alpha=0.8)
    if log_x:
        ax.set_xscale("log")


def _order(families, present) -> list:
    """The config's family order (None: order of appearance), restricted to the families present."""
    present = list(dict.fromkeys(present))
    return [f for f in families if f in present] if families else present


def acc_vs_frac(long: pd.DataFrame, sweep: str, families=None):
    """One panel per family: FT test accuracy (mean ± 95% CI over seeds) vs FT train fraction, hue = knob value;
    dashed: the linear probe of the frozen PT model on the same pairs; dotted grey: the PT model's own accuracy
    on the FT task where it has one (FT task ∈ PT task)."""
    plotting.setup()
    rows = long[long["sweep"] == sweep]
    families = _order(families, rows["family"])
    fig, axes = plt.subplots(1, len(families), figsize=(3.6 * len(families), 3.2), sharey=True, squeeze=False)
    for ax, family in zip(axes[0], families):
        fam = rows[rows["family"] == family]
        _errorbars(ax, fam, "ft_train_frac", "test_acc", "value", _colours(rows["value"]), baseline="probe_test_acc")
        if "pt_ft_task_acc" in fam and fam["pt_ft_task_acc"].notna().any():
            ax.axhline(fam["pt_ft_task_acc"].mean(), ls=":", color="0.4")
        ax.set(title=f"{family}: {fam['pt_task'].iloc[0]} → {fam['ft_task'].iloc[0]}",
               xlabel=plotting.label("ft_train_frac"), ylim=(-0.02, 1.02))
    axes[0][0].set_ylabel(plotting.label("test_acc"))
    # The legend from the panel with the most levels (families outside sweep_families ran the base only).
    richest = max(axes[0], key=lambda ax: len(ax.get_legend_handles_labels()[0]))
    richest.legend(title=plotting.label(rows["knob"].iloc[0]), fontsize=8)
    fig.suptitle("solid: fine-tuned · dashed: linear probe of the frozen PT model · dotted: PT model's own accuracy",
                 fontsize=7, color="0.4")
    fig.tight_layout()
    return fig


def pt_grokking(evals: pd.DataFrame, base: dict, pt_train_frac: float):
    """PT test accuracy (mean ± 95% CI over seeds) vs step at the base knobs, one line per PT task (mixtures:
    the mean over their operations): generalisation to symmetric-held-out pairs, i.e. grokking."""
    plotting.setup()
    rows = evals[(evals["alpha_rel"] == base["alpha_rel"]) & (evals["c_pt"] == base["c_pt"])]
    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    for key in ("test_acc", "train_acc"):
        for task, group in rows.groupby("pt_task"):
            s = mean_ci(group, "step", key)
            ax.plot(s["step"], s["mean"], ls="-" if key == "test_acc" else ":", label=f"{task} ({key[:-4]})")
            ax.fill_between(s["step"], s["mean"] - s["ci95"], s["mean"] + s["ci95"], alpha=0.2)
    ax.axhline(0.95, color="0.5", lw=0.8, ls="--")
    ax.set(xlabel="PT step", ylabel="accuracy", ylim=(-0.02, 1.02),
           title=f"PT on {pt_train_frac:g} of the unordered pairs")
    ax.legend(fontsize=7)
    fig.tight_layout()
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
                _errorbars(ax, rows, "value", "steps_to_generalise", "ft_train_frac", _colours(long["ft_train_frac"]),
                           log_x=True)
            else:
                ax.text(0.5, 0.5, f"no run reached\ntest accuracy ≥ {generalise_acc:g}", ha="center",
                        va="center", transform=ax.transAxes, color="0.4")
            knob = long.loc[long["sweep"] == sweep, "knob"].iloc[0]
            ax.set(title=f"{family} · {sweep}", xlabel=plotting.label(knob))
        axes[i][0].set_ylabel(f"FT steps to test acc ≥ {generalise_acc:g}")
    handles, labels = max((ax.get_legend_handles_labels() for ax in axes.flat), key=lambda hl: len(hl[0]))
    if handles:
        fig.legend(handles, labels, title=plotting.label("ft_train_frac"), loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def save(fig, paths, *, note: str) -> None:
    plotting.save(fig, list(paths), data_source="generated", note=note)
