"""Console progress of training jobs: the line's format, its throttling, and the loops that report through it."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ptft import progress
from ptft.deep import trainer
from ptft.dln import gd


class Clock:
    """A fake monotonic clock advanced by hand, or by `tick` seconds at every reading."""

    def __init__(self, tick=0.0):
        self.t, self.tick = 0.0, tick

    def __call__(self):
        self.t += self.tick
        return self.t


def run(total, seconds_per_step, monkeypatch, every="30"):
    """The lines a loop of `total` steps of `seconds_per_step` prints, its final line included."""
    monkeypatch.setenv(progress.ENV, every)
    clock, stream = Clock(), io.StringIO()
    with progress.job("rule_x run=1", stream=stream):
        bar = progress.Progress(total, unit="epoch", clock=clock)
        for k in range(1, total + 1):
            clock.t += seconds_per_step
            bar.update(k, loss=1.0 / k)
        bar.close(total, outcome="converged")
    return stream.getvalue().splitlines()


def test_line_names_the_job_its_step_loss_and_elapsed_time():
    with progress.job("vision_pretrain dataset=mnist pt_id=9c41d07e2a", stream=io.StringIO()):
        text = progress.line(40, 100, unit="epoch", desc="PT seed 0", elapsed_s=62.0, loss=0.41234)
    assert text == "vision_pretrain dataset=mnist pt_id=9c41d07e2a: PT seed 0, epoch 40/100 (40%), loss 0.412, 01:02 elapsed"


def test_a_job_shorter_than_the_interval_prints_nothing(monkeypatch):
    assert run(total=100, seconds_per_step=0.2, monkeypatch=monkeypatch) == []


def test_one_line_per_interval_and_tenth_then_the_outcome(monkeypatch):
    """1 s per epoch, 100 epochs: a line at 30, 60 and 90 s (each ≥ 30 s and ≥ 10 epochs after the last), then one
    with the outcome; every line is `[progress] <job>: ...`."""
    lines = run(total=100, seconds_per_step=1.0, monkeypatch=monkeypatch)
    assert [line.split(", ")[0].split()[-2] for line in lines] == ["30/100", "60/100", "90/100", "100/100"]
    assert all(line.startswith("[progress] rule_x run=1: epoch ") for line in lines)
    assert lines[-1].endswith("outcome converged, 01:40 elapsed")


def test_a_long_job_prints_a_line_per_tenth_or_every_ten_intervals(monkeypatch):
    """Fast steps: one line per tenth of the steps, not one per 30 s; slow steps: one per 300 s at the latest."""
    fast = run(total=10_000, seconds_per_step=0.25, monkeypatch=monkeypatch)  # 42 min: a tenth every 250 s
    assert [line.split(", ")[0].split()[-2] for line in fast] == [f"{k}000/10000" for k in range(1, 11)]
    slow = run(total=10_000, seconds_per_step=1.0, monkeypatch=monkeypatch)[:5]  # a tenth takes 1000 s
    assert [line.split(", ")[0].split()[-2] for line in slow] == ["300/10000", "600/10000", "900/10000", "1200/10000",
                                                                     "1500/10000"]


def test_zero_interval_turns_the_lines_off(monkeypatch):
    assert run(total=100, seconds_per_step=100.0, monkeypatch=monkeypatch, every="0") == []


def test_lines_reach_the_console_only_inside_a_job(monkeypatch, capsys):
    """Outside a Snakemake job (library use, tests) the loops print nothing; inside, the line also reaches the
    job's log through the root logger (where ptft.provenance.tracked writes)."""
    monkeypatch.setenv(progress.ENV, "1")
    clock = Clock()
    bar = progress.Progress(10, unit="step", clock=clock)
    clock.t, _ = 1.0, bar.update(5)
    assert capsys.readouterr().err == ""
    log_file, stream = io.StringIO(), io.StringIO()
    root = logging.StreamHandler(log_file)
    logging.getLogger().addHandler(root)
    try:
        with progress.job("rule_y", stream=stream):
            bar = progress.Progress(10, unit="step", clock=clock)
            clock.t += 1.0
            bar.update(5)
    finally:
        logging.getLogger().removeHandler(root)
    assert stream.getvalue().startswith("[progress] rule_y: step 5/10") and "rule_y: step 5/10" in log_file.getvalue()


