"""Read-outs of a frozen model: the linear-probe baseline and the accuracy of a body read by a given head.

The probe is the FT run's own fresh readout trained, with the FT optimizer and steps, on the frozen PT model's
residual stream at "=" (REFERENCE §5: "a linear probe on the frozen PT model is the baseline for every FT number"):
fine-tuning that does no better than it has only re-read features the PT model already had linearly available.
"""

import numpy as np
import torch

from ptft.modarith.ensemble import member_accuracy, member_losses
from ptft.modarith.train import make_optimizer


@torch.no_grad()
def features(model: torch.nn.Module, tokens: np.ndarray, device="cpu") -> torch.Tensor:
    """The residual stream at "=" of `model` on `tokens` (n, n_ctx): (n, d_model), float32, on `device`."""
    model = model.to(device).eval()
    return model.features(torch.from_numpy(tokens).to(device))


def fit(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor,
        head: torch.Tensor, *, steps: int, **optimizer) -> dict[str, np.ndarray]:
    """Train only the readouts of E frozen models: fine-tuning with the body frozen, full batch.

    train_x (E, n, d), train_y (E, n), test_x (E, m, d), test_y (E, m): features and labels; head (E, n_out, d): the
    fresh readouts the FT runs start from; `optimizer`: the FT optimizer settings (ptft.modarith.train.make_optimizer).
    Returns train_acc and test_acc, (E,) each. Same start, optimizer and steps as fine-tuning, so FT − probe is what
    training the body added.
    """
    W = head.detach().clone().requires_grad_(True)
    opt = make_optimizer([W], **optimizer)
    for _ in range(steps):
        # Sum of per-member mean losses, as in ensemble training: each member's gradient is its own.
        loss = member_losses(train_x @ W.transpose(1, 2), train_y).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        return {"train_acc": member_accuracy(train_x @ W.transpose(1, 2), train_y).cpu().numpy(),
                "test_acc": member_accuracy(test_x @ W.transpose(1, 2), test_y).cpu().numpy()}


@torch.no_grad()
def head_accuracy(body: torch.nn.Module, head_weight: torch.Tensor, tokens: np.ndarray, labels: np.ndarray,
                  device="cpu") -> float:
    """Accuracy of `body`'s features read by the readout weight `head_weight` (n_out, d_model) on (tokens, labels).

    With the PT readout and a fine-tuned body this says whether the PT features survived fine-tuning.
    """
    logits = features(body, tokens, device) @ head_weight.to(device).T
    return float((logits.argmax(-1).cpu().numpy() == labels).mean())
