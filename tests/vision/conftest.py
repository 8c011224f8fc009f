"""Small archives in the real on-disk formats (CIFAR-100 python tarball, SVHN .mat) for the parsing tests."""

import io
import pickle
import tarfile

import numpy as np
import pytest


def _cifar_split(rng, n):
    return {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            "fine_labels": rng.integers(0, 100, n).tolist(), "coarse_labels": rng.integers(0, 20, n).tolist(),
            "filenames": [f"img{i}.png" for i in range(n)]}


@pytest.fixture
def cifar_archive(tmp_path):
    """cifar-100-python.tar.gz with train (12 images), test (5) and meta, pickled as the original (protocol 2)."""
    rng = np.random.default_rng(0)
    splits = {"train": _cifar_split(rng, 12), "test": _cifar_split(rng, 5),
              "meta": {"fine_label_names": [f"c{i}" for i in range(100)]}}
    path = tmp_path / "cifar-100-python.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, obj in splits.items():
            blob = pickle.dumps(obj, protocol=2)
            info = tarfile.TarInfo(f"cifar-100-python/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path, splits


@pytest.fixture
def svhn_archives(tmp_path):
    """train_32x32.mat (9 images) and test_32x32.mat (4): X (32, 32, 3, N) uint8, y (N, 1) with 10 for digit 0."""
    from scipy.io import savemat

    rng = np.random.default_rng(1)
    out = {}
    for split, n in (("train", 9), ("test", 4)):
        x = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
        y = rng.integers(1, 11, (n, 1)).astype(np.uint8)
        path = tmp_path / f"{split}_32x32.mat"
        savemat(path, {"X": x, "y": y})
        out[split] = (path, x, y)
    return out
