"""GPU paths (skipped without CUDA): GPU-resident data, fp32 vs CPU, bf16 autocast and channels_last.
Tolerances: fp32 GPU (TF32 off) vs CPU first-epoch loss within 1e-3 relative (cuDNN kernels differ); with cuDNN's
default TF32 convolutions within 2e-2; bf16 finite and within 5% of fp32."""

import pytest
import torch

from ptft.vision import model as resnet
from ptft.vision import steps
from ptft.vision.synthetic import stand_in

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]

SYN = dict(image_size=16, n_train_per_class=16, n_test_per_class=4, n_features=12, features_per_class=3,
           noise=0.3, seed=0)


def first_epoch_loss(runtime):
    data = stand_in(10, **SYN)
    x, y = data["train_x"].to(runtime.device), data["train_y"].to(runtime.device)
    model = resnet.build(10, seed=0).to(runtime.device)
    if runtime.channels_last:
        model = model.to(memory_format=torch.channels_last)
    torch.backends.cudnn.deterministic = True
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return steps.make_epoch_fn(x, y, batch_size=32, seed=0, purpose="gpu_test", runtime=runtime)(model, opt, 0)


def test_gpu_fp32_matches_cpu_and_bf16_channels_last_runs():
    cpu = first_epoch_loss(steps.Runtime(device=torch.device("cpu")))
    tf32 = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False  # cuDNN convolutions default to TF32 (10-bit mantissa): compare true fp32
    try:
        gpu = first_epoch_loss(steps.Runtime(device=torch.device("cuda")))
    finally:
        torch.backends.cudnn.allow_tf32 = tf32
    default = first_epoch_loss(steps.Runtime(device=torch.device("cuda")))  # TF32 convolutions: what the pipeline runs
    fast = first_epoch_loss(steps.Runtime(device=torch.device("cuda"), channels_last=True, bf16=True))
    assert gpu == pytest.approx(cpu, rel=1e-3), (cpu, gpu, default, fast)
    assert default == pytest.approx(cpu, rel=2e-2), (cpu, gpu, default, fast)  # TF32: 10-bit mantissa
    assert fast == pytest.approx(gpu, rel=0.05), (cpu, gpu, fast)
