"""Run tables and config checks of the vision arm, on the shipped configs."""

import copy
from pathlib import Path

import pytest

from ptft import arms
from ptft import config as cfg
from ptft.deep.runs import members, sweep_rows
from ptft.vision import runs
from ptft.vision.config import check_config

ROOT = Path(__file__).resolve().parents[2]


def section(*extra):
    return cfg.load(ROOT / "config/config.yaml", *extra)["vision"]


def test_default_tables_are_consistent():
    s = section()
    pt, ft = runs.pt_table(s), runs.ft_table(s)
    assert pt["pt_id"].is_unique and ft["ft_id"].is_unique
    assert set(ft["pt_id"]) == set(pt["pt_id"])
    # Every sweep's rows are a full grid over seeds and n, one knob moved around the base.
    long = sweep_rows(ft, s["base"], s["sweeps"])
    for name, sweep in s["sweeps"].items():
        ((knob, values),) = sweep.items()
        rows = long[long["sweep"] == name]
        assert len(rows) == len(s["run_datasets"]) * len(s["seeds"]) * len(s["n"]) * len(values)
        assert set(rows["knob"]) == {knob}


def test_ids_change_with_training_settings_only():
    s = section()
    changed = copy.deepcopy(s)
    changed["ft"]["max_epochs"] += 1
    assert runs.pt_table(changed)["pt_id"].tolist() == runs.pt_table(s)["pt_id"].tolist()
    assert not set(runs.ft_table(changed)["ft_id"]) & set(runs.ft_table(s)["ft_id"])
    changed["compute"]["threads"] = 2
    assert runs.pt_table(changed)["pt_id"].tolist() == runs.pt_table(s)["pt_id"].tolist()


@pytest.mark.parametrize("edit,pt_rerun,ft_rerun", [
    (lambda s: s["policies"].update(gamma_ft="fresh"), False, True),  # the FT-time readout policy
    (lambda s: s["ensd"].update(max_images=9), False, True),
    (lambda s: s["ensd"].update(sweep="absolute"), False, False),  # the ENSD figure's choice only
    (lambda s: s["early_layers"].append("bn1"), False, False),  # unread under the authors' alpha_rel policies
    (lambda s: s["policies"].update(alpha_rel="fr_block_1"), True, True),
    (lambda s: s.update(stem="cifar"), True, True),
])
def test_ids_change_with_the_settings_each_phase_reads(edit, pt_rerun, ft_rerun):
    """pt_id keys only what PT reads (not the FT-time policies, not the ENSD); ft_id what FT reads (not ensd.sweep)."""
    s = section()
    assert s["policies"]["alpha_rel"] != "early_layers"
    changed = copy.deepcopy(s)
    edit(changed)
    pt, ft = runs.pt_table(s), runs.ft_table(s)
    pt2, ft2 = runs.pt_table(changed), runs.ft_table(changed)
    assert (set(pt2["pt_id"]) != set(pt["pt_id"])) == pt_rerun
    assert not pt_rerun or not set(pt2["pt_id"]) & set(pt["pt_id"])
    assert (set(ft2["ft_id"]) != set(ft["ft_id"])) == ft_rerun
    assert not ft_rerun or not set(ft2["ft_id"]) & set(ft["ft_id"])


@pytest.mark.parametrize("parts", [1, 2])
def test_ft_jobs_hold_the_runs_of_one_seed_from_each_of_its_checkpoints(parts):
    s = section()
    s["ft_jobs_per_seed"] = parts
    ft, pt = runs.ft_table(s), runs.pt_table(s)
    assert ft.groupby("ft_job")["seed"].nunique().eq(1).all()
    assert ft["ft_job"].nunique() == parts * len(s["seeds"]) * len(s["run_datasets"])
    jobs = runs.ft_jobs(ft)  # one row per job (each output once: the collect step counts every run once)
    assert jobs["ft_job"].is_unique and len(jobs) == ft["ft_job"].nunique()
    per_seed = pt.groupby(["dataset", "seed"]).size()
    assert per_seed.min() > 1 and jobs["pt_ids"].map(len).eq(per_seed.max()).all()  # every checkpoint of its seed
    sizes = ft.groupby("ft_job").size()
    assert sizes.max() - sizes.min() <= 1  # dealt round robin


