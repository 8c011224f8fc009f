"""Each initialisation knob changes what it claims to change (REFERENCE §5). Tolerances: relative 1e-5
for exact scalings in float32, unless stated."""

import pytest
import torch
from torch import nn
from torchvision.models import resnet18

from ptft.deep.knobs import apply_pt_init, head_from_rows, reset_head, scale_all, scale_parameters

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


def sgd_step(model, x, y, lrs: dict, default_lr: float):
    """One plain SGD step (no momentum) on the train-mode cross-entropy; lrs: parameter name -> lr."""
    groups = [{"params": [p], "lr": lrs.get(n, default_lr)} for n, p in model.named_parameters()]
    opt = torch.optim.SGD(groups, lr=default_lr)
    model.train()
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return {n: p.grad.clone() for n, p in model.named_parameters()}


@pytest.mark.parametrize("alpha", [0.25, 4.0])
def test_batchnorm_undoes_alpha_on_conv1_and_only_its_learning_rate_changes(alpha):
    """The authors' first_vs_rest (conv1 ÷ α, BN right after it): in train mode the network function is unchanged
    and conv1's gradient is α × the original, so one SGD step at lr η equals a step of the unscaled network with
    conv1 at lr η·α² (everything else at η). Exact as BN's eps → 0 (1e-12 here: tolerance 1e-3 relative, float32
    through 18 layers); with the default eps = 1e-5 the function moves by < 2% (eps against conv1's output variance / α²)."""
    x, y = torch.randn(6, 3, 32, 32), torch.randint(0, 5, (6,))
    default, scaled = small_resnet(), small_resnet()
    scale_parameters(scaled, ["conv1"], 1.0 / alpha)
    assert rel_err(train_mode_output(scaled, x, "fc")[1], train_mode_output(default, x, "fc")[1]) < 0.02
    ref, knob = small_resnet(bn_eps=1e-12), small_resnet(bn_eps=1e-12)
    scale_parameters(knob, ["conv1"], 1.0 / alpha)
    _, logits_ref = train_mode_output(ref, x, "fc")
    _, logits_knob = train_mode_output(knob, x, "fc")
    assert rel_err(logits_knob, logits_ref) < 1e-3
    eta = 0.05
    g_knob = sgd_step(knob, x, y, {}, eta)
    g_ref = sgd_step(ref, x, y, {"conv1.weight": eta * alpha**2}, eta)
    assert rel_err(g_knob["conv1.weight"], alpha * g_ref["conv1.weight"]) < 1e-3
    assert rel_err(g_knob["layer2.0.conv1.weight"], g_ref["layer2.0.conv1.weight"]) < 1e-3
    assert rel_err(alpha * knob.conv1.weight.detach(), ref.conv1.weight.detach()) < 1e-3
    _, after_ref = train_mode_output(ref, x, "fc")
    _, after_knob = train_mode_output(knob, x, "fc")
    assert rel_err(after_knob, after_ref) < 1e-3
    # Scaling bn1's weight too (the authors' fr_gamma_alpha) is not undone: the function changes.
    scale_parameters(knob, ["bn1.weight"], 1.0 / alpha)
    assert rel_err(train_mode_output(knob, x, "fc")[1], after_ref) > 0.01


def test_scale_all_multiplies_every_parameter_and_no_buffer():
    ref, knob = small_resnet(), small_resnet()
    knob.bn1.running_var.fill_(2.0)
    scale_all(knob, 0.5)
    n_ref, n_knob = param_norms(ref), param_norms(knob)
    assert all(n_knob[k] == pytest.approx(0.5 * n_ref[k], rel=1e-6, abs=1e-12) for k in n_ref)
    assert torch.all(knob.bn1.running_var == 2.0)
    with pytest.raises(ValueError):
        scale_all(knob, 0.0)


def test_head_from_rows_keeps_those_logits_times_gamma_and_leaves_the_rng_alone():
    x = torch.randn(4, 3, 32, 32)
    ref, knob = small_resnet(), small_resnet()
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    head_from_rows(knob, "fc", [0, 1], 0.1)
    assert torch.equal(torch.rand(2), expected)
    assert knob.fc.out_features == 2
    _, logits_ref = train_mode_output(ref, x, "fc")
    _, logits_knob = train_mode_output(knob, x, "fc")
    torch.testing.assert_close(logits_knob, 0.1 * logits_ref[:, :2], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        head_from_rows(small_resnet(), "fc", [0, 1], -1.0)
