"""The synthetic stand-in: small images whose classes share features from one dictionary, so pretraining on
some classes learns features that transfer to others. Used only where the real archives are unavailable,
and labelled "synthetic stand-in" on every output made from it.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from ptft import seeding


def dictionary(n_features: int, image_size: int, seed: int) -> torch.Tensor:
    """(F, 3, S, S) smooth random patterns of unit RMS (coarse noise upsampled: image-like, not white)."""
    g = torch.Generator().manual_seed(seeding.torch_seed(seed, "synthetic_dictionary"))
    coarse = torch.randn(n_features, 3, max(2, image_size // 4), max(2, image_size // 4), generator=g)
    fine = F.interpolate(coarse, size=(image_size, image_size), mode="bilinear", align_corners=False)
    return fine / fine.pow(2).mean(dim=(1, 2, 3), keepdim=True).sqrt()


def class_codes(n_classes: int, n_features: int, features_per_class: int, seed: int) -> np.ndarray:
    """(C, F) signed codes: each class uses `features_per_class` dictionary features (distinct subsets)."""
    if math.comb(n_features, features_per_class) < n_classes:
        raise ValueError(f"{n_classes} classes need distinct feature subsets: C({n_features}, {features_per_class}) "
                         "is smaller")
    rng = seeding.rng(seed, "synthetic_classes")
    codes, seen = np.zeros((n_classes, n_features)), set()
    for c in range(n_classes):
        while (subset := tuple(sorted(rng.choice(n_features, features_per_class, replace=False)))) in seen:
            pass
        seen.add(subset)
        codes[c, list(subset)] = rng.choice([-1.0, 1.0], features_per_class)
    return codes


def _images(codes: np.ndarray, atoms: torch.Tensor, labels: np.ndarray, noise: float, rng) -> torch.Tensor:
    """uint8 (N, 3, S, S): per image, the class's features with jittered amplitudes plus white noise."""
    amp = codes[labels] * (1.0 + 0.5 * rng.standard_normal(codes[labels].shape))
    x = torch.einsum("nf,fchw->nchw", torch.from_numpy(amp).float(), atoms)
    x = x + noise * torch.from_numpy(rng.standard_normal(x.shape)).float()
    return (128.0 + 40.0 * x).round().clamp(0, 255).to(torch.uint8)


def stand_in(n_classes: int, *, image_size: int, n_train_per_class: int, n_test_per_class: int,
             n_features: int, features_per_class: int, noise: float, seed: int) -> dict:
    """train_x/test_x uint8 (N, 3, S, S) and train_y/test_y int64, classes balanced, order shuffled."""
    atoms = dictionary(n_features, image_size, seed)
    codes = class_codes(n_classes, n_features, features_per_class, seed)
    out = {}
    for split, per_class in (("train", n_train_per_class), ("test", n_test_per_class)):
        rng = seeding.rng(seed, f"synthetic_{split}")
        labels = rng.permutation(np.repeat(np.arange(n_classes), per_class))
        out[f"{split}_x"] = _images(codes, atoms, labels, noise, rng)
        out[f"{split}_y"] = torch.from_numpy(labels.astype(np.int64))
    return out
