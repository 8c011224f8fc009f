"""The deep arms' shared design (ptft.deep.design, .runs, .results, .figures): both arms through the one interface,
sweeps one knob at a time around the base, job members, collection checked against the run table, summary counts,
the accuracy-vs-size figure (exact)."""

import copy
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ptft import arms
from ptft import config as cfg
from ptft.collect import DamagedTableError, MissingRunsError
from ptft.config import ConfigError
from ptft.deep import design, figures, results, runs
from ptft.deep.runs import KNOBS

BASE = {"alpha_rel": 1.0, "c_pt": 1.0, "gamma_ft": 1.0}
SWEEPS = {"relative": {"alpha_rel": [1.0, 2.0]}, "readout": {"gamma_ft": [0.1, 1.0, 10.0]}}
ROOT = Path(__file__).resolve().parents[2]
DEEP = [arm for arm in arms.ARMS if arm.design is not None]
# Sections no job reads whole: the sweeps and base reach a job through its runs' rows, `compute` and `resources`
# through the config (they change no result).
NOT_READ = {"sweeps", "base", "seeds", "compute", "resources", "figure_note", "generalise_acc", "sweep_families"}


def test_the_deep_arms_are_the_arms_with_a_design():
    assert [arm.name for arm in DEEP] == ["vision", "modarith"]
    assert all(arm.design.arm == arm.name for arm in DEEP)


@pytest.mark.parametrize("configs", [["config/config.yaml"], ["config/config.yaml", "tests/configs/tiny.yaml"]],
                         ids=["default", "tiny"])
@pytest.mark.parametrize("arm", DEEP, ids=lambda arm: arm.name)
def test_both_deep_arms_run_through_one_design(arm, configs):
    """The same code for both arms: the tables' ids, every job's members, settings and work folder."""
    d, section = arm.design, arms.validate(cfg.load(*(ROOT / c for c in configs)), ROOT)[arm.name]
    assert all(getattr(d, name) in allowed for name, allowed in design.CHOICES.items())
    pt, ft = d.pt_table(section), d.ft_table(section)
    assert {"pt_id", "pt_job"} <= set(pt)
    assert {"ft_id", "pt_id", "ft_job", "seed", *KNOBS, d.axes.panel, d.axes.size} <= set(ft)
    assert pt["pt_id"].is_unique and ft["ft_id"].is_unique and set(ft["pt_id"]) == set(pt["pt_id"])
    folders = set()
    for phase, table in (("pt", pt), ("ft", ft)):
        jobs = sorted(set(table[f"{phase}_job"]))
        ran = []
        for job in jobs:
            rows = d.members(table, phase, job)
            settings = d.settings(section, phase, job)
            assert rows and isinstance(settings, dict) and not set(settings) & NOT_READ, (phase, job)
            json.dumps(settings)  # plain values: a rule's params
            folder = d.workdir(phase, job, settings, rows)
            assert folder.startswith(f"results/{arm.name}/.work/{phase}/{job}/")
            assert folder == d.workdir(phase, job, d.settings(section, phase, job), d.members(table, phase, job))
            folders.add(folder)
            ran += [r[f"{phase}_id"] for r in rows]
        assert sorted(ran) == sorted(table[f"{phase}_id"])  # every run in exactly one job
    assert len(folders) == len(set(pt["pt_job"])) + len(set(ft["ft_job"]))  # one folder per job


@pytest.mark.parametrize("arm", DEEP, ids=lambda arm: arm.name)
def test_compute_and_resources_key_no_run_job_or_folder(arm):
    """How a job computes (`compute`) and what it asks the scheduler for (`resources`) change no id or setting."""
    d, section = arm.design, arms.validate(cfg.load(ROOT / "config/config.yaml"), ROOT)[arm.name]
    changed = copy.deepcopy(section)
    changed["compute"].update(threads=section["compute"]["threads"] + 1, device="cpu")
    changed["resources"].update(mem_mb=section["resources"]["mem_mb"] + 1)
    for phase, table in (("pt", d.pt_table), ("ft", d.ft_table)):
        before, after = table(section), table(changed)
        assert before.equals(after)
        assert all(d.settings(section, phase, job) == d.settings(changed, phase, job)
                   for job in set(before[f"{phase}_job"]))


