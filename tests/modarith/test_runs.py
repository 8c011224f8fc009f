"""Run tables: sizes, unique ids, shared PT runs, one fraction per FT job (exact checks)."""

import copy
from pathlib import Path

import pytest

from ptft import config
from ptft.deep.runs import KNOBS
from ptft.deep.runs import knob_settings, members
from ptft.modarith import runs
from ptft.modarith.runs import DESIGN

ROOT = Path(__file__).resolve().parents[2]
SECTION = config.load(ROOT / "config/config.yaml")["modarith"]


def tables(section: dict):
    """(pt, ft) run tables of the design."""
    return runs.pt_table(section), runs.ft_table(section)


def test_ft_and_pt_tables():
    pt, ft = tables(SECTION)
    n_settings = len(knob_settings(SECTION["base"], SECTION["sweeps"]))
    n_swept = len(SECTION["sweep_families"])
    n_rows = (n_swept * n_settings + len(SECTION["families"]) - n_swept)  # the others run the base only
    assert len(ft) == n_rows * len(SECTION["seeds"]) * len(SECTION["ft_train_frac"])
    assert (ft.loc[~ft["family"].isin(SECTION["sweep_families"]), list(KNOBS)] == 1.0).all().all()
    assert ft["ft_id"].is_unique and pt["pt_id"].is_unique
    assert set(ft["pt_id"]) == set(pt["pt_id"])
    # γ_ft does not change pretraining, and families with the same PT task share their PT runs.
    swept = {SECTION["families"][f]["pt_task"] for f in SECTION["sweep_families"]}
    other = {spec["pt_task"] for spec in SECTION["families"].values()} - swept
    # The policy: c_pt acts at FT start, so it keys no PT run.
    assert SECTION["policies"]["c_pt"] == "ft_start" and (pt["c_pt"] == 1.0).all()
    n_pt_knobs = len(knob_settings(SECTION["base"], SECTION["sweeps"])["alpha_rel"].unique())
    assert len(pt) == (len(swept) * n_pt_knobs + len(other)) * len(SECTION["seeds"])
    # One FT job per family, holding all its fractions (jobs.finetune: one ensemble per fraction).
    assert (ft.groupby("ft_job")["family"].nunique() == 1).all()
    assert ft["ft_job"].nunique() == len(SECTION["families"])
    assert (ft.groupby("ft_job")["ft_train_frac"].nunique() == len(SECTION["ft_train_frac"])).all()


def test_ids_are_stable_functions_of_the_parameters():
    assert tables(SECTION)[1]["ft_id"].tolist() == tables(dict(SECTION))[1]["ft_id"].tolist()
    changed = {**SECTION, "seeds": [99]}
    assert not set(tables(changed)[1]["ft_id"]) & set(tables(SECTION)[1]["ft_id"])


def test_members_are_plain_dicts_of_one_job():
    pt, _ = tables(SECTION)
    rows = members(pt, "pt_job", runs.pt_job("add", 1.0, 1.0), "pt_id")
    assert rows and all(r["pt_task"] == "add" and isinstance(r["seed"], int) for r in rows)
    assert sorted(r["seed"] for r in rows) == sorted(SECTION["seeds"])


def test_a_pt_job_is_one_task_at_one_pt_knob_setting():
    """Every seed of one (PT task, alpha_rel, c_pt): a swept mixture is three jobs as long as one, not one job three
    times as long; an FT job starts from the PT jobs of its members' knob settings, every one of them."""
    pt, ft = tables(SECTION)
    assert (pt.groupby("pt_job")[["pt_task", "alpha_rel", "c_pt"]].nunique() == 1).all().all()
    assert (pt.groupby("pt_job").size() == len(SECTION["seeds"])).all()
    for job, rows in ft.groupby("ft_job"):
        wanted = {f"results/modarith/pt/{j}/model.pt" for j in pt.loc[pt["pt_id"].isin(rows["pt_id"]), "pt_job"]}
        assert runs.pt_models(ft, job) == sorted(wanted)


def test_the_c_pt_policy_decides_the_pt_runs_and_keys_the_ft_runs():
    """ft_start (the authors'): every c_pt fine-tunes from the c_pt = 1 PT run, which is the pt_init run at c_pt = 1
    (same id, same job: PT reads no policy); pt_init [ours]: one PT run per c_pt. The FT runs differ, so their ids."""
    pt_init = edited("policies.c_pt", "pt_init")
    (pt_a, ft_a), (pt_b, ft_b) = tables(SECTION), tables(pt_init)
    moved = ft_a["c_pt"] != 1.0
    assert moved.any() and set(ft_a.loc[moved, "pt_id"]) <= set(ft_a.loc[~moved, "pt_id"])
    assert set(pt_a["pt_id"]) < set(pt_b["pt_id"]) and set(pt_b["c_pt"]) == {1.0, *ft_a["c_pt"]}
    assert set(pt_a["pt_job"]) < set(pt_b["pt_job"])
    assert not set(ft_a["ft_id"]) & set(ft_b["ft_id"])
    assert runs.settings(SECTION, "pt", "add-alpha_rel1-c_pt1") == runs.settings(pt_init, "pt", "add-alpha_rel1-c_pt1")
    job = runs.ft_job(SECTION["p"], "same")
    assert runs.settings(SECTION, "ft", job) != runs.settings(pt_init, "ft", job)


