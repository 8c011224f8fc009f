"""Shared fixtures: one run of the whole pipeline on the tiny config, reused by the workflow, audit, provenance,
scorecard and report tests (it takes about a minute on 2 cores), and the HTML report of a copy of it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/configs/tiny.yaml"
TERMINAL_LOG = "terminal.log"


def snakemake_cmd(workdir, *args, configfiles=(ROOT / "config/config.yaml", TINY)):
    """The pipeline run in `workdir` (outside the checkout) with the given configs merged left to right."""
    return [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
            "--configfile", *map(str, configfiles), *args]


@pytest.fixture(scope="session")
def tiny_workdir(tmp_path_factory):
    """Folder where the tiny pipeline ran; its results are in `<folder>/results`, what it printed on the terminal
    (stdout, then stderr) in `<folder>/terminal.log`."""
    if os.environ.get("PTFT_TINY_RUN"):  # reuse a finished run while developing tests (never tampered with)
        return Path(os.environ["PTFT_TINY_RUN"])
    workdir = tmp_path_factory.mktemp("tiny")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run(snakemake_cmd(workdir, "--cores", "2"), capture_output=True, text=True, env=env, timeout=1200)
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-5000:]
    (workdir / TERMINAL_LOG).write_text(out.stdout + out.stderr)
    return workdir


@pytest.fixture(scope="session")
def tiny_report(tiny_workdir, tmp_path_factory):
    """A copy of the tiny run's folder with the HTML report built in it (`snakemake --report results/report.html`,
    as `make report CONFIG=tests/configs/tiny.yaml` runs it); a copy, since the report has no provenance record."""
    workdir = tmp_path_factory.mktemp("report") / "run"
    shutil.copytree(tiny_workdir, workdir, symlinks=True)
    out = subprocess.run(snakemake_cmd(workdir, "--cores", "1", "--report", "results/report.html"), capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    return workdir


@pytest.fixture(scope="session")
def tiny_run(tiny_workdir):
    """The results folder of the tiny pipeline run."""
    return tiny_workdir / "results"


@pytest.fixture(scope="session")
def repo_root():
    return ROOT


@pytest.fixture(scope="session")
def pipeline_cmd():
    """`pipeline_cmd(workdir, *snakemake_args)`: the command line running the tiny pipeline in `workdir`."""
    return snakemake_cmd
