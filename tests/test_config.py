"""Config validation: the shipped configs pass; bad ones fail with a message naming the key."""

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ptft import __main__ as cli
from ptft import arms, config, config_doc, io, provenance

ROOT = Path(__file__).resolve().parents[1]
BASE = config.load(ROOT / "config/config.yaml")


@pytest.mark.parametrize("extra", [[], ["config/paper.yaml"], ["tests/configs/tiny.yaml"]])
def test_shipped_configs_are_valid(extra):
    arms.validate(config.load(ROOT / "config/config.yaml", *(ROOT / e for e in extra)), ROOT)


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


@pytest.mark.parametrize(("key", "value", "needle"), BAD, ids=[f"{k}={'(deleted)' if v is DELETE else v}" for k, v, _ in BAD])
def test_bad_config_names_the_key(key, value, needle):
    cfg = copy.deepcopy(BASE)
    _set(cfg, key, value)
    if needle == "omega·rho_ft":
        cfg["dln"]["panels"]["a"]["rho_ft"] = [0.2]
    with pytest.raises(config.ConfigError, match=None) as err:
        arms.validate(cfg, ROOT)
    assert needle in str(err.value), str(err.value)


def test_every_schema_error_is_named_at_once():
    """Three mistakes in one arm and one in another: each key is named, so one edit fixes them all."""
    cfg = copy.deepcopy(BASE)
    cfg["dln"].update(dim=0, alpha=[0.3, 0.3], typo_key=1)
    with pytest.raises(config.ConfigError) as err:
        arms.validate(cfg, ROOT)
    message = str(err.value)
    for needle in ("typo_key", "config key dln.alpha: [0.3, 0.3] has non-unique elements",
                   "config key dln.dim: 0 is less than the minimum of 1"):
        assert needle in message, message
    assert message.count("config key") == 3, message
    cfg = copy.deepcopy(BASE)  # a `$ref` into deep.schema.yaml is followed for the later errors too
    cfg["vision"]["seeds"], cfg["vision"]["sweeps"]["readout"]["gamma_ft"] = [0, 0], [-1.0]
    with pytest.raises(config.ConfigError) as err:
        arms.validate(cfg, ROOT)
    assert "vision.seeds" in str(err.value) and "vision.sweeps.readout.gamma_ft[0]" in str(err.value), str(err.value)


@pytest.mark.workflow
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
    assert (root / "config/README.md").read_text() == config_doc.describe(root / "config/config.yaml", root / config.SCHEMA)


def test_config_readme_lists_every_schema_key():
    """Keys of the schemas without a line in config/config.yaml are documented too; absent ones say 'optional'."""
    root = Path(__file__).resolve().parents[1]
    keys = config_doc.schema_keys(ROOT / config.SCHEMA)
    assert {"modarith.pt.momentum", "modarith.ft.betas", "modarith.pt_by_task.<name>.lr_decay_frac",
            "dln.replica.alpha.num", "vision.resources.gpu"} <= set(keys)
    rows = {line.split("|")[1].strip(" `"): line for line in (root / "config/README.md").read_text().splitlines()
            if line.startswith("| `")}
    doc_keys = {config_doc.generic_key(k.split("."), keys) for k in rows}
    assert set(keys) <= doc_keys, sorted(set(keys) - doc_keys)
    for key in ("modarith.pt.momentum", "modarith.ft.betas", "dln.minimiser.alpha"):
        assert "| optional |" in rows[key], rows[key]
    assert "| `2000` |" in rows["dln.minimiser.dim"] and "| per entry |" in rows["modarith.pt_by_task.<name>.steps"]


