"""The DAG: both shipped configs dry-run; the tiny config runs end to end and produces every DLN artefact."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ptft import io, provenance

ROOT = Path(__file__).resolve().parents[1]


def dry_run(workdir, *configfiles):
    """A dry run in an empty folder (`--directory`, as the README runs the paper config), so results already in the
    checkout do not hide jobs; the Snakefile reads config/config.yaml from beside itself, the others merge over it."""
    files = [str(ROOT / f) for f in configfiles]
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "-s", str(ROOT / "Snakefile"),
                          "--directory", str(workdir), *(["--configfile", *files] if files else [])], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout + out.stderr


# Modules whose import costs seconds: the workflow's parse (every Snakemake start, and every job Snakemake spawns)
# and the CLI's config check must not pay for them; the jobs that train or plot import them themselves.
HEAVY = ("torch", "torchvision", "matplotlib", "seaborn")


def test_parsing_the_workflow_imports_no_training_or_plotting_library():
    """Every module the Snakefile and its rule files import, and the CLI, leave torch and matplotlib unimported."""
    import re

    lines = [line for path in [ROOT / "Snakefile", *sorted((ROOT / "workflow/rules").glob("*.smk"))]
             for line in path.read_text().splitlines() if re.match(r"(from \S+ )?import ", line)]
    assert any("ptft" in line for line in lines)
    code = "\n".join([*lines, "import ptft.__main__", "import sys",
                      f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"])
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


def test_jobs_without_torch_do_not_import_it():
    """The minimiser and replica jobs pin their threads and solve without torch (~2.5 s of import per job saved)."""
    code = ("import sys\nfrom ptft import provenance, threads\nfrom ptft.dln import analysis, minimiser\n"
            "threads.pin(1)\nprint('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False"], out.stdout


def test_pinning_reaches_torch_once_it_is_imported():
    import torch

    from ptft import threads

    before = torch.get_num_threads()
    try:
        threads.pin(1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


@pytest.mark.workflow
@pytest.mark.parametrize("configfile", [None, "config/paper.yaml", "tests/configs/tiny.yaml"])
def test_dry_run_builds_the_dag(configfile, tmp_path):
    text = dry_run(tmp_path, *([configfile] if configfile else []))
    for rule in ("dln_gd", "dln_fig3", "dln_fig4", "replica_curves", "dln_phase", "dln_agreement"):
        assert rule in text, rule


@pytest.mark.slow
def test_plain_snakemake_loads_the_default_profile():
    """docs/running.md: plain `snakemake` in the checkout uses profiles/default (all cores, --rerun-incomplete, gpu=1), and
    its multi-GPU command needs no --cores. Snakemake 9 looks for profiles/default beside the Snakefile."""
    for args in ([], ["--resources", "gpu=4", "--configfile", "config/paper.yaml"]):
        out = subprocess.run([sys.executable, "-m", "snakemake", "-n", *args], cwd=ROOT, capture_output=True, text=True)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
        assert "profiles/default" in out.stdout + out.stderr
    profile = (ROOT / "profiles/default/config.yaml").read_text()
    assert "rerun-incomplete: true" in profile and "gpu=1" in profile and "cores: all" in profile


DLN_OUTPUTS = [
    "dln/simulations.csv", "dln/replica.csv", "dln/single_task.csv", "dln/phase.csv",
    "dln/figures/fig3.pdf", "dln/figures/fig3.png", "dln/figures/fig4.png", "dln/figures/phase.png",
    "dln/figures/single_task.png", "dln/tables/agreement.md", "dln/tables/regimes.tex", "dln/tables/fig3_points.csv",
    "dln/tables/single_task.md", "dln/tables/gd_status.md", "dln/minimiser.csv", "dln/tables/finite_size.md",
    "dln/tables/regime_settings.csv", "dln/regime_curves.csv",
]
SIM_COLUMNS = ["c_pt", "lambda_pt", "gamma_ft", "rho_pt", "rho_ft", "omega", "alpha", "dim", "seed", "mse",
               "mse_argmin", "train_mse", "steps", "converged", "diverged", "lr"]


@pytest.mark.slow
def test_tiny_pipeline_produces_dln_artefacts(tiny_run):
    for rel in DLN_OUTPUTS:
        path = tiny_run / rel
        assert path.exists() and path.stat().st_size > 0, rel
        assert Path(str(path) + ".prov.json").exists(), f"no provenance record for {rel}"
    # What a job cost comes from the kernel's accounting of its process (no benchmark: directive polling /proc).
    gd_record = json.loads(Path(str(tiny_run / "dln/simulations.csv") + ".prov.json").read_text())
    assert gd_record["cpu_s"] > 0 and gd_record["max_rss_mb"] > 0 and gd_record["wall_s"] > 0
    sims = pd.read_csv(tiny_run / "dln/simulations.csv")
    assert set(SIM_COLUMNS) <= set(sims.columns)
    assert sims["mse"].notna().all() and (sims["beta_ft0_max"] == 0).all()
    replica = pd.read_csv(tiny_run / "dln/replica.csv")
    assert {"mse", "mse_se", "converged"} <= set(replica.columns)


@pytest.mark.slow
def test_tiny_run_warns_of_the_synthetic_stand_in_once(tiny_workdir):
    """The tiny run's vision arm stands on the stand-in: the terminal gets one warning for the whole run (from the
    onsuccess handler), not one per figure or job; each job notes it in its own log."""
    terminal = tiny_workdir / "terminal.log"
    if not terminal.exists():
        pytest.skip("a reused run (PTFT_TINY_RUN) without the terminal output of its run")
    text = terminal.read_text()
    assert text.count("SYNTHETIC STAND-IN") == 1, text[-3000:]
    assert "result(s) were made from a SYNTHETIC STAND-IN" in text
    assert "SYNTHETIC STAND-IN" in (tiny_workdir / "logs/vision/figure_relative.log").read_text()


@pytest.mark.slow
def test_tiny_run_download_log_says_what_happened(tiny_workdir):
    """logs/vision/download_<dataset>.log is never empty: it names the dataset and the source it used."""
    sources = sorted((tiny_workdir / "resources/vision").glob("*/source.json"))
    assert sources
    for source_json in sources:
        name = source_json.parent.name
        log = (tiny_workdir / f"logs/vision/download_{name}.log").read_text()
        synthetic = io.read_json(source_json)["data_source"] == provenance.SYNTHETIC
        assert f"{name}: {'using the SYNTHETIC STAND-IN' if synthetic else 'real data from'}" in log, log


@pytest.mark.slow
@pytest.mark.parametrize("mode, present, absent", [
    ("minimiser", ["dln_minimiser", "dln_fig3"], ["dln_gd", "dln_agreement", "dln_collect"]),
    ("gd", ["dln_gd", "dln_agreement", "dln_fig3"], ["dln_minimiser"]),
])
def test_dln_mode_decides_which_points_run(mode, present, absent, tmp_path):
    """dln.mode minimiser: a Figure 3 without GD (the CPU-only paper-scale route); gd: without theory points."""
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "-s", str(ROOT / "Snakefile"),
                          "--directory", str(tmp_path), "--configfile", str(ROOT / "config/config.yaml"),
                          str(ROOT / "config/paper.yaml"), "--config", "arms=[dln]", f"dln={{'mode': '{mode}'}}"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    rules = {line.split()[0] for line in out.stdout.splitlines() if line.strip()}
    assert set(present) <= rules and not set(absent) & rules, rules


@pytest.mark.slow
def test_a_moved_checkout_has_nothing_to_do(tmp_path):
    """A run inside its checkout stays up to date when the checkout is moved (`snakemake -n`: nothing to do): no rule
    input names an absolute path. The report-only DAG (`arms: []`: scorecard, provenance index, plan) is enough."""
    import shutil

    first = tmp_path / "first"
    for part in ("workflow", "config", "bench", "profiles"):
        shutil.copytree(ROOT / part, first / part)
    for name in ("Snakefile", "environment.yml"):
        shutil.copy(ROOT / name, first / name)

    def snakemake(where, *args):
        out = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", "--config", "arms=[]", *args],
                             cwd=where, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
        return out.stdout + out.stderr

    snakemake(first)
    moved = first.rename(tmp_path / "moved")
    assert "Nothing to be done" in snakemake(moved, "-n")
