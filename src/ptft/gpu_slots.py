"""GPU slots on one multi-GPU machine: give each GPU job its own CUDA_VISIBLE_DEVICES through per-device locks.

Snakemake's `--resources gpu=N` bounds how many GPU jobs run at once but does not say which device each uses;
without this every job would train on device 0. A slot is an exclusive `flock` on `<lock_dir>/gpu<id>.lock`;
the kernel drops it when the process exits, so a killed job never leaves a device locked.

Jobs too small to fill a GPU can share one: with `PTFT_JOBS_PER_GPU=k` each device has k slots (`gpu<id>.lock`,
`gpu<id>.1.lock`, …), a job takes one on the least loaded device, and `--resources gpu=` counts slots
(k × devices). Measured on an H200: four ResNet-18 training jobs at batch 128 and 32 px take 3.9× the images/s
of one, eight 4.0× (bench/README.md, "Several jobs on one GPU").

Usage in a GPU rule's script, entered *before* torch touches CUDA:

    with tracked(snakemake) as prov, gpu_slot(snakemake.resources.get("gpu", 0)) as devices:
        prov["device"] = f"cuda:{devices[0]}" if devices else "cpu"

Without CUDA (no visible device) and inside a Slurm job (Slurm already confines the job to its own GPUs)
`gpu_slot()` changes nothing and yields an empty list.
"""

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ENV_LOCK_DIR = "PTFT_GPU_LOCK_DIR"
ENV_JOBS_PER_GPU = "PTFT_JOBS_PER_GPU"
POLL_S = 0.5  # how often a job that found every device taken tries again


class NoFreeSlot(TimeoutError):
    """Every device stayed locked for longer than the timeout."""


def default_lock_dir() -> Path:
    """Machine-wide lock folder, shared by every job on this host (override with $PTFT_GPU_LOCK_DIR)."""
    return Path(os.environ.get(ENV_LOCK_DIR) or Path(tempfile.gettempdir()) / "ptft-gpu-locks")


def visible_devices(env=None) -> list[str]:
    """Device ids this process may use: CUDA_VISIBLE_DEVICES if set, else those nvidia-smi lists, else none.

    Deliberately does not import torch: CUDA must not be initialised before the slot is chosen.
    """
    env = os.environ if env is None else env
    if "CUDA_VISIBLE_DEVICES" in env:
        return [d.strip() for d in env["CUDA_VISIBLE_DEVICES"].split(",") if d.strip() and d.strip() != "-1"]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def jobs_per_gpu(env=None) -> int:
    """Slots per device: $PTFT_JOBS_PER_GPU (a positive integer), 1 when unset."""
    env = os.environ if env is None else env
    value = env.get(ENV_JOBS_PER_GPU, "1")
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError(f"{ENV_JOBS_PER_GPU}={value!r}: expected a positive integer (jobs sharing one GPU)")
    return int(value)


def managed_by_slurm(env=None) -> bool:
    """Inside a Slurm job the allocation already fixes the job's GPUs; locking them again would only serialise."""
    env = os.environ if env is None else env
    return "SLURM_JOB_ID" in env


def try_lock(lock_dir: Path, device: str, slot: int = 0):
    """Open and exclusively lock the lock file of the device's slot; return the open file, or None if another job
    holds it."""
    fh = open(lock_dir / (f"gpu{device}.lock" if slot == 0 else f"gpu{device}.{slot}.lock"), "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return fh


def acquire(devices: list[str], count: int, lock_dir: Path, timeout_s: float | None, slots: int = 1):
    """Lock a slot on each of `count` distinct `devices` (`slots` per device), the least loaded devices first,
    waiting up to `timeout_s` (None: forever); return [(device, file), ...].

    Each round locks every free slot it finds (so that it knows each device's load), keeps one on each of the
    `count` least loaded devices that have one (ties: the order of `devices`) and releases the rest."""
    if count > len(devices):
        raise ValueError(f"a job asks for {count} GPU(s) but only {len(devices)} are visible: {devices}")
    lock_dir.mkdir(parents=True, exist_ok=True)
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        free = {d: [fh for slot in range(slots) if (fh := try_lock(lock_dir, d, slot)) is not None] for d in devices}
        ranked = sorted((d for d in devices if free[d]), key=lambda d: -len(free[d]))  # stable: ties keep order
        chosen = ranked[:count] if len(ranked) >= count else []
        release([(d, fh) for d in devices for fh in (free[d][1:] if d in chosen else free[d])])
        if chosen:
            return [(d, free[d][0]) for d in chosen]
        if deadline is not None and time.monotonic() > deadline:
            raise NoFreeSlot(f"no {count} free GPU(s) among {devices} after {timeout_s} s (locks in {lock_dir})")
        time.sleep(POLL_S)


def release(held) -> None:
    for _, fh in held:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


@contextlib.contextmanager
def gpu_slot(count: int = 1, *, devices: list[str] | None = None, lock_dir=None, timeout_s: float | None = None,
             env=None):
    """Hold `count` devices for the block, with CUDA_VISIBLE_DEVICES set to them; yield their ids.

    `count` is the job's `resources.gpu`: 0 (a CPU job) changes nothing.

    `devices` defaults to `visible_devices()` (pass a list to test with fake devices); `env` is the mapping
    to read PTFT_JOBS_PER_GPU from and set CUDA_VISIBLE_DEVICES in (default os.environ; restored afterwards).
    """
    env = os.environ if env is None else env
    devices = visible_devices(env) if devices is None else list(devices)
    if count < 1 or not devices or managed_by_slurm(env):
        yield []
        return
    held = acquire(devices, count, Path(lock_dir) if lock_dir else default_lock_dir(), timeout_s,
                   slots=jobs_per_gpu(env))
    before = env.get("CUDA_VISIBLE_DEVICES")
    env["CUDA_VISIBLE_DEVICES"] = ",".join(d for d, _ in held)
    try:
        yield [d for d, _ in held]
    finally:
        if before is None:
            env.pop("CUDA_VISIBLE_DEVICES", None)
        else:
            env["CUDA_VISIBLE_DEVICES"] = before
        release(held)
