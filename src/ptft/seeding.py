"""Independent, named random streams: one per (seed, purpose), stable across runs and machines."""

import hashlib

import numpy as np


def purpose_key(purpose: str) -> int:
    """A stable 32-bit integer for a purpose name (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.sha256(purpose.encode()).digest()[:4], "little")


def rng(seed: int, purpose: str) -> np.random.Generator:
    """The generator for `purpose` ("pt_teacher", "ft_train_x", ...) under `seed`.

    Streams of different purposes are independent, so adding a draw for one purpose never shifts another.
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), purpose_key(purpose)]))


def torch_seed(seed: int, purpose: str) -> int:
    """A 63-bit seed for torch.Generator.manual_seed, derived like `rng`."""
    return int(rng(seed, purpose).integers(0, 2**63 - 1))