def test_the_deep_trainer_reports_epochs_and_outcome(monkeypatch):
    monkeypatch.setenv(progress.ENV, "1")
    monkeypatch.setattr(progress.time, "monotonic", Clock(tick=1.0))  # a line every tenth of the epochs
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = iter([1.0 / (k + 1) for k in range(20)])
    stream = io.StringIO()
    with progress.job("vision_finetune dataset=mnist ft_job=9c41d07e2a-0", stream=stream):
        trainer.fit(model, epoch_fn=lambda m, o, e: next(losses), optimizer=optimizer, max_epochs=20, stop_loss=0.06,
                    progress_desc="FT n=10")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[progress] vision_finetune dataset=mnist ft_job=9c41d07e2a-0: FT n=10, epoch 2/20 (10%), loss 0.5, ")
    assert "epoch 17/20" in lines[-1] and "outcome converged" in lines[-1]


def test_dln_gd_reports_steps_and_runs_left(monkeypatch):
    monkeypatch.setenv(progress.ENV, "1")
    monkeypatch.setattr(progress.time, "monotonic", Clock(tick=1.0))
    rng = np.random.default_rng(0)
    dim, n, runs = 20, 10, 3
    x = rng.standard_normal((n, dim)) / np.sqrt(dim)
    state = tuple(np.full((dim, runs), 0.1) for _ in range(4))
    stream = io.StringIO()
    with progress.job("dln_gd task=t", stream=stream):
        gd.gradient_descent(x, x[:, 0], state, options=gd.GDOptions(check_every=10, max_steps=200))
    lines = stream.getvalue().splitlines()
    assert lines and lines[0].startswith("[progress] dln_gd task=t: GD of 3 runs, step 20/200 (10%), running ")
    assert "converged" in lines[-1] and "diverged 0" in lines[-1]


@pytest.mark.parametrize("value", ["30", "0"])
def test_the_interval_is_read_when_a_loop_starts(monkeypatch, value):
    monkeypatch.setenv(progress.ENV, value)
    with progress.job("rule_z", stream=io.StringIO()):
        assert progress.Progress(10, unit="step").every_s == float(value)


SNAKEFILE = """
rule train:
    output:
        "out/{run}.txt",
    log:
        "logs/{run}.log",
    script:
        "train.py"
"""
SCRIPT = """
import time
from ptft import progress
from ptft.provenance import tracked
with tracked(snakemake):
    bar = progress.Progress(20, unit="epoch")
    for k in range(1, 21):
        time.sleep(0.1)
        bar.update(k, loss=1.0 / k)
    bar.close(20, outcome="converged")
    open(snakemake.output[0], "w").write("ok")
"""


@pytest.mark.workflow
@pytest.mark.parametrize("every", ["0.3", None])
def test_snakemake_console_gets_one_line_per_job_now_and_then(tmp_path, every):
    """Two jobs of a real Snakemake run (the training script's stderr is redirected into its log by `tracked`):
    with a short interval each job's lines reach Snakemake's console and its log; with the default 30 s a job of
    seconds prints none, so a `--quiet` run stays quiet."""
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    (tmp_path / "train.py").write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k != progress.ENV} | ({progress.ENV: every} if every else {})
    env["PYTHONPATH"] = str(Path(progress.__file__).parents[1])
    out = subprocess.run([sys.executable, "-m", "snakemake", "out/a.txt", "out/b.txt", "--cores", "2", "--quiet"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    console = [line for line in (out.stdout + out.stderr).splitlines() if line.startswith("[progress]")]
    if every is None:
        assert console == []
        return
    for run_id in "ab":
        mine = [line for line in console if line.startswith(f"[progress] train run={run_id}: epoch ")]
        assert 2 <= len(mine) <= 10 and "outcome converged" in mine[-1], console
        assert mine[-1].removeprefix("[progress] ") in (tmp_path / f"logs/{run_id}.log").read_text()


def test_a_job_of_many_short_loops_still_shows_a_line_now_and_then(monkeypatch):
    """The interval is the job's: 20 fine-tuning runs of 20 s each (none long enough alone) give a line about
    every 30 s, each naming its run, and a last line for each run that printed one."""
    monkeypatch.setenv(progress.ENV, "30")
    clock, stream = Clock(), io.StringIO()
    with progress.job("vision_finetune ft_job=0", stream=stream):
        for run_id in range(20):
            bar = progress.Progress(20, unit="epoch", desc=f"FT run {run_id}", clock=clock)
            for k in range(1, 21):
                clock.t += 1.0
                bar.update(k)
            bar.close(20)
    lines = stream.getvalue().splitlines()
    updates = [line for line in lines if "(100%)" not in line]
    assert 10 <= len(updates) <= 14 and len(lines) == 2 * len(updates)
    assert len({line.split(", ")[0] for line in updates}) == len(updates)  # each from another run
