"""Run tables: sizes, unique ids, shared PT runs, one fraction per FT job (exact checks)."""

import copy
from pathlib import Path

import pytest

from ptft import config
from ptft.deep.knobs import KNOBS
from ptft.deep.runs import knob_settings, members
from ptft.modarith import runs

ROOT = Path(__file__).resolve().parents[2]
SECTION = config.load(ROOT / "config/config.yaml")["modarith"]


def test_ft_and_pt_tables():
    pt, ft = runs.tables(SECTION)
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
    n_pt_knobs = len(knob_settings(SECTION["base"], SECTION["sweeps"])[["alpha_rel", "c_pt"]].drop_duplicates())
    assert len(pt) == (len(swept) * n_pt_knobs + len(other)) * len(SECTION["seeds"])
    assert (ft.groupby("ft_job")["ft_train_frac"].nunique() == 1).all()
    assert (ft.groupby("ft_job")["family"].nunique() == 1).all()


def test_ids_are_stable_functions_of_the_parameters():
    assert runs.tables(SECTION)[1]["ft_id"].tolist() == runs.tables(dict(SECTION))[1]["ft_id"].tolist()
    changed = {**SECTION, "seeds": [99]}
    assert not set(runs.tables(changed)[1]["ft_id"]) & set(runs.tables(SECTION)[1]["ft_id"])


def test_members_are_plain_dicts_of_one_job():
    pt, _ = runs.tables(SECTION)
    rows = members(pt, "pt_job", "add", "pt_id")
    assert rows and all(r["pt_task"] == "add" and isinstance(r["seed"], int) for r in rows)


def test_pt_ops_name_every_operation_of_every_pt_run():
    """The rows the per-operation PT accuracies must hold: a mixture's PT run has one per operation."""
    pt, _ = runs.tables(SECTION)
    ops = runs.pt_ops(pt)
    n_ops = pt["pt_task"].str.count(r"\+") + 1
    assert len(ops) == n_ops.sum() and len(set(ops)) == len(ops)
    mixed = pt.loc[n_ops.idxmax()]
    assert [op for pt_id, op in ops if pt_id == mixed["pt_id"]] == mixed["pt_task"].split("+")


def job_keys(section: dict) -> dict:
    """(phase, job) -> the folder its settings and members key (the rule's params: a changed one reruns the job)."""
    pt, ft = runs.tables(section)
    return {(phase, job): runs.workdir(phase, job, runs.settings(section, phase, job),
                                       members(table, f"{phase}_job", job, f"{phase}_id"))
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
    before, after = job_keys(SECTION), job_keys(section)
    return {job for (phase, job) in before if phase == "pt" and before[phase, job] != after[phase, job]}


def test_a_pt_schedule_key_reruns_the_pt_jobs_that_use_it():
    """pt.lr: every PT job but those whose pt_by_task replaces lr; one task's pt_by_task: that task's job only."""
    overrides = {task for task, keys in SECTION["pt_by_task"].items() if "lr" in keys}
    assert overrides and pt_reruns(edited("pt.lr", 0.1)) == set(runs.pt_tasks(SECTION)) - overrides
    assert pt_reruns(edited("pt_by_task", {**SECTION["pt_by_task"], "add": {"steps": 7}})) == {"add"}