@pytest.mark.parametrize("key, value", [
    (("dln", "alpha"), [0.3, 0.3]),
    (("dln", "single_task", "lambda_pt"), [0.0, 0.0]),
    (("dln", "replica", "alpha"), [0.1, 0.2, 0.1]),
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
        arms.validate(cfg, ROOT)


# A YAML mistake, the line and column the parser stops at (1-based) and what the message must say.
BROKEN_YAML = [
    ("dln:\n  dim: 10\n   seeds: [0]\n", 3, 9, "mapping values are not allowed here"),
    ("dln:\n  seeds: [0, 1\n  dim: 10\n", 3, 6, "expected ',' or ']'"),
    ("dln:\n\tdim: 10\n", 2, 1, "'\\t'"),
    ("dln:\n  dim: 10\n  dim: 20\n", 3, 3, "'dim' is repeated (first at line 2)"),  # PyYAML keeps the last silently
]


@pytest.mark.parametrize(("text", "line", "column", "problem"), BROKEN_YAML, ids=["indent", "bracket", "tab", "dup"])
def test_yaml_mistake_names_file_line_and_column(tmp_path, text, line, column, problem):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(config.ConfigError) as err:
        config.load(ROOT / "config/config.yaml", bad)
    assert str(err.value).startswith(f"{bad}:{line}:{column}: invalid YAML: ") and problem in str(err.value)


def _snakemake(workdir, *args, snakefile=ROOT / "Snakefile"):
    """The pipeline's Snakefile run for real (no -n) in `workdir` towards its cheapest target (were the config read,
    one local job would write results/plan.md): a config error must stop it before any job."""
    out = subprocess.run([sys.executable, "-m", "snakemake", "results/plan.md", "-s", str(snakefile),
                          "--directory", str(workdir), "--cores", "1", *args], cwd=workdir, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode != 0
    assert not (workdir / "results").exists() and not (workdir / "logs").exists()
    return out.stdout + out.stderr


@pytest.mark.workflow
def test_yaml_mistake_in_the_default_config_names_its_line(tmp_path):
    """`configfile:` (config/config.yaml beside the Snakefile) with a syntax error: the Snakefile's check names
    file:line:column before Snakemake's loader (whose message names neither) and before any job. A copy of the
    checkout's workflow with a broken default config, run in another folder."""
    checkout = tmp_path / "checkout"
    for part in ("workflow", "config", "bench", "profiles"):
        shutil.copytree(ROOT / part, checkout / part)
    shutil.copy(ROOT / "Snakefile", checkout / "Snakefile")
    default = (ROOT / "config/config.yaml").read_text()
    (checkout / "config/config.yaml").write_text(default.replace("\narms:", "\narms: dln: vision", 1))
    line = default[:default.index("\narms:")].count("\n") + 2
    (tmp_path / "run").mkdir()
    text = _snakemake(tmp_path / "run", snakefile=checkout / "Snakefile")
    assert f"config/config.yaml:{line}:10: invalid YAML: mapping values are not allowed here" in text, text[-2000:]


@pytest.mark.workflow
def test_repeated_key_in_a_configfile_names_its_line(tmp_path):
    """A --configfile Snakemake accepts (it keeps the last of two equal keys) is re-read by the Snakefile's check."""
    dup = tmp_path / "dup.yaml"
    dup.write_text("dln:\n  dim: 100\n  dim: 20\n")
    text = _snakemake(tmp_path, "--configfile", str(ROOT / "config/config.yaml"), str(dup))
    assert f"{dup}:3:3: invalid YAML: the key 'dim' is repeated (first at line 2)" in text, text[-2000:]


@pytest.mark.workflow
def test_yaml_merge_keys_are_yaml_not_a_repeated_key(tmp_path):
    """`<<: *anchor` is YAML's merge (PyYAML resolves it); only a key written twice in one mapping is refused."""
    merged = tmp_path / "merged.yaml"
    merged.write_text("base: &b {lr: 1.0, steps: 5}\nfast:\n  <<: *b\n  steps: 2\n")
    assert config.read_yaml(merged) == {"base": {"lr": 1.0, "steps": 5}, "fast": {"lr": 1.0, "steps": 2}}


@pytest.mark.workflow
def test_plain_snakemake_refuses_a_broken_configfile_before_any_job(tmp_path):
    """Snakemake reads --configfile files while parsing its arguments (snakemake/settings/types.py, ConfigSettings),
    before the Snakefile runs, so its own message is all a plain `snakemake` prints; `make run CONFIG=…` and
    `ptft check-config` name the line (next tests)."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN_YAML[0][0])
    assert "Config file is not valid JSON or YAML" in _snakemake(tmp_path, "--configfile", str(bad))


@pytest.mark.xfail(strict=True, reason="Snakemake 9 names neither file nor line for a --configfile syntax error; "
                   "when this passes, drop docs/running.md's note on it")
@pytest.mark.workflow
def test_plain_snakemake_names_the_line_of_a_broken_configfile(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN_YAML[0][0])
    text = _snakemake(tmp_path, "--configfile", str(bad))
    assert "bad.yaml" in text and "line 3" in text


@pytest.mark.workflow
def test_check_config_names_file_and_line(tmp_path):
    """`ptft check-config` (run first by `make run`, `make report` and `make dryrun-paper`) exits 2 naming file:line."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN_YAML[0][0])
    out = subprocess.run([sys.executable, "-m", "ptft", "check-config", str(bad)], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 2 and f"{bad}:3:9: invalid YAML" in out.stderr, out.stderr
    ok = subprocess.run([sys.executable, "-m", "ptft", "check-config", "tests/configs/tiny.yaml"], cwd=ROOT,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


@pytest.mark.workflow
@pytest.mark.parametrize("target", ["run", "report", "dryrun-paper", "plan"])
def test_make_targets_check_the_config_before_snakemake(target):
    """Each documented make target reads the config through ptft.config before Snakemake starts (`make -n` prints)."""
    out = subprocess.run(["make", "-n", target, "CONFIG=tests/configs/tiny.yaml"], cwd=ROOT, capture_output=True,
                         text=True)
    lines = [line for line in out.stdout.splitlines() if "-m ptft" in line or "bin/snakemake" in line]
    assert lines and ("check-config" in lines[0] or "ptft plan" in lines[0]), out.stdout


@pytest.mark.workflow
def test_report_refuses_results_made_with_another_config(tmp_path, monkeypatch, capsys):
    """`make report` first runs `ptft check-config --results-of results/scorecard.md [CONFIG]`: results whose record
    names the tiny config's hash are refused without CONFIG (exit 2, naming the CONFIG to pass), accepted with it."""
    tiny = ROOT / "tests/configs/tiny.yaml"
    made = provenance.config_hash(arms.validate(config.load(ROOT / "config/config.yaml", tiny), ROOT))
    (tmp_path / "results").mkdir()
    (tmp_path / "results/scorecard.md").write_text("")
    io.write_json(provenance.record_path(tmp_path / "results/scorecard.md"), {"config_hash": made})

    monkeypatch.chdir(ROOT)  # the CLI reads config/ and workflow/schemas/ from the checkout it runs in

    def check(*configs):  # `python -m ptft check-config --results-of ...` in process: (exit status, stderr)
        status = cli.main(["check-config", "--results-of", str(tmp_path / "results/scorecard.md"), *map(str, configs)])
        return status, capsys.readouterr().err

    status, err = check()
    assert status == 2 and "`make report CONFIG=tests/configs/tiny.yaml`" in err, err
    assert check(ROOT / "config/paper.yaml")[0] == 2
    assert check(tiny)[0] == 0
    io.write_json(provenance.record_path(tmp_path / "results/scorecard.md"), {"config_hash": "0" * 64})
    assert "none of the shipped configs" in check()[1]
    make = subprocess.run(["make", "-n", "report"], cwd=ROOT, capture_output=True, text=True)
    assert any("ptft check-config" in line and "--results-of results/scorecard.md" in line
               for line in make.stdout.splitlines()), make.stdout


def test_schema_defaults_fill_keys_left_out():
    """`snakemake.utils.validate(set_default=True)`: a key every config leaves out takes the schema's default."""
    cfg = copy.deepcopy(BASE)
    for key in ("rich_lambda_below", "rich_gamma_below", "stable_step"):
        del cfg["dln"]["gd"][key]
    del cfg["dln"]["argmin"], cfg["dln"]["replica"]["mc_samples"], cfg["vision"]["datasets"]["svhn"]["path"]
    arms.validate(cfg, ROOT)
    gd = cfg["dln"]["gd"]
    assert (gd["rich_lambda_below"], gd["rich_gamma_below"], gd["stable_step"]) == (-0.999, 1e-3, 0)
    assert cfg["dln"]["argmin"] is True and cfg["dln"]["replica"]["mc_samples"] == 80000
    assert cfg["vision"]["datasets"]["svhn"]["path"] is None
