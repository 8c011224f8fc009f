"""The initialisation knobs of the deep arms (REFERENCE §5), applied to named parameter groups.

The deep analogues of the DLN's c_pt, λ_pt and γ_ft:
- `alpha_rel` (relative scale): the early group's parameters are divided by it at PT initialisation
  (> 1: smaller early layers, like λ_pt < 0);
- `c_pt` (absolute scale): every PT initial parameter is multiplied by it;
- `gamma_ft` (readout scale): the fresh FT head is multiplied by it (0 allowed: a zero readout).
The authors' CIFAR code places two of them differently, offered here too: the absolute scale multiplies every
parameter of the *PT model* at the start of fine-tuning (`scale_all`), and the readout is the PT model's own head
rows that PT never read, × γ (`head_from_rows`).

A group is every parameter whose qualified name (`model.named_parameters()`) starts with one of its
prefixes, so the knobs need no knowledge of the architecture. BatchNorm: a conv followed by BatchNorm
has its scale normalised away in the forward pass (it only changes the effective learning rate). The
BN affine parameters (`weight`, `bias`) are parameters of the same group (`bn1.*`, `layer1.0.bn2.*`)
and are scaled with it, so the group's *output* scales by the factor too (ReLU is positively
homogeneous and BN's output is linear in its affine parameters) — exactly up to BN's eps, which matters
once factor² · (pre-BN variance) approaches eps (very small c_pt). BN running statistics are buffers and
are left alone. Models without BN (Transformers) are scaled the same way: LayerNorm gains under a prefix
are scaled like any other parameter of the group.
"""

import torch
from torch import nn

from ptft import seeding

def _matches(name: str, prefix: str) -> bool:
    """`layer1` matches `layer1.0.conv1.weight` but not `layer10.weight`."""
    return name == prefix or name.startswith(prefix.rstrip(".") + ".")


def scale_parameters(model: nn.Module, prefixes, factor: float) -> list[str]:
    """Multiply in place every parameter whose name starts with one of `prefixes` by `factor`.

    Returns the names touched. Raises ValueError naming any prefix that matches no parameter (a typo in
    a config must not silently leave a knob without effect).
    """
    prefixes = list(prefixes)
    touched, used = [], set()
    with torch.no_grad():
        for name, param in model.named_parameters():
            hits = [p for p in prefixes if _matches(name, p)]
            if hits:
                param.mul_(factor)
                touched.append(name)
                used.update(hits)
    unmatched = [p for p in prefixes if p not in used]
    if unmatched:
        raise ValueError(f"parameter prefixes {unmatched} match no parameter of {type(model).__name__}")
    return touched


def apply_pt_init(model: nn.Module, *, early_prefixes, alpha_rel: float, c_pt: float) -> None:
    """PT initialisation knobs: the early group divided by `alpha_rel`, then every parameter × `c_pt`."""
    if alpha_rel <= 0 or c_pt <= 0:
        raise ValueError(f"alpha_rel and c_pt must be > 0, got alpha_rel={alpha_rel}, c_pt={c_pt}")
    scale_parameters(model, early_prefixes, 1.0 / alpha_rel)
    with torch.no_grad():
        for param in model.parameters():
            param.mul_(c_pt)


def scale_all(model: nn.Module, factor: float) -> None:
    """Multiply every parameter by `factor` in place (buffers such as BN running statistics untouched): the
    authors' absolute scale (`--finetune_scaling`), applied to the loaded PT model before fine-tuning."""
    if factor <= 0:
        raise ValueError(f"the absolute scale must be > 0, got {factor}")
    with torch.no_grad():
        for param in model.parameters():
            param.mul_(factor)


def head_from_rows(model: nn.Module, head: str, rows, gamma_ft: float) -> None:
    """Replace the Linear `head` by one holding only its output rows `rows` (weight and bias), × `gamma_ft`.

    The same function as reading those logits of the old head; with the other rows gone they cannot be trained
    by accident. The authors' readout (`fr_fc`, `--finetune_scaling_last`): rows 0–1 of the PT head, which PT never
    trained because it reads the other rows.
    """
    if gamma_ft < 0:
        raise ValueError(f"gamma_ft must be >= 0, got {gamma_ft}")
    old = model.get_submodule(head)
    # skip_init: no draw from the global RNG for values that are overwritten at once
    new = nn.utils.skip_init(nn.Linear, old.in_features, len(rows), bias=old.bias is not None,
                             device=old.weight.device, dtype=old.weight.dtype)
    with torch.no_grad():
        new.weight.copy_(old.weight[list(rows)] * gamma_ft)
        if old.bias is not None:
            new.bias.copy_(old.bias[list(rows)] * gamma_ft)
    parent, _, name = head.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, name, new)


def reset_head(model: nn.Module, head: str, gamma_ft: float, seed: int) -> None:
    """Re-initialise submodule `head` with its default init, then multiply its parameters by `gamma_ft`.

    The draw comes from the named stream ("ft_head", `seed`), made on the CPU so that the fresh head is
    the same on every device, and leaves the global torch RNG untouched.
    """
    if gamma_ft < 0:
        raise ValueError(f"gamma_ft must be >= 0, got {gamma_ft}")
    module = model.get_submodule(head)
    device = next(module.parameters()).device
    module.to("cpu")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seeding.torch_seed(seed, "ft_head"))
        for sub in module.modules():
            if hasattr(sub, "reset_parameters"):
                sub.reset_parameters()
    module.to(device)
    scale_parameters(model, [head], gamma_ft)
