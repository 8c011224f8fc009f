"""Run tables: sizes, unique ids, shared PT runs, one fraction per FT job (exact checks)."""

from pathlib import Path

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
