"""One training loop for pretraining and fine-tuning of every deep arm: stopping rules, divergence,
atomic checkpoints with automatic resume, history.jsonl, tqdm progress in the job's log and a throttled
one-line status on the console (ptft.progress).

Fine-tuning is the same loop started from a PT checkpoint: build the model, `init_from(model, pt_path)`,
apply the FT knobs, then `fit`.
"""

import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from ptft import io, progress

CHECKPOINT_VERSION = 1


def load_state(path) -> dict:
    """A checkpoint written by `fit` (or any dict saved with ptft.io.save_torch), loaded on the CPU.

    weights_only: our checkpoints hold tensors, numbers and strings only (RNG states included).
    """
    return torch.load(path, map_location="cpu", weights_only=True)


def init_from(model: torch.nn.Module, path, *, strict: bool = True) -> torch.nn.Module:
    """Load the model weights of a checkpoint (a `fit` checkpoint, or a bare state_dict) into `model`."""
    state = load_state(path)
    model.load_state_dict(state["model"] if "model" in state and "epoch" in state else state, strict=strict)
    return model


def _rng_state() -> dict:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
        "python": json.dumps(random.getstate()),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["name"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    version, internal, gauss = json.loads(state["python"])
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _truncate_history(path: Path, n_lines: int) -> None:
    """Drop history lines written after the checkpoint we resume from (they will be recomputed)."""
    if path.exists():
        lines = path.read_text().splitlines(keepends=True)[:n_lines]
        io.write_text(path, "".join(lines))


def _save(path, model, optimizer, status: dict) -> None:
    io.save_torch(path, {"version": CHECKPOINT_VERSION, "model": model.state_dict(),
                         "optimizer": optimizer.state_dict(), "rng": _rng_state(), **status})


def _resume(path, model, optimizer, history) -> dict:
    """The status of a checkpoint (model, optimizer and RNG restored), or a fresh status without one."""
    status = {"epoch": 0, "train_loss": math.nan, "converged": False, "diverged": False, "wall_s": 0.0,
              "history_lines": 0}
    if path is None or not Path(path).exists():
        if history is not None:
            _truncate_history(Path(history), 0)
        return status
    state = load_state(path)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    _set_rng_state(state["rng"])
    if history is not None:
        _truncate_history(Path(history), state["history_lines"])
    return {k: state[k] for k in status}


def fit(model, *, epoch_fn, optimizer, max_epochs: int, stop_loss: float, checkpoint=None, history=None,
        checkpoint_every: int = 1, checkpoint_at_end: bool = True, progress_desc: str = "", unit: str = "epoch") -> dict:
    """Train until the mean train loss is < `stop_loss` (converged), non-finite (diverged) or `max_epochs`.

    `epoch_fn(model, optimizer, epoch) -> float` runs one epoch (or one full-batch step: `unit` "step", as the
    console progress line calls it) and returns its mean train loss. If `checkpoint` exists, training resumes from
    it and ends with the same result as an uninterrupted run (the RNG states are part of the checkpoint). A diverged run is recorded, not raised.
    The checkpoint is written every `checkpoint_every` epochs and, with `checkpoint_at_end`, when the run ends (so
    a job killed before it records the run finds it finished); False where the caller records the run at once.
    Returns {epochs, train_loss, converged, diverged, wall_s}; wall_s sums all resumed segments.
    """
    status = _resume(checkpoint, model, optimizer, history)
    start, done = time.time() - status["wall_s"], status["converged"] or status["diverged"]
    bar = tqdm(total=max_epochs, initial=status["epoch"], desc=progress_desc, file=sys.stderr,
               mininterval=5.0, disable=done)
    console = progress.Progress(max_epochs, unit=unit, desc=progress_desc, initial=status["epoch"])
    while not done and status["epoch"] < max_epochs:
        loss = float(epoch_fn(model, optimizer, status["epoch"]))
        status["epoch"] += 1
        status["train_loss"] = loss
        status["diverged"] = not math.isfinite(loss)
        status["converged"] = not status["diverged"] and loss < stop_loss
        done = status["converged"] or status["diverged"]
        if history is not None:
            io.append_jsonl(history, {"epoch": status["epoch"], "train_loss": loss})
            status["history_lines"] += 1
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3g}")
        console.update(status["epoch"], loss=loss)
        end = done or status["epoch"] == max_epochs
        if checkpoint is not None and (checkpoint_at_end if end else status["epoch"] % checkpoint_every == 0):
            status["wall_s"] = time.time() - start
            _save(checkpoint, model, optimizer, status)
    bar.close()
    outcome = "converged" if status["converged"] else "diverged" if status["diverged"] else f"reached the last {unit}"
    console.close(status["epoch"], loss=status["train_loss"], outcome=outcome)
    return {"epochs": status["epoch"], "train_loss": status["train_loss"], "converged": status["converged"],
            "diverged": status["diverged"], "wall_s": round(time.time() - start, 3)}
