"""Provenance records: a `<output>.prov.json` beside every result saying which code, config, seeds and inputs made it.

Record fields: output, sha256, rule, params, wildcards, config_hash, git {commit, dirty}, packages, seeds,
inputs {path: sha256}, input_manifests {folder: {file: sha256}}, host, device, wall_s, cpu_s, max_rss_mb, finished,
data_source.
`ptft audit` walks these records back.
"""

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import logging
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from ptft import io, progress

SUFFIX = ".prov.json"
PACKAGES = ("ptft", "numpy", "scipy", "pandas", "torch", "torchvision", "seaborn", "matplotlib", "snakemake")
# Data sources, weakest first: an output made from any synthetic input is itself a synthetic stand-in.
SYNTHETIC = "synthetic stand-in"
SOURCE_ORDER = ("generated", "real", SYNTHETIC)


def record_path(output) -> Path:
    return Path(str(output).rstrip("/") + SUFFIX)


def sha256(path) -> str:
    """sha256 of a file, or of a folder as the sorted (relative path, file sha256) list."""
    path = Path(path)
    h = hashlib.sha256()
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.endswith(SUFFIX)):
            h.update(f"{f.relative_to(path)}\0{sha256(f)}\n".encode())
        return h.hexdigest()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest(folder) -> dict:
    """{relative path: sha256} of every file under a folder input, so `ptft audit` can name extra or lost files."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(SUFFIX))
    return {str(f.relative_to(folder)): sha256(f) for f in files}


def config_hash(config) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def made_with(output) -> str | None:
    """The config hash that `output`'s record names (None without a record)."""
    rec = record_path(output)
    return io.read_json(rec).get("config_hash") if rec.exists() else None


@functools.cache
def git_state(where: str = ".") -> dict:
    """Commit and dirty flag of the repository holding `where` (None outside a git checkout)."""

    def git(*args):
        return subprocess.run(["git", "-C", where, *args], capture_output=True, text=True, check=True).stdout

    try:
        return {"commit": git("rev-parse", "HEAD").strip(), "dirty": bool(git("status", "--porcelain", "-uno").strip())}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


@functools.cache
def package_versions() -> dict:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


def input_source(path) -> str | None:
    """The data_source stated by an input's own record, if it has one."""
    rec = record_path(path)
    return io.read_json(rec).get("data_source") if rec.exists() else None


def merge_sources(*sources) -> str:
    known = [s for s in sources if s in SOURCE_ORDER]
    return max(known, key=SOURCE_ORDER.index) if known else "generated"


def write_records(outputs, inputs, *, data_source=None, **fields) -> None:
    """Write one record per output. `data_source` is merged with the inputs' (synthetic is contagious)."""
    input_hashes = {str(p): sha256(p) for p in inputs if Path(p).exists()}
    source = merge_sources(data_source, *(input_source(p) for p in input_hashes))
    common = {
        "ptft_provenance": 1,
        "git": git_state(str(Path(__file__).resolve().parent)),
        "packages": package_versions(),
        "host": platform.node(),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": input_hashes,
        "input_manifests": {p: manifest(p) for p in input_hashes if Path(p).is_dir()},
        "data_source": source,
        **fields,
    }
    for out in outputs:
        if Path(out).exists():
            io.write_json(record_path(out), {"output": str(out), "sha256": sha256(out), **common})


def _plain(obj):
    """Snakemake's Namedlist/params as plain JSON-able values."""
    return json.loads(json.dumps(obj, default=lambda o: list(o) if hasattr(o, "__iter__") else str(o)))


@contextlib.contextmanager
def tracked(snakemake, **fields):
    """Run a Snakemake script body with its log and provenance handled.

    Usage in workflow/scripts/*.py:  `with tracked(snakemake) as prov: ...; prov["seeds"] = [...]`;
    `prov["extra_inputs"] = [...]` records files read that are not rule inputs (a dataset's archives), so that
    `ptft audit` re-hashes them as leaves.
    stdout, stderr and `logging` go to the rule's log; on success every output gets a record. Training loops
    inside also print a throttled one-line status to the console, labelled with the rule and wildcards (ptft.progress).
    """
    info = {"seeds": [], "device": "cpu", "data_source": None, **fields}
    log = open(snakemake.log[0], "a") if snakemake.log else sys.stderr
    handler = logging.StreamHandler(log)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    start = time.time()
    try:
        label = " ".join([snakemake.rule, *(f"{k}={v}" for k, v in snakemake.wildcards.items())])
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log), progress.job(label):
            yield info
        extra = info.pop("extra_inputs", [])
        write_records(
            list(snakemake.output),
            list(snakemake.input) + [str(p) for p in extra],
            rule=snakemake.rule,
            params=_plain(dict(snakemake.params.items())),
            wildcards=dict(snakemake.wildcards.items()),
            config_hash=config_hash(snakemake.config),
            wall_s=round(time.time() - start, 3),
            **process_cost(),
            **info,
        )
    finally:
        logging.getLogger().removeHandler(handler)
        if log is not sys.stderr:
            log.close()


def process_cost() -> dict:
    """CPU seconds (user + sys, every thread, imports included) and peak resident memory (MiB) of this process so
    far: what a job cost, read from the kernel's own accounting at no cost (Snakemake's `benchmark:` directive
    polls /proc instead, twice a second for a job's first 15 s, which cost the scheduler ≈ 1 CPU-s per job here)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": round(usage.ru_utime + usage.ru_stime, 3), "max_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def synthetic_outputs(paths) -> list[str]:
    """The outputs among `paths` whose record says they were made from a synthetic stand-in."""
    return [str(p) for p in paths if record_path(p).exists() and input_source(p) == SYNTHETIC]


def warn_if_synthetic(paths, stream=sys.stderr) -> None:
    """End a run with a visible warning when any target stands on synthetic data, and say how to get real data."""
    synthetic = synthetic_outputs(paths)
    if synthetic:
        print(f"\nWARNING: {len(synthetic)} result(s) were made from a SYNTHETIC STAND-IN, not the paper's datasets:\n  "
              + "\n  ".join(synthetic)
              + "\nThey show that the pipeline runs, not the paper's result. To use the real data, put the original "
              "archives into resources/vision/<dataset>/raw (or set vision.datasets.<dataset>.source: download on a "
              "machine with internet) and run again; docs/REFERENCE.md §8, 'Vision', lists the files.\n", file=stream)
