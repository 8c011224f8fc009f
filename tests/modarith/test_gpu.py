"""The ensemble trains on CUDA to the CPU result (tolerance 1e-3 on losses: TF32 / other kernels)."""

import pytest
import torch

from ptft.modarith import train

P = 7
ARCH = {"d_model": 16, "n_heads": 2, "d_mlp": 32, "n_layers": 1}


def run(device, workdir):
    seeds = [0, 1]
    models = [train.pt_member(P, ARCH, seed=s, alpha_rel=1.0, c_pt=1.0, early_prefixes=["embed"]) for s in seeds]
    data = lambda part: [train.member_data(P, "add", s, part=part, pt_train_frac=0.6, ft_train_frac=0.6)  # noqa: E731
                         for s in seeds]
    _, status = train.train(models, run_ids=["a", "b"], train_data=data("pt_train"), test_data=data("test"),
                            steps=10, lr=1e-2, weight_decay=1.0, betas=(0.9, 0.98), eval_every=5, stop_loss=1e-3,
                            stop_early=False, workdir=workdir, device=torch.device(device))
    return status


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_ensemble_matches_cpu(tmp_path):
    cpu, gpu = run("cpu", tmp_path / "cpu"), run("cuda", tmp_path / "gpu")
    for a, b in zip(cpu, gpu):
        assert b["train_loss"] == pytest.approx(a["train_loss"], abs=1e-3)
        assert b["test_loss"] == pytest.approx(a["test_loss"], abs=1e-3)
