"""The bench scripts' commands run (bench/README.md documents them): each at its smallest size, in a process of its
own as a user runs it, exit status 0 and its JSON or table printed. The numbers they measure are not tested."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "vision_step": ["--in-channels", "1", "--image-size", "16", "--batch", "4", "--steps", "1", "--repeats", "1"],
    "modarith_step": ["--members", "2", "--steps", "2"],
    "dln_gd": ["--dim", "40", "--alpha", "0.5", "--steps", "20", "--runs", "2"],
}


@pytest.mark.workflow
@pytest.mark.parametrize("script", sorted(COMMANDS))
def test_bench_script_runs(script):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / f"{script}.py"), *COMMANDS[script]], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert out.stdout.strip()
