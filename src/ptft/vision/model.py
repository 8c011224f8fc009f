"""torchvision's ResNet-18 with the ImageNet stem (as the authors) or a CIFAR stem [ours]; the parameter groups the
authors' relative-scale policies divide by α are named in ptft.vision.runs (RELATIVE_POLICIES)."""

import torch
from torch import nn
from torchvision.models import resnet18

HEAD = "fc"  # the readout: PT reads its rows 2.., FT its rows 0–1 (pt_rows) or a fresh 2-way head (fresh)
N_FT_OUTPUTS = 2

def build(n_classes: int, *, stem: str = "imagenet", seed: int, in_channels: int = 3) -> nn.Module:
    """ResNet-18 with `n_classes` outputs and torchvision's default init drawn from stream ("init", seed).

    stem `imagenet`: 7×7 stride-2 conv + max-pool (32 px images reach layer4 at 1×1);
    stem `cifar`: 3×3 stride-1 conv, no max-pool (layer4 at 4×4, ~16× the compute).
    in_channels 1 (MNIST): conv1 takes one channel (same shape otherwise, torchvision's kaiming init) rather than
    replicating the grey channel three times [ours].
    """
    from ptft import seeding

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seeding.torch_seed(seed, "init"))
        model = resnet18(num_classes=n_classes)
        if stem == "cifar":
            model.conv1 = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
            model.maxpool = nn.Identity()
        elif stem != "imagenet":
            raise ValueError(f"stem must be 'imagenet' or 'cifar', got {stem!r}")
        elif in_channels != 3:
            model.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        if stem == "cifar" or in_channels != 3:
            nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
    return model


def replace_head(model: nn.Module, n_classes: int) -> nn.Module:
    """A new readout with `n_classes` outputs (its values are set by knobs.reset_head)."""
    old = model.get_submodule(HEAD)
    setattr(model, HEAD, nn.Linear(old.in_features, n_classes).to(old.weight.device))
    return model