def test_a_design_names_its_choices():
    with pytest.raises(ValueError, match="batching"):
        design.Design(arm="x", axes=runs.Axes(size="n", panel="p"), pt_table=None, ft_table=None, settings=None,
                      order={"pt": "pt_id", "ft": "ft_id"}, batching="other", resume="per_run", probe="ft_readout")


def test_knob_settings_are_base_plus_one_knob_at_a_time():
    s = runs.knob_settings(BASE, SWEEPS)
    assert len(s) == 4  # base + alpha 2 + gamma 0.1 + gamma 10
    assert ((s != 1.0).sum(axis=1) <= 1).all()


def table():
    rows = [{**knobs, "seed": seed, "size": size, "panel": panel, "test_acc": 0.5 + 0.1 * size + 0.01 * seed,
             "probe_test_acc": 0.4, "converged": True, "diverged": False, "ft_id": f"{panel}{seed}{size}{i}"}
            for i, knobs in enumerate(runs.knob_settings(BASE, SWEEPS).to_dict("records"))
            for seed, size, panel in itertools.product([0, 1, 2], [1, 2], ["a", "b"])]
    return pd.DataFrame(rows)


def test_sweep_rows_put_the_base_in_every_sweep():
    long = runs.sweep_rows(table(), BASE, SWEEPS)
    per_setting = 3 * 2 * 2
    assert len(long) == (2 + 3) * per_setting
    assert set(long.loc[long["sweep"] == "relative", "gamma_ft"]) == {1.0}
    assert set(long.loc[long["sweep"] == "readout", "knob"]) == {"gamma_ft"}


