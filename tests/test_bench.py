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
    "gpu_packing": ["--device", "cpu", "--jobs", "1", "--seconds", "0.5", "--startup-s", "5", "--image-size", "16",
                    "--batch", "4", "--steps", "1", "--threads", "1"],
}


@pytest.mark.workflow
@pytest.mark.parametrize("script", sorted(COMMANDS))
def test_bench_script_runs(script):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / f"{script}.py"), *COMMANDS[script]], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert out.stdout.strip()


@pytest.mark.workflow
def test_scorecard_diff_names_moved_verdicts_and_leaves_out_claims_not_run(tmp_path):
    """bench/scorecard_diff.py on two made-up scorecards: a claim whose verdict moved is named, the change of its
    effect printed, and a claim NOT RUN in one of them is left out and counted."""
    cols = "claim_id,verdict,verdict_holm,effect,ci_low,ci_high\n"
    (tmp_path / "a.csv").write_text(cols + "c1,PASS,PASS,0.10,0.02,0.18\nc2,PASS,PASS,1.0,0.5,1.5\n"
                                           "c3,NOT RUN,NOT RUN,,,\n")
    (tmp_path / "b.csv").write_text(cols + "c1,INCONCLUSIVE,INCONCLUSIVE,0.04,-0.01,0.09\nc2,PASS,PASS,1.0,0.5,1.5\n"
                                           "c3,PASS,PASS,0.3,0.1,0.5\n")
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "scorecard_diff.py"), "a.csv", "b.csv"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "2 claims run in both; verdicts that moved: c1;" in out.stdout
    assert "largest change of an effect: 0.06" in out.stdout
    assert out.stdout.rstrip().endswith("missing from one): 1")
    assert "-0.0600" in out.stdout  # c1's change, B − A
