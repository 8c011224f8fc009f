"""Cross-field rules of the `vision:` config section that its JSON schema cannot state."""

import math

from ptft.config import ConfigError
from ptft.deep.runs import check_sweeps
from ptft.vision.data import PACKAGED, TRAIN_PER_CLASS



def check_config(section: dict) -> None:
    """Raise ConfigError naming the key path unless the vision section is consistent."""
    datasets = section["datasets"]
    missing = [name for name in section["run_datasets"] if name not in datasets]
    if missing:
        raise ConfigError(f"vision.run_datasets: {missing} have no entry under vision.datasets")
    if not section["allow_synthetic"]:
        for name, ds in datasets.items():
            if ds["source"] == "synthetic":
                raise ConfigError(f"vision.datasets.{name}.source: 'synthetic' but vision.allow_synthetic is false "
                                  "(expected auto, download or local)")
    for name, ds in datasets.items():
        allowed = {"package"} if name in PACKAGED else {"download"}  # a packaged file is never downloaded
        if ds["source"] in {"package", "download"} - allowed:
            raise ConfigError(f"vision.datasets.{name}.source: {ds['source']!r} is not available for {name} "
                              f"(package: {sorted(PACKAGED)} only; download: the others)")
        if (name in PACKAGED) != ("test_per_class" in ds):
            raise ConfigError(f"vision.datasets.{name}.test_per_class: required for {sorted(PACKAGED)} (they ship no "
                              "test split) and only for them")
    if section["policies"]["alpha_rel"] == "early_layers" and not section["early_layers"]:
        raise ConfigError("vision.early_layers: empty, but vision.policies.alpha_rel is 'early_layers'")
    _check_n(section)
    _check_layer_names(section)
    syn = section["synthetic"]
    if math.comb(syn["n_features"], syn["features_per_class"]) < 100:
        raise ConfigError("vision.synthetic.n_features: C(n_features, features_per_class) must be >= 100 so that the "
                          "stand-in's 100 classes get distinct feature subsets")
    check_sweeps("vision", section["base"], section["sweeps"])
    if section["ensd"]["sweep"] not in section["sweeps"]:
        raise ConfigError(f"vision.ensd.sweep: {section['ensd']['sweep']!r} is not one of vision.sweeps "
                          f"{sorted(section['sweeps'])}")
    if len(set(section["seeds"])) != len(section["seeds"]):
        raise ConfigError("vision.seeds: duplicate seeds (expected distinct integers)")


def _check_n(section: dict) -> None:
    n_max = max(section["n"])
    for name in section["run_datasets"]:
        ds = section["datasets"][name]
        if n_max > 2 * (TRAIN_PER_CLASS[name].smallest - ds.get("test_per_class", 0)):
            raise ConfigError(f"vision.n: {n_max} exceeds the {2 * (TRAIN_PER_CLASS[name].smallest - ds.get('test_per_class', 0))} "
                              f"train images of two {name} classes")
        synthetic_possible = section["allow_synthetic"] and ds["source"] in ("auto", "synthetic")
        if synthetic_possible and n_max > 2 * section["synthetic"]["n_train_per_class"]:
            raise ConfigError(f"vision.n: {n_max} exceeds 2 × vision.synthetic.n_train_per_class = "
                              f"{2 * section['synthetic']['n_train_per_class']} (the stand-in's FT pool)")


def resnet18_names() -> tuple[list[str], list[str]]:
    """(submodule names, parameter names) of torchvision's ResNet-18 as ptft.vision.model builds it, for either stem
    (the CIFAR stem swaps conv1's kernel and makes maxpool an Identity, names unchanged). Written out so that the
    config check, run on every Snakemake start, needs no torch; tests/vision/test_model.py holds it to the model."""
    modules = ["conv1", "bn1", "relu", "maxpool"]
    for stage in range(1, 5):
        modules.append(f"layer{stage}")
        for block in range(2):
            b = f"layer{stage}.{block}"
            modules += [b, f"{b}.conv1", f"{b}.bn1", f"{b}.relu", f"{b}.conv2", f"{b}.bn2"]
            if stage > 1 and block == 0:  # the first block of stages 2-4 halves the resolution: a 1×1 projection
                modules += [f"{b}.downsample", f"{b}.downsample.0", f"{b}.downsample.1"]
    modules += ["avgpool", "fc"]
    convs = [m for m in modules if m.split(".")[-1].startswith("conv") or m.endswith("downsample.0")]  # weight only
    affine = [m for m in modules if m.split(".")[-1].startswith("bn") or m.endswith("downsample.1") or m == "fc"]
    params = [f"{m}.{k}" for m in modules for k in (("weight",) if m in convs else ("weight", "bias") if m in affine
                                                    else ())]
    return modules, params


def _check_layer_names(section: dict) -> None:
    """ENSD layers and early-layer prefixes must name parts of ResNet-18: checked here, at parse time, rather than
    at fine-tuning time after every pretraining job has run."""
    modules, params = resnet18_names()
    unknown = [layer for layer in section["ensd"]["layers"] if layer not in modules]
    if unknown:
        raise ConfigError(f"vision.ensd.layers: {unknown} are not submodules of ResNet-18 (stem {section['stem']!r}); "
                          f"expected some of {sorted(n for n in modules if '.' not in n)}")
    dead = [p for p in section["early_layers"] if not any(n == p or n.startswith(p + ".") for n in params)]
    if dead:
        raise ConfigError(f"vision.early_layers: {dead} match no parameter of ResNet-18 (stem {section['stem']!r})")
