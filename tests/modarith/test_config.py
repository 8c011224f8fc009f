"""The modarith config section: shipped configs pass; inconsistent ones fail naming the key."""

import copy
from pathlib import Path

import pytest

from ptft import arms, config

ROOT = Path(__file__).resolve().parents[2]
BASE = config.load(ROOT / "config/config.yaml")


@pytest.mark.parametrize("extra", [[], ["config/paper.yaml"], ["tests/configs/tiny.yaml"]])
def test_shipped_configs_are_valid(extra):
    arms.validate(config.load(ROOT / "config/config.yaml", *(ROOT / e for e in extra)), ROOT)


BAD = [
    (lambda m: m.update(p=21), "modarith.p"),
    (lambda m: m.update(p=1), "modarith.p"),
    (lambda m: m.update(ft_train_frac=[0.95]), "modarith.ft_train_frac"),
    (lambda m: m["families"]["shared"].update(ft_task="div"), "modarith.families.shared.ft_task"),
    (lambda m: m["families"]["shared"].update(ft_task="add+mul"), "modarith.families.shared.ft_task"),
    (lambda m: m["families"]["shared"].update(pt_task="add+add"), "modarith.families.shared.pt_task"),
    (lambda m: m.update(sweep_families=["nope"]), "modarith.sweep_families"),
    (lambda m: m["ft"].update(optimizer="lbfgs"), "modarith.ft.optimizer"),
    (lambda m: m["ft"].update(betas=[0.9, 0.98]), "modarith.ft"),  # SGD takes a momentum, not betas
    (lambda m: m["model"].update(n_heads=3), "modarith.model.n_heads"),
    (lambda m: m["sweeps"].update(relative={"alpha_rel": [2.0]}), "modarith.sweeps.relative"),
    (lambda m: m["sweeps"].update(both={"alpha_rel": [1.0], "c_pt": [1.0]}), "modarith.sweeps.both"),
    (lambda m: m["base"].update(c_pt=0.0), "modarith.base.c_pt"),
    (lambda m: m.update(pt_by_task={"div": {"steps": 10}}), "modarith.pt_by_task.div"),
    (lambda m: m.update(pt_by_task={"add": {"momentum": 0.9}}), "modarith.pt_by_task.add"),
    (lambda m: m.update(pt_by_task={"add": {"lr_decay_frac": 1.5}}), "modarith.pt_by_task.add.lr_decay_frac"),
    (lambda m: m.update(ft_by_family={"nope": {"steps": 10}}), "modarith.ft_by_family.nope"),
    (lambda m: m.update(ft_by_family={"shared": {"momentum": 0.5}}), "modarith.ft_by_family.shared"),
    (lambda m: m.update(unknown=1), "modarith"),
]


@pytest.mark.parametrize("edit,key", BAD, ids=[k for _, k in BAD])
def test_bad_values_name_the_key(edit, key):
    cfg = copy.deepcopy(BASE)
    edit(cfg["modarith"])
    with pytest.raises(config.ConfigError, match=key.replace(".", r"\.")):
        arms.validate(cfg, ROOT)


def test_the_default_run_has_every_control_family():
    """The scorecard's controls (same reaches PT, shared and subset vs their probe) all run by default."""
    assert {"same", "shared", "subset"} <= set(BASE["modarith"]["families"])


def test_a_pt_by_task_key_no_family_pretrains_is_refused():
    """A schedule for a PT task nobody pretrains (or spelled otherwise, e.g. sub+add) would silently do nothing."""
    cfg = copy.deepcopy(BASE)
    cfg["modarith"]["pt_by_task"] = {"sub+add": {"steps": 10}}
    with pytest.raises(config.ConfigError, match=r"modarith\.pt_by_task\.sub\+add: no family pretrains"):
        arms.validate(cfg, ROOT)


def test_null_removes_an_entry_of_the_default(tmp_path):
    """Configs merge over the default key by key, so `name: null` is how a user config drops a family; the default's
    schedule for the dropped family's mixture, and its sweep, must then go too (named), not linger unused."""
    mine = tmp_path / "mine.yaml"
    mine.write_text("modarith:\n  families: {subset: null}\n")
    with pytest.raises(config.ConfigError, match=r"modarith\.pt_by_task\.add\+sub: no family pretrains"):
        arms.validate(config.load(ROOT / "config/config.yaml", mine), ROOT)
    mine.write_text("modarith:\n  families: {subset: null}\n  pt_by_task: {add+sub: null}\n")
    with pytest.raises(config.ConfigError, match=r"modarith\.sweep_families: \['subset'\]"):
        arms.validate(config.load(ROOT / "config/config.yaml", mine), ROOT)
    mine.write_text("modarith:\n  families: {subset: null}\n  pt_by_task: {add+sub: null}\n  sweep_families: []\n")
    section = arms.validate(config.load(ROOT / "config/config.yaml", mine), ROOT)["modarith"]
    assert set(section["families"]) == {"same", "shared"} and "add+sub" not in section["pt_by_task"]