@pytest.mark.parametrize("sweeps, key", [
    ({"r": {"alpha_rel": [2.0, 4.0]}}, "x.sweeps.r.alpha_rel"),  # no base value
    ({"r": {"alpha_rel": [1.0], "c_pt": [1.0]}}, "x.sweeps.r"),  # two knobs
])
def test_check_sweeps_names_the_key(sweeps, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        runs.check_sweeps("x", BASE, sweeps)


def test_members_are_plain_dicts_of_one_job_in_order():
    df = pd.DataFrame({"job": ["a", "a", "b"], "ft_id": ["z", "y", "x"], "seed": np.array([1, 2, 3])})
    got = runs.members(df, "job", "a", "ft_id")
    assert [r["ft_id"] for r in got] == ["y", "z"] and type(got[0]["seed"]) is int


def test_gather_refuses_missing_duplicated_and_nan_ids(tmp_path):
    paths = []
    for name, ids in (("a", ["r1", "r2"]), ("b", ["r3"])):
        paths.append(tmp_path / f"{name}.csv")
        pd.DataFrame({"ft_id": ids, "test_acc": 0.5}).to_csv(paths[-1], index=False)
    assert len(results.gather(paths, ["r1", "r2", "r3"], key="ft_id", what="runs")) == 3
    with pytest.raises(MissingRunsError, match="1 of 4"):
        results.gather(paths, ["r1", "r2", "r3", "r4"], key="ft_id", what="runs")
    with pytest.raises(MissingRunsError, match="more than once"):
        results.gather(paths + paths[1:], ["r1", "r2", "r3"], key="ft_id", what="runs")
    pd.DataFrame({"ft_id": [None], "test_acc": 0.5}).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(DamagedTableError, match=f"{tmp_path / 'c.csv'}: column ft_id missing or NaN"):
        results.gather(paths + [tmp_path / "c.csv"], ["r1", "r2", "r3"], key="ft_id", what="runs")
    (tmp_path / "d.csv").write_text('ft_id,test_acc\n"r1,0.5\n')  # cut mid-row
    with pytest.raises(DamagedTableError, match=f"{tmp_path / 'd.csv'}: cannot be parsed"):
        results.gather(paths + [tmp_path / "d.csv"], ["r1", "r2", "r3"], key="ft_id", what="runs")


def test_gather_checks_every_row_of_a_run(tmp_path):
    """Tables with several rows per run (ENSD per layer, PT accuracy per operation): each (id, layer) once."""
    expected = [(ft_id, layer) for ft_id in ("r1", "r2") for layer in ("layer1", "layer4")]
    path = tmp_path / "ensd.csv"
    full = pd.DataFrame(expected, columns=["ft_id", "layer"]).assign(ensd=1.0)
    full.to_csv(path, index=False)
    assert len(results.gather([path], expected, key=["ft_id", "layer"], what="ENSD rows")) == 4
    full.drop(index=3).to_csv(path, index=False)  # r2 lost its layer4 row: r2 is still present
    with pytest.raises(MissingRunsError, match=r"1 of 4 ENSD rows missing.*'ft_id': 'r2', 'layer': 'layer4'"):
        results.gather([path], expected, key=["ft_id", "layer"], what="ENSD rows")
    pd.concat([full, full.tail(1)]).to_csv(path, index=False)
    with pytest.raises(MissingRunsError, match="more than once"):
        results.gather([path], expected, key=["ft_id", "layer"], what="ENSD rows")


def test_summary_counts_runs_and_finite_values_per_cell():
    df = table().assign(test_acc=lambda d: d["test_acc"].where(d["seed"] != 2))
    s = results.summary(df, ["panel", "size"], "test_acc", ["probe_test_acc"])
    assert runs.Axes(size="size", panel="panel").cell == ["panel", "sweep", "knob", "value", "size"]
    assert (s["n_runs"] == 3 * 4).all() and (s["n_finite"] == 2 * 4).all() and (s["n_diverged"] == 0).all()
    assert np.allclose(s["probe_test_acc"], 0.4) and s["ci95"].notna().all()
    counts = results.summary(df.drop(columns=["converged", "diverged"]), ["panel"])
    assert list(counts.columns) == ["panel", "n_runs"]


def test_accuracy_figure_has_one_row_per_panel_value():
    long = runs.sweep_rows(table(), BASE, SWEEPS)
    fig, _ = figures.acc_vs_size(long, "readout", runs.Axes(size="size", panel="panel"), reference_value=1.0,
                                 panels=["b", "a"], baseline="probe_test_acc", log_x=True)
    assert [ax.get_title() for ax in fig.axes[::3]] == ["b", "a"] and len(fig.axes) == 6
    assert len(fig.axes[0].get_legend_handles_labels()[0]) == 3  # one line per γ value


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["modarith"]["compute"].update(bf16=True), r"modarith\.compute: Unevaluated properties.*'bf16'"),
    (lambda c: c["vision"]["compute"].pop("bf16"), r"vision\.compute: 'bf16' is a required property"),
    (lambda c: c["vision"]["compute"].update(threads=0), r"vision\.compute\.threads"),
    (lambda c: c["modarith"]["resources"].update(mem_mb=5), r"modarith\.resources\.mem_mb"),
    (lambda c: c["vision"]["resources"].pop("gpu"), r"vision\.resources: 'gpu' is a required property"),
])
def test_one_compute_and_one_resources_schema_each_arm_closing_compute_on_what_it_reads(edit, message):
    """deep.schema.yaml defines `compute` (device, threads) and `resources` once; vision adds its GPU options, and
    neither arm admits a key it does not read."""
    full = cfg.load(ROOT / "config/config.yaml")
    edit(full)
    with pytest.raises(ConfigError, match=message):
        arms.validate(full, ROOT)
