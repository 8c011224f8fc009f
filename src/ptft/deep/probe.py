"""The linear-probe baseline of the deep arms: a readout trained on the frozen PT model's features (REFERENCE §5: the
baseline for every FT number), reported beside each FT run as `probe_test_acc`. If fine-tuning only matches it, the
body learnt nothing the PT features did not already make linearly available.

Two methods, one concept, chosen per arm for what its FT run is compared with:
- `linear_probe` here (vision): softmax regression fit to its optimum by L-BFGS on standardised avgpool features —
  the best linear readout of the frozen features, independent of the FT optimiser and budget (ResNet FT runs for
  epochs of minibatch SGD, whose readout alone would not be a fixed target);
- `ptft.modarith.probe.fit` (modarith): the FT run's own fresh readout trained with the FT optimiser and steps on the
  frozen body — the same start, optimiser and budget as fine-tuning, so FT − probe is exactly what training the
  body added (the readout-scale mechanism lives in the FT optimiser's dynamics, which a fitted optimum ignores).
"""

import torch
import torch.nn.functional as F


def linear_probe(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor, test_y: torch.Tensor, *,
                 l2: float = 1e-2, max_iter: int = 200) -> dict:
    """Fit softmax regression on frozen features and score it. x: (N, D) features, y: (N,) int64 labels.

    Features are standardised with the train set's per-feature mean and std; the loss is the mean cross-entropy
    plus l2/2 · ‖W‖² [ours: a weak ridge, so that separable few-shot sets still give a finite, unique solution],
    minimised by L-BFGS in float64 on the CPU (deterministic). Returns {acc, loss} on the test set.
    """
    mean, std = train_x.double().mean(0), train_x.double().std(0, unbiased=False) + 1e-8
    a = ((train_x.double() - mean) / std).cpu()
    b = ((test_x.double() - mean) / std).cpu()
    ya, yb = train_y.cpu(), test_y.cpu()
    n_classes = int(max(ya.max(), yb.max())) + 1
    w = torch.zeros(a.shape[1], n_classes, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, bias], max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(a @ w + bias, ya) + 0.5 * l2 * (w**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        logits = b @ w + bias
        return {"acc": (logits.argmax(1) == yb).double().mean().item(), "loss": F.cross_entropy(logits, yb).item()}
