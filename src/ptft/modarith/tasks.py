"""Modular-arithmetic tasks: the operation registry, all p² pairs as token sequences, and seeded splits.

A sequence is [a, op, b, =] (n_ctx = 4); the label is (a op b) mod p. The vocabulary is the p residues, one
token per registered operation (so a pretraining mixture tells the model which operation to compute) and "=".
"""

from collections.abc import Sequence

import numpy as np

from ptft import seeding

# Registry order fixes each operation's token id: append new operations at the end.
# Every operation is defined on all p² pairs (no division: b = 0 would have no label).
OPERATIONS = {
    "add": lambda a, b, p: (a + b) % p,
    "sub": lambda a, b, p: (a - b) % p,
    "mul": lambda a, b, p: (a * b) % p,
    "x2_plus_y2": lambda a, b, p: (a * a + b * b) % p,
    "x2_plus_xy_plus_y2": lambda a, b, p: (a * a + a * b + b * b) % p,
    "x3_plus_xy": lambda a, b, p: (a * a * a + a * b) % p,
}
N_CTX = 4
TASK_SEP = "+"  # a pretraining task that mixes operations is named by joining them: "add+mul"


def vocab_size(p: int) -> int:
    """p residues + one token per registered operation + "="."""
    return p + len(OPERATIONS) + 1


def op_token(name: str, p: int) -> int:
    return p + list(OPERATIONS).index(name)


def task_ops(task: str) -> list[str]:
    """'add+mul' -> ['add', 'mul'], checking each name against the registry."""
    ops = task.split(TASK_SEP)
    unknown = [op for op in ops if op not in OPERATIONS]
    if unknown:
        raise KeyError(f"unknown operation(s) {unknown}; registered: {list(OPERATIONS)}")
    return ops


def task_name(ops: Sequence[str]) -> str:
    return TASK_SEP.join(ops)


def all_pairs(p: int) -> np.ndarray:
    """All p² pairs (a, b), each exactly once, row-major in a: shape (p², 2), int64."""
    a, b = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
    return np.stack([a.ravel(), b.ravel()], axis=1).astype(np.int64)


def encode(p: int, op: str, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token sequences (n, 4) and labels (n,) of `op` on `pairs` (n, 2)."""
    a, b = pairs[:, 0], pairs[:, 1]
    tokens = np.stack([a, np.full_like(a, op_token(op, p)), b, np.full_like(a, vocab_size(p) - 1)], axis=1)
    return tokens, OPERATIONS[op](a, b, p).astype(np.int64)


def _strata(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Representatives of the unordered pairs {a, b}: the diagonal (a, a) and the a < b pairs, as indices a·p + b."""
    a, b = np.triu_indices(p, k=1)
    return np.arange(p) * (p + 1), (a * p + b).astype(np.int64)


def mirror(idx: np.ndarray, p: int) -> np.ndarray:
    """Indices of the mirrored pairs (b, a) of the pair indices `idx` (a·p + b)."""
    idx = np.asarray(idx)
    return (idx % p) * p + idx // p


def pair_order(p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The seed's order of the unordered pairs, per stratum (diagonal, off-diagonal); every split takes prefixes."""
    rng = seeding.rng(seed, "modarith_pairs")
    diagonal, off = _strata(p)
    return rng.permutation(diagonal), rng.permutation(off)


def _prefix(order: tuple[np.ndarray, np.ndarray], frac: float, p: int) -> np.ndarray:
    """Ordered pair indices of the first `frac` of each stratum, each off-diagonal pair with its mirror."""
    diagonal, off = order
    head = off[: round(frac * len(off))]
    return np.concatenate([diagonal[: round(frac * len(diagonal))], head, mirror(head, p)])


def n_pairs(p: int, frac: float) -> int:
    """Ordered pairs in a split part of fraction `frac`: the same for every seed (ensembles stack equal sizes)."""
    return round(frac * p) + 2 * round(frac * (p * (p - 1) // 2))  # the same products as _prefix takes


def split(p: int, seed: int, pt_train_frac: float, ft_train_frac: float) -> dict[str, np.ndarray]:
    """Pair indices (a·p + b) of the PT train set, the FT train set and the test set under `seed`.

    The split is made on *unordered* pairs {a, b}: (a, b) and (b, a) always fall on the same side, so no test
    pair is answered by the memory of its mirror under a commutative operation (add, mul, ...). The diagonal
    pairs and the a < b pairs are split separately (stratified), so part sizes do not depend on the seed.
    pt_train = the first `pt_train_frac` of the seed's order of the unordered pairs, ft_train = the first
    `ft_train_frac` (so larger fractions are supersets, and FT train ⊆ PT train), test = everything else:
    pairs never seen in pretraining under any operation, the same for every ft_train_frac.
    """
    if ft_train_frac > pt_train_frac:
        raise ValueError(f"ft_train_frac = {ft_train_frac} exceeds pt_train_frac = {pt_train_frac}")
    order = pair_order(p, seed)
    pt_train = _prefix(order, pt_train_frac, p)
    test = np.setdiff1d(np.arange(p * p), pt_train)
    return {"pt_train": pt_train, "ft_train": _prefix(order, ft_train_frac, p), "test": test}


def dataset(p: int, task: str, pair_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sequences and labels of every operation of `task` on the pairs `pair_idx`, operations stacked."""
    pairs = all_pairs(p)[pair_idx]
    parts = [encode(p, op, pairs) for op in task_ops(task)]
    return np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])