def test_pt_ops_name_every_operation_of_every_pt_run():
    """The rows the per-operation PT accuracies must hold: a mixture's PT run has one per operation."""
    pt, _ = tables(SECTION)
    ops = runs.pt_ops(pt)
    n_ops = pt["pt_task"].str.count(r"\+") + 1
    assert len(ops) == n_ops.sum() and len(set(ops)) == len(ops)
    mixed = pt.loc[n_ops.idxmax()]
    assert [op for pt_id, op in ops if pt_id == mixed["pt_id"]] == mixed["pt_task"].split("+")


def job_keys(section: dict) -> dict:
    """(phase, job) -> the folder its settings and members key (the rule's params: a changed one reruns the job)."""
    pt, ft = tables(section)
    return {(phase, job): DESIGN.workdir(phase, job, DESIGN.settings(section, phase, job),
                                         DESIGN.members(table, phase, job))
            for phase, table in (("pt", pt), ("ft", ft)) for job in sorted(set(table[f"{phase}_job"]))}


def edited(path: str, value) -> dict:
    section = copy.deepcopy(SECTION)
    *parents, key = path.split(".")
    target = section
    for k in parents:
        target = target[k]
    target[key] = value
    return section


@pytest.mark.parametrize("path,value,rerun", [
    ("ft.lr", 0.1, {"ft"}), ("head", "embed", {"ft"}), ("generalise_acc", 0.5, set()),  # collect reads it
    ("pt.eval_every", 7, {"pt"}), ("early_layers", ["embed"], {"pt"}), ("figure_note", "x", set()),
])
def test_a_job_reruns_only_for_the_settings_it_reads(path, value, rerun):
    """Editing an FT setting reruns no PT job (hours at paper scale); a PT setting reruns every PT job (and the FT
    jobs through their input, the new PT model: tests/infra/test_provenance.py runs both on the tiny pipeline)."""
    before, after = job_keys(SECTION), job_keys(edited(path, value))
    assert before.keys() == after.keys()
    changed = {phase for phase, job in before if before[phase, job] != after[phase, job]}
    assert changed == rerun
    for phase in rerun:  # every job of that phase
        assert all(before[k] != after[k] for k in before if k[0] == phase)


def pt_reruns(section: dict) -> set:
    """The PT tasks whose PT jobs rerun (every job of such a task: the assertion checks it)."""
    before, after = job_keys(SECTION), job_keys(section)
    task_of = dict(zip(*tables(SECTION)[0][["pt_job", "pt_task"]].T.values))
    rerun = {job for (phase, job) in before if phase == "pt" and before[phase, job] != after[phase, job]}
    tasks = {task_of[job] for job in rerun}
    assert rerun == {job for job, task in task_of.items() if task in tasks}
    return tasks


def test_a_pt_schedule_key_reruns_the_pt_jobs_that_use_it():
    """pt.lr: every PT job but those whose pt_by_task replaces lr; one task's pt_by_task: that task's job only."""
    overrides = {task for task, keys in SECTION["pt_by_task"].items() if "lr" in keys}
    assert overrides and pt_reruns(edited("pt.lr", 0.1)) == set(runs.pt_tasks(SECTION)) - overrides
    assert pt_reruns(edited("pt_by_task", {**SECTION["pt_by_task"], "add": {"steps": 7}})) == {"add"}


def test_a_family_ft_schedule_reruns_that_familys_ft_jobs_only():
    """ft.steps: every FT job but those of families whose ft_by_family replaces steps; one family's entry: its FT
    jobs only (the probe follows: jobs.pt_baselines reads the same schedule)."""
    _, ft = tables(SECTION)
    family_of = dict(zip(ft["ft_job"], ft["family"]))

    def ft_reruns(section):
        before, after = job_keys(SECTION), job_keys(section)
        return {family_of[job] for (phase, job) in before if phase == "ft" and before[phase, job] != after[phase, job]}

    overrides = {f for f, keys in SECTION.get("ft_by_family", {}).items() if "steps" in keys}
    assert ft_reruns(edited("ft.steps", 7)) == set(SECTION["families"]) - overrides
    assert ft_reruns(edited("ft_by_family", {**SECTION.get("ft_by_family", {}), "same": {"lr": 0.5}})) == {"same"}
    same = edited("ft_by_family", {"same": {"lr": 0.5}})
    job = runs.ft_job(same["p"], "same")
    assert runs.settings(same, "ft", job)["ft"]["lr"] == 0.5
