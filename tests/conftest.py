"""Shared fixtures: one run of the whole pipeline on the tiny config, reused by the workflow, audit, provenance,
scorecard and report tests (it takes about a minute on 2 cores), and the HTML report of a copy of it."""

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/configs/tiny.yaml"
TERMINAL_LOG = "terminal.log"


# Files of tests that take minutes besides the tiny run: started right after the first file that reads the tiny run, so
# that each worker of `make test` (pytest-xdist, `-n 2 --dist loadfile --no-loadscope-reorder`) has long work at once.
LONG = ("tests/infra/test_slurm.py", "tests/test_paper_smoke.py")


def pytest_collection_modifyitems(config, items):
    """Test files in the order the two xdist workers take them (each file whole, so a module's fixtures are built
    once): the first file that reads the tiny run (its worker runs the pipeline, tiny_workdir), the LONG files, the
    other files that read the tiny run (by then it is done), the rest. Within a file, the collected order."""
    def path(item):
        return item.nodeid.split("::")[0]

    tiny = list(dict.fromkeys(path(i) for i in items if "tiny_workdir" in i.fixturenames))

    def rank(item):
        p = path(item)
        return 0 if tiny[:1] == [p] else 1 if p in LONG else 2 if p in tiny else 3

    items.sort(key=rank)


def snakemake_cmd(workdir, *args, configfiles=(ROOT / "config/config.yaml", TINY)):
    """The pipeline run in `workdir` (outside the checkout) with the given configs merged left to right."""
    return [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
            "--configfile", *map(str, configfiles), *args]


@pytest.fixture(scope="session")
def tiny_workdir(tmp_path_factory):
    """Folder where the tiny pipeline ran; its results are in `<folder>/results`, what it printed on the terminal
    (stdout, then stderr) in `<folder>/terminal.log`. Run once per test run: under pytest-xdist the workers share
    the folder, the first to need it runs the pipeline while another that needs it waits on the lock."""
    if os.environ.get("PTFT_TINY_RUN"):  # reuse a finished run while developing tests (never tampered with)
        return Path(os.environ["PTFT_TINY_RUN"])
    base = tmp_path_factory.getbasetemp()
    base = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # the workers' common folder
    workdir = base / "tiny"
    with open(base / "tiny.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (workdir / TERMINAL_LOG).exists():  # written last: a failed run leaves none, and the next one retries
            workdir.mkdir(exist_ok=True)
            env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
            out = subprocess.run(snakemake_cmd(workdir, "--cores", "2"), capture_output=True, text=True, env=env,
                                 timeout=1200)
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
