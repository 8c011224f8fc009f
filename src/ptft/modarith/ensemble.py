"""Many small runs as one: the members' parameters stacked along a leading axis and run with torch.func.vmap.

Each member is built, initialised and (for fine-tuning) re-headed as an ordinary `Transformer`, so the knobs
act on plain modules; stacking only changes how fast the members train, not what they compute.
"""

import copy

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap


class Ensemble(nn.Module):
    """E models of one architecture: tokens (E, n, n_ctx) -> logits (E, n, n_out), member e on its own data."""

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        params, _ = stack_module_state(models)
        self.names = list(params)
        # ParameterDict keys may not contain dots; the order of `names` maps them back.
        self.stacked = nn.ParameterList(nn.Parameter(params[k].detach().clone()) for k in self.names)
        # Architecture only (meta tensors, no data); in a tuple so that it is not registered as a submodule
        # and its parameters never reach the optimizer or the state dict.
        self.base = (copy.deepcopy(models[0]).to("meta"),)

    def __len__(self) -> int:
        return self.stacked[0].shape[0]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        def one(params, x):
            return functional_call(self.base[0], params, (x,))

        return vmap(one)(dict(zip(self.names, self.stacked)), tokens)

    def member_state(self, e: int) -> dict[str, torch.Tensor]:
        """Member e's parameters as an ordinary state dict of the base architecture."""
        return {k: p[e].detach().clone() for k, p in zip(self.names, self.stacked)}


def member_losses(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy per member: logits (E, n, C), labels (E, n) -> (E,)."""
    E, n, C = logits.shape
    losses = nn.functional.cross_entropy(logits.reshape(E * n, C), labels.reshape(E * n), reduction="none")
    return losses.view(E, n).mean(1)


def member_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Fraction correct per member: (E, n, C), (E, n) -> (E,)."""
    return (logits.argmax(-1) == labels).float().mean(1)
