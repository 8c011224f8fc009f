"""Tasks: every pair once, splits disjoint/nested/seed-stable, labels = (a op b) mod p. All checks exact."""

import itertools

import numpy as np
import pytest

from ptft.modarith import tasks

REFERENCE = {  # the definitions, written out independently of the registry's lambdas
    "add": lambda a, b, p: (a + b) % p,
    "sub": lambda a, b, p: (a - b) % p,
    "mul": lambda a, b, p: (a * b) % p,
    "x2_plus_y2": lambda a, b, p: (a**2 + b**2) % p,
    "x2_plus_xy_plus_y2": lambda a, b, p: (a**2 + a * b + b**2) % p,
    "x3_plus_xy": lambda a, b, p: (a**3 + a * b) % p,
}


@pytest.mark.parametrize("p", [2, 7, 23])
def test_all_pairs_each_exactly_once(p):
    pairs = tasks.all_pairs(p)
    assert pairs.shape == (p * p, 2)
    assert {tuple(r) for r in pairs} == set(itertools.product(range(p), range(p)))


def test_registry_matches_reference_definitions():
    assert set(tasks.OPERATIONS) == set(REFERENCE)


@pytest.mark.parametrize("op", list(REFERENCE))
@pytest.mark.parametrize("p", [7, 23])
def test_labels_are_a_op_b_mod_p(op, p):
    tokens, labels = tasks.encode(p, op, tasks.all_pairs(p))
    for (a, o, b, eq), y in zip(tokens.tolist(), labels.tolist()):
        assert y == REFERENCE[op](a, b, p)
        assert o == tasks.op_token(op, p) and eq == tasks.vocab_size(p) - 1
    assert labels.min() >= 0 and labels.max() < p
    assert tokens.max() < tasks.vocab_size(p)


def test_split_is_disjoint_covering_nested_and_seed_stable():
    p = 23
    s = tasks.split(p, 3, 0.7, 0.2)
    assert len(np.intersect1d(s["pt_train"], s["test"])) == 0
    assert sorted(np.concatenate([s["pt_train"], s["test"]])) == list(range(p * p))
    assert set(s["ft_train"]) <= set(s["pt_train"])
    assert set(tasks.split(p, 3, 0.7, 0.1)["ft_train"]) <= set(s["ft_train"])  # larger fractions are supersets
    assert np.array_equal(tasks.split(p, 3, 0.7, 0.1)["test"], s["test"])  # one test set for every fraction
    assert all(np.array_equal(s[k], tasks.split(p, 3, 0.7, 0.2)[k]) for k in s)  # same seed, same split
    assert not np.array_equal(tasks.split(p, 4, 0.7, 0.2)["test"], s["test"])  # other seed, other split
    assert len(s["pt_train"]) == tasks.n_pairs(p, 0.7) and len(s["ft_train"]) == tasks.n_pairs(p, 0.2)


@pytest.mark.parametrize("p,seed", [(7, 0), (23, 1), (23, 5), (31, 2)])
@pytest.mark.parametrize("pt_frac", [0.3, 0.9])
def test_no_test_pair_has_its_mirror_in_training(p, seed, pt_frac):
    """The leak this split exists to close: (b, a) trained while (a, b) is tested answers add/mul from memory."""
    for ft_frac in (0.05, pt_frac / 2, pt_frac):
        s = tasks.split(p, seed, pt_frac, ft_frac)
        mirrors = tasks.mirror(s["test"], p)
        assert not np.isin(mirrors, s["pt_train"]).any() and not np.isin(mirrors, s["ft_train"]).any()
        for part in ("pt_train", "ft_train", "test"):  # each part is closed under a <-> b
            assert set(tasks.mirror(s[part], p)) == set(s[part]), part
        assert len(s["ft_train"]) == tasks.n_pairs(p, ft_frac)  # sizes do not depend on the seed


def test_mirror_swaps_the_operands():
    p, pairs = 7, tasks.all_pairs(7)
    assert np.array_equal(pairs[tasks.mirror(np.arange(p * p), p)], pairs[:, ::-1])


def test_split_rejects_ft_fraction_above_pt_fraction():
    with pytest.raises(ValueError, match="ft_train_frac"):
        tasks.split(7, 0, 0.5, 0.6)


def test_mixture_dataset_stacks_each_operation_on_the_same_pairs():
    p, idx = 7, np.arange(10)
    x, y = tasks.dataset(p, "add+mul", idx)
    assert x.shape == (20, tasks.N_CTX)
    assert set(x[:10, 1]) == {tasks.op_token("add", p)} and set(x[10:, 1]) == {tasks.op_token("mul", p)}
    assert np.array_equal(x[:10, [0, 2]], x[10:, [0, 2]])
    assert np.array_equal(y[10:], (x[10:, 0] * x[10:, 2]) % p)


def test_unknown_operation_is_named():
    with pytest.raises(KeyError, match="div"):
        tasks.task_ops("add+div")
