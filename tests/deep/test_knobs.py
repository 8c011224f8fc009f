"""Each initialisation knob changes what it claims to change (REFERENCE §5). Tolerances: relative 1e-5
for exact scalings in float32, unless stated."""

import pytest
import torch
from torch import nn
from torchvision.models import resnet18

from ptft.deep.knobs import apply_pt_init, reset_head, scale_parameters

EARLY = ["conv1", "bn1", "layer1", "layer2", "layer3"]


def small_resnet(seed=0, bn_eps=None):
    """ResNet-18; `bn_eps` overrides BatchNorm's eps (1e-5), which alone breaks exact homogeneity."""
    torch.manual_seed(seed)
    model = resnet18(num_classes=5)
    for module in model.modules():
        if bn_eps is not None and isinstance(module, nn.BatchNorm2d):
            module.eps = bn_eps
    return model


def rel_err(got, want):
    return ((got - want).norm() / want.norm()).item()


def train_mode_output(model, x, layer):
    """Output of submodule `layer` in train mode (BN uses batch statistics, as at the start of training)."""
    out = {}
    h = model.get_submodule(layer).register_forward_hook(lambda _m, _i, y: out.setdefault("y", y.detach()))
    model.train()
    with torch.no_grad():
        logits = model(x)
    h.remove()
    return out["y"], logits


def param_norms(model):
    return {n: p.detach().norm().item() for n, p in model.named_parameters()}


def test_scale_parameters_matches_whole_name_components_and_reports_touched():
    model = nn.Sequential()
    model.add_module("layer1", nn.Linear(2, 2))
    model.add_module("layer10", nn.Linear(2, 2))
    before = param_norms(model)
    touched = scale_parameters(model, ["layer1"], 3.0)
    assert touched == ["layer1.weight", "layer1.bias"]
    after = param_norms(model)
    assert after["layer1.weight"] == pytest.approx(3 * before["layer1.weight"], rel=1e-6)
    assert after["layer10.weight"] == before["layer10.weight"]


def test_scale_parameters_rejects_unmatched_prefix():
    with pytest.raises(ValueError, match="nope"):
        scale_parameters(nn.Linear(2, 2), ["weight", "nope"], 2.0)


def test_alpha_rel_divides_early_parameters_and_early_output_only():
    x = torch.randn(4, 3, 32, 32)
    ref, knob = small_resnet(), small_resnet()
    apply_pt_init(knob, early_prefixes=EARLY, alpha_rel=4.0, c_pt=1.0)
    n_ref, n_knob = param_norms(ref), param_norms(knob)
    for name in n_ref:
        early = any(name.startswith(p) for p in EARLY)
        assert n_knob[name] == pytest.approx(n_ref[name] / (4.0 if early else 1.0), rel=1e-5, abs=1e-12)
    # BN affine parameters are scaled with their layer, so the early group's output (train-mode BN) is / α.
    # With BN's eps → 0 the scaling is exact (relative error 1e-4 in float32); with the default eps = 1e-5
    # it is exact up to eps / var of the smallest pre-BN variance (a few per cent at most here).
    for eps, tol in ((1e-12, 1e-4), (1e-5, 0.05)):
        ref, knob = small_resnet(bn_eps=eps), small_resnet(bn_eps=eps)
        apply_pt_init(knob, early_prefixes=EARLY, alpha_rel=4.0, c_pt=1.0)
        y_ref, _ = train_mode_output(ref, x, "layer3")
        y_knob, _ = train_mode_output(knob, x, "layer3")
        assert rel_err(4.0 * y_knob, y_ref) < tol


def test_c_pt_multiplies_all_parameters_and_the_feature_scale():
    x = torch.randn(4, 3, 32, 32)
    ref, knob = small_resnet(), small_resnet()
    apply_pt_init(knob, early_prefixes=EARLY, alpha_rel=1.0, c_pt=0.3)
    n_ref, n_knob = param_norms(ref), param_norms(knob)
    for name in n_ref:
        assert n_knob[name] == pytest.approx(0.3 * n_ref[name], rel=1e-5, abs=1e-12)
    # Exact homogeneity needs BN's eps → 0 (with eps = 1e-5 small c_pt lets eps matter: ~6% at layer4 here).
    ref, knob = small_resnet(bn_eps=1e-12), small_resnet(bn_eps=1e-12)
    apply_pt_init(knob, early_prefixes=EARLY, alpha_rel=1.0, c_pt=0.3)
    y_ref, _ = train_mode_output(ref, x, "layer4")
    y_knob, _ = train_mode_output(knob, x, "layer4")
    assert rel_err(y_knob, 0.3 * y_ref) < 1e-4


def test_alpha_rel_and_c_pt_compose():
    ref, knob = small_resnet(), small_resnet()
    apply_pt_init(knob, early_prefixes=EARLY, alpha_rel=2.0, c_pt=5.0)
    assert param_norms(knob)["conv1.weight"] == pytest.approx(2.5 * param_norms(ref)["conv1.weight"], rel=1e-5)
    assert param_norms(knob)["fc.weight"] == pytest.approx(5.0 * param_norms(ref)["fc.weight"], rel=1e-5)


def test_gamma_ft_scales_the_fresh_readout_and_its_logits():
    x = torch.randn(4, 3, 32, 32)
    models = {g: small_resnet() for g in (0.0, 1.0, 2.5)}
    for g, m in models.items():
        reset_head(m, "fc", gamma_ft=g, seed=7)
    _, logits1 = train_mode_output(models[1.0], x, "fc")
    _, logits25 = train_mode_output(models[2.5], x, "fc")
    _, logits0 = train_mode_output(models[0.0], x, "fc")
    torch.testing.assert_close(logits25, 2.5 * logits1, rtol=1e-5, atol=1e-6)
    assert torch.count_nonzero(logits0) == 0
    # Only the head changed.
    ref = small_resnet()
    assert torch.equal(models[2.5].layer4[1].conv2.weight, ref.layer4[1].conv2.weight)
    assert not torch.equal(models[1.0].fc.weight, ref.fc.weight)


def test_reset_head_is_seeded_and_leaves_the_global_rng_alone():
    a, b, c = small_resnet(), small_resnet(), small_resnet()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    reset_head(a, "fc", 1.0, seed=1)
    assert torch.equal(torch.rand(3), expected)
    reset_head(b, "fc", 1.0, seed=1)
    reset_head(c, "fc", 1.0, seed=2)
    assert torch.equal(a.fc.weight, b.fc.weight)
    assert not torch.equal(a.fc.weight, c.fc.weight)


def test_knobs_are_generic_for_models_without_batchnorm():
    torch.manual_seed(0)
    model = nn.Sequential()
    model.add_module("embed", nn.Embedding(10, 4))
    model.add_module("ln", nn.LayerNorm(4))
    model.add_module("unembed", nn.Linear(4, 10))
    before = param_norms(model)
    apply_pt_init(model, early_prefixes=["embed"], alpha_rel=2.0, c_pt=3.0)
    after = param_norms(model)
    assert after["embed.weight"] == pytest.approx(1.5 * before["embed.weight"], rel=1e-5)
    assert after["ln.weight"] == pytest.approx(3.0 * before["ln.weight"], rel=1e-5)
    reset_head(model, "unembed", 0.5, seed=0)
    with pytest.raises(ValueError):
        apply_pt_init(model, early_prefixes=["embed"], alpha_rel=0.0, c_pt=1.0)
