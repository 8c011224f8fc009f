"""Tidy tables and figures of the modarith arm: FT test accuracy vs FT train fraction per knob sweep (the shared
deep figure, ptft.deep.figures, one panel per family); steps-to-generalise vs knob; PT test accuracy vs step
(grokking). Pure functions of DataFrames; figures.save writes."""

import matplotlib.pyplot as plt
import pandas as pd

from ptft import plotting
from ptft.deep import figures as deep
from ptft.deep.knobs import KNOBS
from ptft.modarith.runs import AXES, PT_KEYS, pt_schedule, pt_tasks
from ptft.stats import mean_ci

FINETUNE_COLUMNS = ["p", "family", "pt_task", "ft_task", "seed", *KNOBS, "ft_train_frac", "n_train", "test_acc",
                    "test_loss", "train_acc", "train_loss", "steps", "steps_to_generalise", "converged", "diverged",
                    "probe_test_acc", "probe_train_acc", "pt_ft_task_acc", "pt_retained_acc", "pt_test_acc",
                    "pt_min_op_acc", "ft_id", "pt_id", "ft_job", "wall_s"]


def tidy_finetune(ft: pd.DataFrame, pt: pd.DataFrame, ops: pd.DataFrame) -> pd.DataFrame:
    """One row per FT run with the final test accuracy of the PT run it started from (`pt_test_acc`) and that run's
    worst operation (`pt_min_op_acc`, from the per-operation accuracies `ops`: a mixture's mean hides a weak one)."""
    pt_acc = pt[["pt_id", "test_acc"]].rename(columns={"test_acc": "pt_test_acc"})
    worst = ops.groupby("pt_id")["test_acc"].min().rename("pt_min_op_acc").reset_index()
    out = (ft.merge(pt_acc, on="pt_id", how="left", validate="many_to_one")
           .merge(worst, on="pt_id", how="left", validate="many_to_one"))
    return out[FINETUNE_COLUMNS].sort_values(["family", *KNOBS, "ft_train_frac", "seed"], ignore_index=True)


def with_steps_to_generalise(runs: pd.DataFrame, evals: pd.DataFrame, key: str, generalise_acc: float) -> pd.DataFrame:
    """`runs` with steps_to_generalise: per run (`key`: pt_id or ft_id) the first evaluated step of its history
    `evals` whose test accuracy reaches generalise_acc; NaN where none did."""
    first = evals.loc[evals["test_acc"] >= generalise_acc].groupby(key)["step"].min()
    return runs.assign(steps_to_generalise=runs[key].map(first).astype(float))


def with_pt_keys(df: pd.DataFrame, pt: pd.DataFrame) -> pd.DataFrame:
    """Rows keyed by pt_id (per-operation accuracies, evaluations) with the PT run's task, seed and knobs."""
    return pt[["pt_id", *PT_KEYS]].merge(df, on="pt_id", validate="one_to_many")


def pt_summary(ops: pd.DataFrame, bar: float) -> pd.DataFrame:
    """PT test accuracy per PT task, operation and knobs: mean, std, n_runs, Student-t ci95, the worst run and
    `n_below` (runs under `bar`: the mean hides a seed that did not generalise)."""
    by = ["pt_task", "op", "alpha_rel", "c_pt"]
    worst = ops.groupby(by)["test_acc"].agg(min="min", n_below=lambda acc: int((acc < bar).sum())).reset_index()
    return mean_ci(ops, by, "test_acc").merge(worst, on=by)


def pt_seeds(ops: pd.DataFrame) -> pd.DataFrame:
    """PT test accuracy of every PT run, one row per PT task, knobs and seed, one column per operation."""
    return (ops.pivot_table(index=["pt_task", "alpha_rel", "c_pt", "seed"], columns="op", values="test_acc")
            .reset_index().rename_axis(columns=None))


def scale_note(section: dict) -> str:
    """The config's figure_note and the run's scale, printed on every figure (the default is a reduced demo)."""
    m = section["model"]
    steps = {task: pt_schedule(section, task)["steps"] for task in pt_tasks(section)}
    pt_steps = " ".join([str(section["pt"]["steps"])] + [
        f"({task}: {n})" for task, n in steps.items() if n != section["pt"]["steps"]])
    scale = (f"p = {section['p']}, {len(section['seeds'])} seeds, d_model = {m['d_model']}, {m['n_layers']} layer(s), "
             f"PT {pt_steps} / FT {section['ft']['steps']} full-batch steps")
    return " · ".join(s for s in (section["figure_note"], scale) if s)


def acc_vs_frac(long: pd.DataFrame, sweep: str, families=None):
    """The shared deep figure with size axis ft_train_frac and one panel per family: FT test accuracy, dashed the
    linear probe of the frozen PT model on the same pairs, dotted grey the PT model's own accuracy on the FT task
    where it has one (FT task ∈ PT task)."""
    return deep.acc_vs_size(long, sweep, AXES, panels=families,
                            baseline="probe_test_acc", reference="pt_ft_task_acc",
                            title=lambda family, r: f"{family}: {r['pt_task'].iloc[0]} → {r['ft_task'].iloc[0]}",
                            caption="solid: fine-tuned · dashed: linear probe of the frozen PT model · dotted: PT "
                            "model's own accuracy")


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
    families, sweeps = deep.panel_order(families, long["family"]), list(dict.fromkeys(long["sweep"]))
    fig, axes = plt.subplots(len(families), len(sweeps), figsize=(3.4 * len(sweeps), 2.8 * len(families)),
                             squeeze=False, sharey=True)
    for i, family in enumerate(families):
        for j, sweep in enumerate(sweeps):
            rows = long[(long["family"] == family) & (long["sweep"] == sweep)].dropna(subset=["steps_to_generalise"])
            ax = axes[i][j]
            if len(rows):
                deep.errorbars(ax, rows, "value", "steps_to_generalise", "ft_train_frac",
                               deep.colours(long["ft_train_frac"]), log_x=True)
            else:
                ax.text(0.5, 0.5, f"no run reached\ntest accuracy ≥ {generalise_acc:g}", ha="center",
                        va="center", transform=ax.transAxes, color="0.4")
            knob = long.loc[long["sweep"] == sweep, "knob"].iloc[0]
            ax.set(title=f"{family} · {sweep}", xlabel=plotting.label(knob))
            ax.set_ylim(bottom=0)  # steps are ≥ 0; an interval over 2–3 runs that reached it can reach below
        axes[i][0].set_ylabel(f"FT steps to test acc ≥ {generalise_acc:g}")
    handles, labels = max((ax.get_legend_handles_labels() for ax in axes.flat), key=lambda hl: len(hl[0]))
    fig.tight_layout()
    if handles:  # beside the panels, not over a title (saved with bbox_inches="tight", so it stays in the file)
        fig.legend(handles, labels, title=plotting.label("ft_train_frac"), loc="upper left", bbox_to_anchor=(1.0, 1.0),
                   fontsize=8)
    return fig


def save(fig, paths, *, note: str) -> None:
    plotting.save(fig, list(paths), data_source="generated", note=note)
