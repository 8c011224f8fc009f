"""Config validation: the shipped configs pass; bad ones fail with a message naming the key."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest

from ptft import config

ROOT = Path(__file__).resolve().parents[1]
BASE = config.load(ROOT / "config/config.yaml")


@pytest.mark.parametrize("extra", [[], ["config/paper.yaml"], ["tests/configs/tiny.yaml"]])
def test_shipped_configs_are_valid(extra):
    config.validate(config.load(ROOT / "config/config.yaml", *(ROOT / e for e in extra)))


def _set(cfg, dotted, value):
    *parents, last = dotted.split(".")
    node = cfg
    for p in parents:
        node = node[p]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value


DELETE = object()
BAD = [
    # (dotted key, bad value, text the message must contain)
    ("dln.dim", 0, "dln.dim"),
    ("dln.dim", "big", "dln.dim"),
    ("dln.panels.a.c_pt", [0.0], "dln.panels.a.c_pt[0]"),
    ("dln.panels.a.c_pt", [-1e-3], "dln.panels.a.c_pt[0]"),
    ("dln.panels.c.lambda_pt", [-1.5], "dln.panels.c.lambda_pt[0]"),
    ("dln.panels.c.lambda_pt", [1.01], "dln.panels.c.lambda_pt[0]"),
    ("dln.panels.b.gamma_ft", [-0.1], "dln.panels.b.gamma_ft[0]"),
    ("dln.panels.a.omega", [1.2], "dln.panels.a.omega[0]"),
    ("dln.panels.a.rho_ft", [-0.1], "dln.panels.a.rho_ft[0]"),
    ("dln.rho_pt", 1.5, "dln.rho_pt"),
    ("dln.alpha", [0.0, 0.1], "dln.alpha[0]"),
    ("dln.alpha", [], "dln.alpha"),
    ("dln.seeds", [0, 0], "dln.seeds"),
    ("dln.typo_key", 1, "typo_key"),
    ("dln.gd.lrr", 0.1, "lrr"),
    ("dln.gd.lr", DELETE, "lr"),
    ("dln.pt", "pretrained", "dln.pt"),
    ("dln.panels.a.hue", "seed", "dln.panels.a.hue"),
    ("dln.replica.method", "exact", "dln.replica.method"),
    ("arms", ["dln", "nlp"], "arms[1]"),
    ("unknown_section", {}, "unknown_section"),
    # cross-field rules (REFERENCE §2): the overlap must fit in the PT support, the groups in D
    ("dln.panels.a.omega", [1.0], "omega·rho_ft"),  # with rho_ft 0.2 > rho_pt 0.1, set below
    ("dln.panels.d.rho_ft", [0.95], "rho_pt + (1 − omega)·rho_ft"),
    ("dln.panels.f.rho_ft", [0.001], "round(rho_ft·dim) = 0"),
    ("dln.phase.log10_beta_pt", [2.0, -3.0], "dln.phase.log10_beta_pt"),
]


@pytest.mark.parametrize(("key", "value", "needle"), BAD, ids=[f"{k}={v}" for k, v, _ in BAD])
def test_bad_config_names_the_key(key, value, needle):
    cfg = copy.deepcopy(BASE)
    _set(cfg, key, value)
    if needle == "omega·rho_ft":
        cfg["dln"]["panels"]["a"]["rho_ft"] = [0.2]
    with pytest.raises(config.ConfigError, match=None) as err:
        config.validate(cfg)
    assert needle in str(err.value), str(err.value)


def test_bad_config_stops_snakemake_before_any_job(tmp_path):
    """Through the real entry point: a dry run with a bad value fails at parse time and names the key."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("dln:\n  panels:\n    a: {c_pt: [-1.0], lambda_pt: [0.0], gamma_ft: [0.0], rho_ft: [0.1], "
                   "omega: [0.0], hue: c_pt, style: omega}\n")
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--configfile", str(bad)], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "dln.panels.a.c_pt[0]" in out.stdout + out.stderr


def test_config_readme_describes_every_key_of_the_current_config():
    """config/README.md is generated from config/config.yaml and the schemas; regenerate with
    `.venv/bin/python -m ptft config-doc > config/README.md` after changing either."""
    root = Path(__file__).resolve().parents[1]
    assert (root / "config/README.md").read_text() == config.describe(root / "config/config.yaml")


@pytest.mark.parametrize("key, value", [
    (("dln", "alpha"), [0.3, 0.3]),
    (("dln", "single_task", "lambda_pt"), [0.0, 0.0]),
    (("vision", "n"), [10, 10]),
    (("vision", "seeds"), [0, 0]),
    (("modarith", "ft_train_frac"), [0.3, 0.3]),
])
def test_duplicate_grid_values_are_refused(key, value):
    """A grid list with a repeated value would double-count runs: refused before any job, naming the key."""
    cfg = copy.deepcopy(config.load(Path(__file__).resolve().parents[1] / "config/config.yaml"))
    node = cfg
    for k in key[:-1]:
        node = node[k]
    node[key[-1]] = value
    with pytest.raises(config.ConfigError, match=".".join(key).replace(".", r"\.") + "|non-unique|duplicate"):
        config.validate(cfg)
