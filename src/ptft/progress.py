"""One throttled console line per running training job; the full progress (tqdm) stays in the job's log.

`ptft.provenance.tracked` opens `job(label)` around every Snakemake script, and the training loops
(`ptft.deep.trainer.fit`, `ptft.dln.gd`) report through `Progress`. A line goes to the console (the job's original
stderr, which Snakemake's local executor shares) and, through the root logger, to the job's log:

    [progress] vision_pretrain dataset=mnist pt_job=mnist-alpha_rel1-0: PT seed 0, epoch 40/100 (40%), loss 0.412, 01:02 elapsed

At most one line per `PTFT_PROGRESS_S` seconds (default 30; 0 turns them off) per job, and then only after a
tenth of the running loop's steps or ten such intervals; a job shorter than that prints nothing (Snakemake already
prints a job's start and end), so parallel jobs and `--quiet` runs are not flooded. The interval is counted per
job, so a job of many short loops (a batch of fine-tuning runs) still shows a line now and then. Outside a job
(library use, tests) the loops stay silent.
"""

import contextlib
import logging
import os
import sys
import time

from tqdm import tqdm

log = logging.getLogger(__name__)
ENV = "PTFT_PROGRESS_S"
_job: dict = {}  # inside `job()`: the running job's label and the time of its last line (one job per process)


def every_s() -> float:
    """Seconds between two lines of one job, from the environment when a loop starts (0 = off)."""
    return float(os.environ.get(ENV, "30"))


@contextlib.contextmanager
def job(label: str, stream=None):
    """Within this block, progress lines are labelled `label` and also written to `stream` (default: the
    process's original stderr, which `contextlib.redirect_stderr` into the log leaves alone)."""
    handler = logging.StreamHandler(stream or sys.__stderr__)
    handler.setFormatter(logging.Formatter("[progress] %(message)s"))
    log.addHandler(handler)
    previous, level = dict(_job), log.level
    _job.clear()
    _job.update(label=label, last_t=None)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        _job.clear()
        _job.update(previous)


def line(done: int, total: int, *, unit: str, desc: str = "", elapsed_s: float = 0.0, **values) -> str:
    """`<job>: <desc>, <unit> done/total (pct%), <key> <value>..., <elapsed> elapsed`; floats to 3 digits."""
    shown = [f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in values.items()]
    parts = [desc] if desc else []
    parts += [f"{unit} {done}/{total} ({100 * done / max(total, 1):.0f}%)", *shown,
              f"{tqdm.format_interval(elapsed_s)} elapsed"]
    head = f"{_job['label']}: " if _job.get("label") else ""
    return head + ", ".join(parts)


class Progress:
    """The throttled status of one loop of `total` steps: call `update(k, **values)` after step k, `close(k, ...)`
    at the end (a last line with the outcome, only if the loop printed any)."""

    def __init__(self, total: int, *, unit: str, desc: str = "", initial: int = 0, clock=None):
        self.total, self.unit, self.desc, self.clock = total, unit, desc, clock or time.monotonic
        self.every_s = every_s() if _job else 0.0  # outside a job: silent
        self.start = self.clock()
        if _job and _job["last_t"] is None:  # the job's first loop: its interval starts now
            _job["last_t"] = self.start
        self.last_k, self.printed = initial, False

    def update(self, k: int, **values) -> None:
        if not self.every_s:
            return
        now = self.clock()
        gap = now - _job["last_t"]
        # The last step is left to close(), which says how the loop ended.
        if gap >= self.every_s and k < self.total and (k - self.last_k >= self.total / 10
                                                       or gap >= 10 * self.every_s):
            self._emit(k, now, values)

    def close(self, k: int, **values) -> None:
        if self.printed:
            self._emit(k, self.clock(), values)

    def _emit(self, k: int, now: float, values: dict) -> None:
        log.info(line(k, self.total, unit=self.unit, desc=self.desc, elapsed_s=now - self.start, **values))
        _job["last_t"], self.last_k, self.printed = now, k, True
