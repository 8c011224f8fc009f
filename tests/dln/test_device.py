"""DLN GD on a torch device: the CPU path through run_task_batches(device=...), and CUDA vs CPU (GPU only)."""

import numpy as np
import pandas as pd
import pytest
import torch

from ptft.dln.batch import run_task_batches

GD = dict(lr=0.5, tol_train=1e-8, tol_rel=1e-10, check_every=50, max_steps=3000, max_steps_extended=3000)


def runs():
    rows = [dict(c_pt=1e-3, lambda_pt=lam, gamma_ft=gam, lr=0.5, tol_train=1e-8, rho_ft=0.1, omega=1.0, seed=0,
                 alpha=0.3, rho_pt=0.1, dim=80, a_pt=1.0, pt="oracle", task="t", run_id=f"r{i}")
            for i, (lam, gam) in enumerate([(0.0, 0.0), (-0.9, 0.0), (0.0, 1.0)])]
    return pd.DataFrame(rows)


def test_device_argument_reaches_gd_on_cpu():
    cpu = run_task_batches(runs(), GD, argmin=True, device=torch.device("cpu"))
    default = run_task_batches(runs(), GD, argmin=True)
    np.testing.assert_array_equal(cpu["mse"], default["mse"])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_gives_the_cpu_beta():
    cpu = run_task_batches(runs(), GD, argmin=False, device="cpu")
    gpu = run_task_batches(runs(), GD, argmin=False, device="cuda")
    np.testing.assert_allclose(gpu["mse"], cpu["mse"], rtol=1e-10, atol=1e-14)
    assert (gpu["steps"] == cpu["steps"]).all()
