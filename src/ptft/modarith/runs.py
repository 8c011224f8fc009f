"""Run tables of the modarith arm: the config's grid expanded into PT runs, FT runs and the jobs that batch them.

The shared design (ptft.deep.runs): knob settings one sweep at a time around `base`, `pt_id` / `ft_id` per run,
`pt_job` / `ft_job` per scheduled job. Here a PT job is one PT task (an ensemble of its members) and an FT job one
(family, ft_train_frac). PT runs depend on (pt_task, seed, alpha_rel, c_pt) only, so families that pretrain on the
same task share them and γ_ft never re-runs a pretraining.
"""

import pandas as pd

from ptft import grid
from ptft.deep.knobs import KNOBS
from ptft.deep.runs import Axes, knob_settings
from ptft.modarith.tasks import task_ops

# FT data size: the share of the unordered pairs; panels and within-seed matching: task families.
AXES = Axes(size="ft_train_frac", panel="family")
PT_KEYS = ("pt_task", "seed", "alpha_rel", "c_pt")


def ft_runs(*, p: int, families: dict, seeds, ft_train_frac, base: dict, sweeps: dict,
            sweep_families=None) -> pd.DataFrame:
    """One row per FT run: family, pt_task, ft_task, seed, knobs, ft_train_frac, ft_id, pt_id, ft_job.

    The families in `sweep_families` (None: all) run every knob setting, the others the base only (controls).
    """
    swept = list(families) if sweep_families is None else list(sweep_families)
    settings = knob_settings(base, sweeps)
    fam = pd.concat([pd.DataFrame([{"family": name, **spec}]).merge(
        settings if name in swept else settings.iloc[:1], how="cross") for name, spec in families.items()],
        ignore_index=True)
    table = (fam
             .merge(pd.DataFrame({"seed": list(seeds)}), how="cross")
             .merge(pd.DataFrame({"ft_train_frac": list(ft_train_frac)}), how="cross")
             .assign(p=p))
    table = grid.with_ids(table, ["p", "family", "pt_task", "ft_task", "seed", *KNOBS, "ft_train_frac"], name="ft_id")
    table = grid.with_ids(table, ["p", *PT_KEYS], name="pt_id")
    # One FT job per (family, ft_train_frac): its members share the data size, so none is padded.
    return grid.with_ids(table, ["p", "family", "ft_train_frac"], name="ft_job")


def pt_runs(ft: pd.DataFrame) -> pd.DataFrame:
    """The distinct PT runs the FT table needs, with `pt_job` = the PT task (one job per task)."""
    pt = ft.drop_duplicates("pt_id")[["p", *PT_KEYS, "pt_id"]].reset_index(drop=True)
    return pt.assign(pt_job=pt["pt_task"])


def pt_ops(pt: pd.DataFrame) -> list[tuple]:
    """(pt_id, op) for every PT run and every operation of its PT task: the rows of the per-operation accuracies."""
    return [(pt_id, op) for pt_id, task in zip(pt["pt_id"], pt["pt_task"]) for op in task_ops(task)]


def pt_tasks(section: dict) -> list[str]:
    """The PT tasks the families pretrain (one PT job each), sorted."""
    return sorted({family["pt_task"] for family in section["families"].values()})


def pt_schedule(section: dict, pt_task: str) -> dict:
    """The PT schedule of one PT task: `pt`, with that task's keys of `pt_by_task` (e.g. more steps for a mixture)
    replacing their values."""
    return {**section["pt"], **section.get("pt_by_task", {}).get(pt_task, {})}


# What a job reads of the `modarith` section besides its members; nothing else may key it (an unread setting
# reruns no job): a PT job trains (pt_member, the PT split), an FT job trains from it and probes it (ft_member, head).
PT_SETTINGS = ("p", "pt_train_frac", "model", "early_layers")
FT_SETTINGS = ("p", "pt_train_frac", "model", "ft", "head")


def settings(section: dict, phase: str, job: str) -> dict:
    """The settings of one PT job (`job` = its PT task: PT_SETTINGS and its `pt_schedule`, so editing one task's
    schedule reruns that PT job and its FT jobs only) or FT job (FT_SETTINGS), as ptft.modarith.jobs reads them."""
    if phase == "pt":
        return {**{k: section[k] for k in PT_SETTINGS}, "pt": pt_schedule(section, job)}
    return {k: section[k] for k in FT_SETTINGS}


def tables(section: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pt, ft) run tables of a validated `modarith` config section."""
    ft = ft_runs(p=section["p"], families=section["families"], seeds=section["seeds"],
                 ft_train_frac=section["ft_train_frac"], base=section["base"], sweeps=section["sweeps"],
                 sweep_families=section.get("sweep_families"))
    return pt_runs(ft), ft


def workdir(phase: str, job: str, settings: dict, rows: list[dict]) -> str:
    """Checkpoint + history folder of a job; other settings or members give another one (never a stale resume)."""
    key = grid.run_id({"settings": settings, "members": rows}, length=12)
    return f"results/modarith/.work/{phase}/{job}/{key}"


def pt_model(ft: pd.DataFrame, ft_job: str) -> str:
    """The PT ensemble an FT job starts from (one PT task per FT job)."""
    (pt_task,) = set(ft.loc[ft["ft_job"] == ft_job, "pt_task"])
    return f"results/modarith/pt/{pt_task}/model.pt"
