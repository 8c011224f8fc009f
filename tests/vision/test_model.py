"""The authors' relative-scale policies name the parameters they claim to (REFERENCE §5)."""

import pytest

from ptft.deep.knobs import scale_parameters
from ptft.vision import model as resnet
from ptft.vision.runs import relative_prefixes


@pytest.mark.parametrize("policy,touched", [
    ("first_vs_rest", {"conv1.weight"}),
    ("fr_gamma_alpha", {"conv1.weight", "bn1.weight"}),
])
def test_stem_policies_touch_the_stem_only(policy, touched):
    model = resnet.build(10, seed=0, in_channels=1)
    assert set(scale_parameters(model, relative_prefixes(policy), 0.5)) == touched


@pytest.mark.parametrize("policy,stages", [("fr_block_1", "1"), ("fr_block_12", "12"), ("fr_block_123", "123"),
                                           ("fr_block_1234", "1234")])
def test_block_policies_touch_whole_stages(policy, stages):
    model = resnet.build(10, seed=0)
    touched = scale_parameters(model, relative_prefixes(policy), 0.5)
    expected = [n for n, _ in model.named_parameters() if n.split(".")[0] in {f"layer{k}" for k in stages}]
    assert touched == expected


def test_early_layers_policy_takes_the_config_list_and_unknown_policies_fail():
    assert relative_prefixes("early_layers", ["conv1", "layer1"]) == ["conv1", "layer1"]
    with pytest.raises(ValueError, match="unknown"):
        relative_prefixes("first_vs_all")


@pytest.mark.parametrize("stem", ["imagenet", "cifar"])
def test_the_config_checks_names_are_the_models(stem):
    """The config check's torch-free list of ResNet-18 names is the built model's, in order."""
    from ptft.vision.config import resnet18_names

    model = resnet.build(10, stem=stem, seed=0, in_channels=1)
    modules, params = resnet18_names()
    assert modules == [n for n, _ in model.named_modules() if n]
    assert params == [n for n, _ in model.named_parameters()]