@pytest.mark.parametrize("per_job", [1, 3, 8])
def test_pt_jobs_hold_the_seeds_of_one_pt_knob_setting(per_job):
    s = section()
    s["pt_runs_per_job"] = per_job
    pt, ft = runs.pt_table(s), runs.ft_table(s)
    assert pt["pt_id"].tolist() == runs.pt_table(section())["pt_id"].tolist()  # the grouping keys no run
    jobs = pt.groupby("pt_job")
    assert jobs["alpha_rel"].nunique().eq(1).all() and jobs["seed"].nunique().eq(jobs.size()).all()
    assert jobs.size().max() == min(per_job, len(s["seeds"]))
    settings = len(s["run_datasets"]) * len(s["sweeps"]["relative"]["alpha_rel"])
    assert len(runs.pt_jobs(pt)) == pt["pt_job"].nunique() == settings * -(-len(s["seeds"]) // per_job)
    # An FT job finds each of its checkpoints in the PT job that made it.
    made_by = dict(zip(pt["pt_id"], pt["pt_job"]))
    for row in runs.ft_jobs(ft).itertuples():
        assert row.pt_jobs == [made_by[pt_id] for pt_id in row.pt_ids]


def test_paper_config_is_the_full_grid_without_synthetic():
    full = cfg.load(ROOT / "config/config.yaml", ROOT / "config/paper.yaml")
    arms.validate(full, ROOT)
    s = full["vision"]
    assert not s["allow_synthetic"]
    assert len(s["seeds"]) == 30 and s["n"] == [10, 20, 50, 100, 200, 500, 1000]
    assert len(s["sweeps"]["relative"]["alpha_rel"]) == 6 and len(s["sweeps"]["readout"]["gamma_ft"]) == 7
    # The authors' protocol by default: their relative-scale policy, absolute scale at FT start, their readout, ENSD.
    assert s["policies"] == {"alpha_rel": "first_vs_rest", "c_pt": "ft_start", "gamma_ft": "pt_rows"}
    assert s["ensd"]["images"] == "ft_train" and s["ensd"]["max_images"] == 1000
    assert s["sweeps"]["absolute"]["c_pt"] == [0.125, 0.25, 0.5, 1.0, 2.0]
    assert s["run_datasets"] == ["cifar100", "svhn"]
    assert s["pt_runs_per_job"] == 1  # PT runs of hours: one per job


def test_absolute_scale_at_ft_start_shares_the_pt_checkpoint():
    s = section()
    s["policies"]["c_pt"] = "ft_start"
    pt, ft = runs.pt_table(s), runs.ft_table(s)
    assert "c_pt" not in pt and len(pt) == len(s["seeds"]) * len(s["sweeps"]["relative"]["alpha_rel"])
    assert ft.groupby("pt_id")["c_pt"].nunique().max() == len(s["sweeps"]["absolute"]["c_pt"])
    s["policies"]["c_pt"] = "pt_init"
    assert len(runs.pt_table(s)) == len(pt) + len(s["seeds"]) * (len(s["sweeps"]["absolute"]["c_pt"]) - 1)
    ft = runs.ft_table(s)
    job = members(ft, "ft_job", ft["ft_job"][0], ["pt_id", "n", "c_pt", "gamma_ft"])
    assert job and all("c_pt" in r and r["seed"] == job[0]["seed"] for r in job)
    assert len({r["pt_id"] for r in job}) == len(pt) // len(s["seeds"]) + len(s["sweeps"]["absolute"]["c_pt"]) - 1


@pytest.mark.parametrize("edit,key", [
    (lambda s: s.update(allow_synthetic=False) or s["datasets"]["svhn"].update(source="synthetic"),
     "vision.datasets.svhn.source"),
    (lambda s: s["ensd"].update(layers=["layer9"]), "vision.ensd.layers"),
    (lambda s: s.update(early_layers=["conv9"]), "vision.early_layers"),
    (lambda s: s.update(n=[10, 5000]), "vision.n"),
    (lambda s: s["ensd"].update(sweep="nope"), "vision.ensd.sweep"),
    (lambda s: s["sweeps"]["relative"].update(alpha_rel=[2.0, 4.0]), "vision.sweeps.relative.alpha_rel"),
    (lambda s: s["sweeps"]["relative"].update(c_pt=[1.0, 2.0]), "vision.sweeps.relative"),
    (lambda s: s.update(seeds=[1, 1]), "vision.seeds"),
    (lambda s: s["datasets"].pop("mnist"), "vision.run_datasets"),
    (lambda s: s["datasets"]["mnist"].update(source="download"), "vision.datasets.mnist.source"),
    (lambda s: s["datasets"]["svhn"].update(source="package"), "vision.datasets.svhn.source"),
    (lambda s: s["datasets"]["mnist"].pop("test_per_class"), "vision.datasets.mnist.test_per_class"),
    (lambda s: s.update(n=[10, 801]), "vision.n"),
    (lambda s: s["synthetic"].update(n_features=12, features_per_class=2), "vision.synthetic.n_features"),
])
def test_check_config_names_the_key(edit, key):
    s = section()
    edit(s)
    with pytest.raises(cfg.ConfigError, match=key.replace(".", r"\.")):
        check_config(s)


def test_schema_rejects_unknown_keys():
    full = cfg.load(ROOT / "config/config.yaml")
    full["vision"]["pt"]["nesterov"] = True
    with pytest.raises(cfg.ConfigError, match="vision.pt"):
        arms.validate(full, ROOT)


def test_local_source_without_a_path_reads_the_raw_folder():
    """`source: local, path: null` means resources/vision/<name>/raw, as the config comment says."""
    s = section()
    s["datasets"]["cifar100"].update(source="local", path=None)
    check_config(s)
    assert runs.data_root(s, "cifar100") == "resources/vision/cifar100/raw"
