"""The linear-probe baseline separates what is linearly separable and is deterministic."""

import torch

from ptft.deep.probe import linear_probe


def test_linear_probe_separates_separable_features_and_is_deterministic():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(60, 20, generator=g)
    y = (x[:, 3] > 0).long()
    x[:, 3] += 3 * (2 * y - 1)  # a margin along the one informative dimension
    first = linear_probe(x[:10], y[:10], x[10:], y[10:])
    assert first["acc"] > 0.65  # 10 images in 20 dimensions: above chance, not perfect
    assert linear_probe(x[:10], y[:10], x[10:], y[10:]) == first
    full = linear_probe(x[:40], y[:40], x[40:], y[40:])
    assert full["acc"] == 1.0


def test_linear_probe_is_at_chance_on_labels_unrelated_to_the_features():
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(400, 10, generator=g), torch.randint(0, 2, (400,), generator=g)
    assert abs(linear_probe(x[:200], y[:200], x[200:], y[200:])["acc"] - 0.5) < 0.1
