"""ENSD from N×N matrices equals the direct D×D definition (REFERENCE §5). Tolerance: relative 1e-10 (float64)."""

import pytest
import torch
from torch import nn

from ptft.deep.ensd import activations, ensd, ensd_per_layer, ensd_terms


def direct(x_pre, x_post):
    """The definition with D×D covariances."""
    c = [x.T @ x / torch.trace(x.T @ x) for x in (x_pre, x_post)]
    pr = [1.0 / torch.trace(ci @ ci) for ci in c]
    return float(pr[0] * pr[1] * torch.trace(c[0] @ c[1])), [float(p) for p in pr]


@pytest.mark.parametrize("n,d", [(7, 11), (12, 5)])
def test_ensd_matches_direct_dxd_computation(n, d):
    g = torch.Generator().manual_seed(n * d)
    x_pre = torch.randn(n, d, generator=g, dtype=torch.float64)
    x_post = x_pre + 0.5 * torch.randn(n, d, generator=g, dtype=torch.float64)
    want, (pr_pre, pr_post) = direct(x_pre, x_post)
    got = ensd_terms(x_pre, x_post)
    assert got["ensd"] == pytest.approx(want, rel=1e-10)
    assert got["pr_pre"] == pytest.approx(pr_pre, rel=1e-10)
    assert got["pr_post"] == pytest.approx(pr_post, rel=1e-10)


def test_ensd_of_identical_representations_is_their_participation_ratio():
    x = torch.randn(20, 3, 4, dtype=torch.float64)  # (N, ...) is flattened per sample
    terms = ensd_terms(x, x)
    assert terms["ensd"] == pytest.approx(terms["pr_pre"], rel=1e-10)
    # Orthogonal feature subspaces share no dimension.
    a, b = torch.zeros(6, 4, dtype=torch.float64), torch.zeros(6, 4, dtype=torch.float64)
    a[:, :2], b[:, 2:] = torch.randn(6, 2), torch.randn(6, 2)
    assert ensd(a, b) == pytest.approx(0.0, abs=1e-12)


def test_ensd_per_layer_uses_named_submodules():
    torch.manual_seed(0)
    pre = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
    post = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
    post.load_state_dict(pre.state_dict())
    x = torch.randn(10, 3)
    rows = ensd_per_layer(pre, post, x, ["0", "2"], batch_size=3)
    assert [r["layer"] for r in rows] == ["0", "2"]
    for r in rows:
        assert r["ensd"] == pytest.approx(r["pr_pre"], rel=1e-5)
    assert activations(pre, x, ["0"])["0"].shape == (10, 8)
