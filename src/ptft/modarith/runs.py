"""The experiment design of the modarith arm (`DESIGN`, ptft.deep.design): the config's grid expanded into PT runs,
FT runs and the jobs that batch them.

Knob settings one sweep at a time around `base` (ptft.deep.runs), `pt_id` / `ft_id` per run, `pt_job` / `ft_job` per
scheduled job. Here a PT job is one PT task at one PT knob setting (alpha_rel, c_pt), an ensemble of its seeds, and
an FT job one family, an ensemble per ft_train_frac (equal data sizes within one), started from the PT jobs of its
members. PT runs depend on (pt_task, seed, alpha_rel, c_pt) only, so families that pretrain on the same task share
them and γ_ft never re-runs a pretraining.
Where c_pt acts is the policy `policies.c_pt` (REFERENCE §5): `ft_start` (the authors' `--finetune_scaling`)
multiplies the loaded PT model at the start of FT, so every c_pt fine-tunes from the c_pt = 1 PT run and the c_pt
sweep costs FT runs only; `pt_init` [ours] scales the PT initialisation, one PT run per c_pt.
"""

import pandas as pd

from ptft import grid
from ptft.deep.design import Design
from ptft.deep.runs import KNOBS, Axes, knob_settings
from ptft.modarith.tasks import task_ops

# FT data size: the share of the unordered pairs; panels and within-seed matching: task families.
AXES = Axes(size="ft_train_frac", panel="family")
PT_KEYS = ("pt_task", "seed", "alpha_rel", "c_pt")  # c_pt: the scale of the PT initialisation (1 under ft_start)
C_PT_POLICIES = ("ft_start", "pt_init")


def pt_view(ft: pd.DataFrame, c_pt_policy: str) -> pd.DataFrame:
    """FT runs as their PT run sees them: c_pt is the FT run's under `pt_init`, 1 under `ft_start` (the PT
    initialisation is unscaled; FT multiplies the loaded model instead)."""
    if c_pt_policy not in C_PT_POLICIES:
        raise ValueError(f"c_pt policy {c_pt_policy!r}; expected one of {list(C_PT_POLICIES)}")
    return ft if c_pt_policy == "pt_init" else ft.assign(c_pt=1.0)


def ft_runs(*, p: int, families: dict, seeds, ft_train_frac, base: dict, sweeps: dict, c_pt_policy: str,
            sweep_families=None) -> pd.DataFrame:
    """One row per FT run: family, pt_task, ft_task, seed, knobs, ft_train_frac, ft_id, pt_id, pt_job, ft_job.

    The families in `sweep_families` (None: all) run every knob setting, the others the base only (controls).
    `c_pt_policy` (C_PT_POLICIES) keys the FT run (where c_pt acts changes what it computes) and decides its PT run.
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
    keys = ["p", "family", "pt_task", "ft_task", "seed", *KNOBS, "ft_train_frac", "c_pt_policy"]
    table = grid.with_ids(table.assign(c_pt_policy=c_pt_policy), keys, name="ft_id").drop(columns="c_pt_policy")
    pt = pt_view(table, c_pt_policy)
    table = table.assign(pt_id=grid.with_ids(pt, ["p", *PT_KEYS], name="pt_id")["pt_id"],
                         pt_job=[pt_job(*k) for k in zip(pt["pt_task"], pt["alpha_rel"], pt["c_pt"])])
    # One FT job per family (ptft.modarith.jobs.finetune trains one ensemble per ft_train_frac in it, so none is
    # padded): one job start-up (≈ 5 s: torch and its compiler stack, the data) per family, not per fraction.
    return table.assign(ft_job=[ft_job(p, family) for family in table["family"]])


def ft_job(p: int, family: str) -> str:
    """The FT job of an FT run: one per family, named by the hash of (p, family)."""
    return grid.run_id({"p": p, "family": family})


def pt_job(pt_task: str, alpha_rel: float, c_pt: float) -> str:
    """The PT job of a PT run: one per PT task and PT knob setting, so a swept mixture (8 seeds × 3000 steps per
    setting) is three jobs of one PT run's length each, not one job three times as long; named for its folder."""
    return f"{pt_task}-alpha_rel{alpha_rel:g}-c_pt{c_pt:g}"


