"""Tidy results of the modarith arm: the FT and PT jobs' tables joined into one row per run (collected by
ptft.deep.results), the PT per-operation summaries, and the scale note every figure prints."""

import pandas as pd

from ptft.deep.runs import KNOBS
from ptft.modarith.runs import PT_KEYS, pt_schedule, pt_tasks
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
