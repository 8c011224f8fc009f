"""Per-seed label permutation and splits: disjoint, seed-stable, the right sizes, nested in n."""

import numpy as np
import pytest

from ptft.vision import tasks

Y = np.repeat(np.arange(100), 20)


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


def test_relabel_maps_classes_in_order():
    assert tasks.relabel(np.array([7, 3, 7]), [7, 3]).tolist() == [0, 1, 0]
