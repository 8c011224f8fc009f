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


def pair_order(p: int, seed: int) -> np.ndarray:
    """The seed's permutation of the p² pair indices; every split below is a prefix or suffix of it."""
    return seeding.rng(seed, "modarith_pairs").permutation(p * p)


def split(p: int, seed: int, pt_train_frac: float, ft_train_frac: float) -> dict[str, np.ndarray]:
    """Pair indices of the PT train set, the FT train set and the test set under `seed`.

    With order = pair_order(p, seed) and n = p²: pt_train = order[:round(pt_train_frac·n)], ft_train =
    order[:round(ft_train_frac·n)] (so larger fractions are supersets, and FT train ⊆ PT train), test =
    order[round(pt_train_frac·n):]: pairs never seen in pretraining under any operation, the same for every
    ft_train_frac so curves over the fraction compare like with like.
    """
    if ft_train_frac > pt_train_frac:
        raise ValueError(f"ft_train_frac = {ft_train_frac} exceeds pt_train_frac = {pt_train_frac}")
    order, n = pair_order(p, seed), p * p
    n_pt, n_ft = round(pt_train_frac * n), round(ft_train_frac * n)
    return {"pt_train": order[:n_pt], "ft_train": order[:n_ft], "test": order[n_pt:]}


def dataset(p: int, task: str, pair_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sequences and labels of every operation of `task` on the pairs `pair_idx`, operations stacked."""
    pairs = all_pairs(p)[pair_idx]
    parts = [encode(p, op, pairs) for op in task_ops(task)]
    return np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])