def pt_runs(ft: pd.DataFrame, c_pt_policy: str) -> pd.DataFrame:
    """The distinct PT runs the FT table needs, each with its `pt_job` (c_pt: the scale of its initialisation)."""
    return pt_view(ft, c_pt_policy).drop_duplicates("pt_id")[["p", *PT_KEYS, "pt_id", "pt_job"]].reset_index(drop=True)


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


def ft_schedule(section: dict, family: str) -> dict:
    """The FT schedule of one family: `ft`, with that family's keys of `ft_by_family` (e.g. more steps where FT must
    build features the PT model lacks) replacing their values; the probe follows the same schedule."""
    return {**section["ft"], **section.get("ft_by_family", {}).get(family, {})}


# What a job reads of the `modarith` section besides its members; nothing else may key it (an unread setting
# reruns no job): a PT job trains (pt_member, the PT split), an FT job trains from it and probes it (ft_member, head).
PT_SETTINGS = ("p", "pt_train_frac", "model", "early_layers")
FT_SETTINGS = ("p", "pt_train_frac", "model", "head", "policies")


def settings(section: dict, phase: str, job: str) -> dict:
    """What one PT job reads (PT_SETTINGS and its PT task's `pt_schedule`, so editing one task's schedule reruns that
    task's PT jobs and their FT jobs only) or one FT job (FT_SETTINGS and its family's `ft_schedule`), as
    ptft.modarith.jobs reads them. `policies` is an FT setting only: a PT run at c_pt = 1 is the same under both."""
    if phase == "pt":
        return {**{k: section[k] for k in PT_SETTINGS}, "pt": pt_schedule(section, _owner(section, phase, job))}
    return {**{k: section[k] for k in FT_SETTINGS}, "ft": ft_schedule(section, _owner(section, phase, job))}


def _owner(section: dict, phase: str, job: str) -> str:
    """The PT task of a PT job, the family of an FT job: what picks its schedule (from the job names alone, without
    the run tables)."""
    if phase == "pt":
        knobs = knob_settings(section["base"], section["sweeps"])[["alpha_rel", "c_pt"]].drop_duplicates()
        owners = {pt_job(task, a, c): task for task in pt_tasks(section) for a, c in knobs.itertuples(index=False)}
    else:
        owners = {ft_job(section["p"], family): family for family in section["families"]}
    return owners[job]


def ft_table(section: dict) -> pd.DataFrame:
    """One row per FT run of a validated `modarith` config section (ft_runs)."""
    return ft_runs(p=section["p"], families=section["families"], seeds=section["seeds"],
                   ft_train_frac=section["ft_train_frac"], base=section["base"], sweeps=section["sweeps"],
                   c_pt_policy=section["policies"]["c_pt"], sweep_families=section.get("sweep_families"))


def pt_table(section: dict) -> pd.DataFrame:
    """One row per PT run the FT runs start from, with its `pt_job` (pt_runs)."""
    return pt_runs(ft_table(section), section["policies"]["c_pt"])


def pt_models(ft: pd.DataFrame, ft_job: str) -> list[str]:
    """The PT ensembles an FT job starts from (one per PT knob setting of its members), sorted."""
    jobs = set(ft.loc[ft["ft_job"] == ft_job, "pt_job"])
    return [f"results/modarith/pt/{job}/model.pt" for job in sorted(jobs)]


# Members run as one vmapped ensemble and resume from its one checkpoint; the probe trains the FT run's own readout.
DESIGN = Design(arm="modarith", axes=AXES, pt_table=pt_table, ft_table=ft_table, settings=settings,
                order={"pt": "pt_id", "ft": "ft_id"}, batching="ensemble", resume="per_job", probe="ft_readout")
