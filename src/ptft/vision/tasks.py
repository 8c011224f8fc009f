"""Per-seed tasks (REFERENCE §5): a label permutation picks the 2 FT classes, the rest are PT classes."""

import numpy as np

from ptft import seeding

N_FT_CLASSES = 2


def label_split(n_classes: int, seed: int) -> dict:
    """{ft_classes: first 2 of a seeded permutation of the labels, pt_classes: the other n_classes - 2}."""
    perm = seeding.rng(seed, "vision_labels").permutation(n_classes)
    return {"ft_classes": perm[:N_FT_CLASSES].tolist(), "pt_classes": perm[N_FT_CLASSES:].tolist()}


def pt_indices(train_y: np.ndarray, pt_classes, seed: int, max_images: int | None) -> np.ndarray:
    """Train images of the PT classes, a seeded subsample of `max_images` of them (None: all, in order)."""
    idx = np.flatnonzero(np.isin(train_y, pt_classes))
    if max_images is not None and max_images < len(idx):
        idx = np.sort(seeding.rng(seed, "vision_pt_subset").choice(idx, max_images, replace=False))
    return idx


def ft_indices(y: np.ndarray, ft_classes, seed: int, n: int | None, purpose: str = "vision_ft_subset") -> np.ndarray:
    """n images of the FT classes, balanced (⌈n/2⌉ of the first, ⌊n/2⌋ of the second) [ours], nested in n
    (the n = 10 set is inside the n = 20 set); None: all of them (the test set)."""
    rng = seeding.rng(seed, purpose)
    per_class = [np.flatnonzero(y == c) for c in ft_classes]
    if n is None:
        return np.sort(np.concatenate(per_class))
    wanted = [(n + 1) // 2, n // 2]
    for c, (have, want) in enumerate(zip(per_class, wanted)):
        if want > len(have):
            raise ValueError(f"FT class {ft_classes[c]} has {len(have)} train images, {want} needed for n = {n}")
    return np.sort(np.concatenate([rng.permutation(have)[:want] for have, want in zip(per_class, wanted)]))


def held_out(train_y: np.ndarray, test_y: np.ndarray, ft_classes, seed: int, n_grid) -> dict:
    """The evaluation set [ours]: every image of the FT classes that no FT run of the seed trains on, i.e. all their
    test images plus the train images outside every FT set of `n_grid` (the union, so it holds whether or not the
    sets are nested). {train: indices into train_y, test: indices into test_y}. The authors test on the test
    images alone (200 for two classes); MNIST-5k then leaves most of its FT-class images unused."""
    used = np.unique(np.concatenate([ft_indices(train_y, ft_classes, seed, n) for n in n_grid]))
    return {"train": np.setdiff1d(ft_indices(train_y, ft_classes, seed, None), used),
            "test": ft_indices(test_y, ft_classes, seed, None)}


def relabel(y: np.ndarray, classes) -> np.ndarray:
    """Labels of `classes` as 0..len(classes)-1 in the given order (the FT task's 0/1, the PT's 0..97)."""
    lookup = np.full(int(max(y.max(), max(classes))) + 1, -1)
    lookup[list(classes)] = np.arange(len(classes))
    return lookup[y]
