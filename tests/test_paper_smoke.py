"""The paper config's code paths on every test run: tests/configs/paper_smoke.yaml, merged over config/paper.yaml,
shrinks sizes and steps only; every other difference from the paper is a thing a CPU cannot run, listed here with
its reason (bench/gpu_check.sh covers the GPU ones). The slow test runs it end to end, scorecard included."""

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from ptft import arms, config

ROOT = Path(__file__).resolve().parents[1]
PAPER = [ROOT / "config/config.yaml", ROOT / "config/paper.yaml"]
SMOKE = ROOT / "tests/configs/paper_smoke.yaml"

# How the paper computes, which the smoke run must keep (checked key by key against paper.yaml).
CODE_PATHS = [
    "dln.mode", "dln.pt", "dln.argmin", "dln.gd.lr", "dln.gd.lr_rich", "dln.gd.tol_train", "dln.gd.tol_train_rich",
    "dln.gd.tol_rel", "dln.gd.rich_lambda_below", "dln.gd.rich_gamma_below", "dln.gd.stable_step", "dln.replica.method",
    "vision.stem", "vision.policies", "vision.ft.bn_stats", "vision.ft.stop_loss",
    "vision.pt.stop_loss", "vision.ft_jobs_per_seed", "vision.ensd.layers", "vision.ensd.images",
    "vision.compute.channels_last", "vision.compute.bf16",
    "modarith.p", "modarith.pt_train_frac", "modarith.families", "modarith.sweep_families", "modarith.policies",
    "modarith.head", "modarith.early_layers", "modarith.pt.optimizer", "modarith.pt.lr", "modarith.pt.weight_decay",
    "modarith.pt.betas", "modarith.pt_by_task.add+sub.lr", "modarith.pt_by_task.add+sub.lr_decay_frac",
    "modarith.ft.optimizer", "modarith.ft.lr", "modarith.ft.momentum", "modarith.ft.weight_decay",
]
# What the paper selects that a CPU without network cannot run, and why (each covered elsewhere).
CPU_CANNOT = {
    "dln.compute.device": "cuda: no GPU here (bench/gpu_check.sh runs the float64 GD on one)",
    "vision.compute.device": "auto picks CUDA on a GPU node; here the CPU",
    "modarith.compute.device": "auto picks CUDA on a GPU node; here the CPU",
    "vision.resources.gpu": "GPU jobs (bench/gpu_check.sh)",
    "modarith.resources.gpu": "GPU jobs (bench/gpu_check.sh)",
    "vision.datasets.cifar100.source": "the archives cannot be downloaded offline: the labelled stand-in (the real "
                                       "archive format and checksums are tested in tests/vision/test_data.py)",
    "vision.datasets.svhn.source": "as cifar100",
    "vision.allow_synthetic": "the stand-in above (the paper refuses it)",
}
# Sizes, steps, seeds and grids: what the smoke run shrinks.
SIZES = ("dln.dim", "dln.seeds", "dln.alpha", "dln.gd.check_every", "dln.gd.max_steps", "dln.panels",
         "dln.min_support", "dln.minimiser", "dln.single_task", "dln.phase.num", "dln.replica.alpha",
         "vision.run_datasets", "vision.synthetic", "vision.seeds", "vision.n", "vision.sweeps", "vision.pt.max_epochs",
         "vision.pt.max_images", "vision.ft.max_epochs", "vision.ensd.max_images", "vision.compute.threads",
         "vision.compute.eval_batch", "vision.compute.checkpoint_every", "modarith.seeds", "modarith.ft_train_frac",
         "modarith.sweeps", "modarith.model", "modarith.pt.steps", "modarith.pt.eval_every",
         "modarith.pt_by_task.add+sub.steps", "modarith.ft.steps", "modarith.ft.eval_every", "modarith.compute.threads")


def flat(node, prefix=""):
    if not isinstance(node, dict):
        return {prefix: node}
    out = {}
    for key, value in node.items():
        out |= flat(value, f"{prefix}.{key}" if prefix else str(key))
    return out


def merged(*paths):
    return flat(arms.validate(config.load(*paths), ROOT))


def test_smoke_keeps_every_code_path_of_the_paper_config():
    paper, smoke = merged(*PAPER), merged(*PAPER, SMOKE)
    for key in CODE_PATHS:
        kept = {k: v for k, v in paper.items() if k == key or k.startswith(key + ".")}
        assert kept, f"{key} is not a key of the paper config"
        assert {k: smoke.get(k) for k in kept} == kept, key


def test_every_other_difference_is_a_size_or_a_thing_a_cpu_cannot_run():
    paper, smoke = merged(*PAPER), merged(*PAPER, SMOKE)
    differ = {k for k in paper.keys() | smoke.keys() if paper.get(k) != smoke.get(k)}
    unexplained = {k for k in differ if k not in CPU_CANNOT and not k.startswith(SIZES)}
    assert not unexplained, unexplained
    assert not set(CPU_CANNOT) - differ, "listed as unrunnable but kept: drop it from CPU_CANNOT"


@pytest.mark.slow
def test_paper_smoke_runs_end_to_end_with_its_scorecard(tmp_path, pipeline_cmd):
    configs = (*PAPER, SMOKE)
    out = subprocess.run(pipeline_cmd(tmp_path, "--cores", "2", configfiles=configs), capture_output=True, text=True,
                         timeout=1500)
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-5000:]
    card = pd.read_csv(tmp_path / "results/scorecard.csv")
    assert list(card["claim_id"]) == [c.id for c in arms.CLAIMS]
    assert set(card["arm"]) == {"dln", "vision", "modarith"} and card["numbers"].str.len().gt(0).all()
    vision = pd.read_csv(tmp_path / "results/vision/finetune.csv")
    assert set(vision["dataset"]) == {"cifar100"} and (vision["data_source"] == "synthetic stand-in").all()
    modarith = pd.read_csv(tmp_path / "results/modarith/finetune.csv")
    assert (modarith["p"] == 113).all() and {"shared", "subset"} <= set(modarith["family"])
