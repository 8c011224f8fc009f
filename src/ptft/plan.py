"""`ptft plan`: what a config will cost before it is submitted, per arm and rule.

Jobs, CPU-hours, GPU-hours, peak memory per job, disk and the longest single job, from the run tables the workflow
itself builds and the unit costs in `bench/unit_costs.yaml` (measured on CPUs by the benchmarks; its GPU estimates are
replaced by the units `bench/gpu_check.sh` measured on a GPU, `bench/out/unit_costs.cuda.yaml`, where present). Costs are typical values; for GD, whose
step count is known only once it converges, the bound (every batch running to `max_steps_extended`) is given beside
it.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

COSTS = Path("bench/unit_costs.yaml")  # relative to a checkout
GPU_COSTS = Path("out/unit_costs.cuda.yaml")  # beside COSTS: written by bench/gpu_check.sh on a GPU machine
COLUMNS = ["arm", "rule", "jobs", "cpu_h", "gpu_h", "cpu_h_bound", "gpu_h_bound", "longest_job_h", "peak_mem_gb",
           "disk_gb", "note"]
def _overlay(base: dict, new: dict) -> dict:
    for key, value in new.items():
        base[key] = _overlay(dict(base.get(key) or {}), value) if isinstance(value, dict) else value
    return base


def load_costs(path, *, measured_gpu: bool = True) -> dict:
    """The unit costs at `path` (a checkout's COSTS); the CUDA numbers measured by bench/gpu_check.sh (GPU_COSTS
    beside it) replace the estimates when present."""
    costs = yaml.safe_load(Path(path).read_text())
    gpu_costs = Path(path).parent / GPU_COSTS
    if measured_gpu and gpu_costs.exists():
        gpu = yaml.safe_load(gpu_costs.read_text()) or {}
        costs = _overlay(costs, {k: v for k, v in gpu.items() if k != "version"})
        costs["version"] += f"; {gpu.get('version', 'measured CUDA units')}"
    return costs


def row(arm, rule, job_s, *, device="cpu", bound_s=None, mem_bytes=0.0, disk_bytes=0.0, note="") -> dict:
    """One table row from per-job seconds (typical and bound) on `device`."""
    job_s = np.asarray(job_s, dtype=float)
    bound = job_s if bound_s is None else np.asarray(bound_s, dtype=float)
    gpu = device == "cuda"
    hours, hours_bound = job_s.sum() / 3600, bound.sum() / 3600
    return dict(arm=arm, rule=rule, jobs=len(job_s), cpu_h=0.0 if gpu else hours, gpu_h=hours if gpu else 0.0,
                cpu_h_bound=0.0 if gpu else hours_bound, gpu_h_bound=hours_bound if gpu else 0.0,
                longest_job_h=float(bound.max(initial=0.0)) / 3600, peak_mem_gb=mem_bytes / 1e9,
                disk_gb=disk_bytes / 1e9, note=note)


def device_of(section: dict) -> str:
    """cuda when the arm asks for it, or for `auto` when its jobs request a GPU; else cpu (a laptop's `auto`)."""
    setting = section["compute"]["device"]
    wants_gpu = (section.get("resources") or {}).get("gpu", 0) > 0
    return "cuda" if setting == "cuda" or (setting == "auto" and wants_gpu) else "cpu"


def plan(config: dict, costs: dict, arm_rows: dict) -> pd.DataFrame:
    """The cost table of a (validated, merged) config: one row per compute rule of every enabled arm.

    arm_rows: arm name -> (section, unit costs) -> rows (ptft.arms.PLAN_ROWS)."""
    rows = [row for arm in config["arms"] for row in arm_rows[arm](config[arm], costs)]
    return pd.DataFrame(rows, columns=COLUMNS)


def to_markdown(table: pd.DataFrame, costs: dict, cores: int = 2) -> str:
    """The plan as Markdown: totals, the table, the unit costs and their uncertainty."""
    cpu, gpu = table["cpu_h"].sum(), table["gpu_h"].sum()
    head = [f"# Cost plan ({costs['version']})", "",
            f"{int(table['jobs'].sum())} training jobs (the collect, table and figure jobs beside them cost seconds); "
            f"{cpu:.3g} CPU-hours and {gpu:.3g} GPU-hours typical "
            f"(bound {table['cpu_h_bound'].sum():.3g} CPU-h, {table['gpu_h_bound'].sum():.3g} GPU-h); "
            f"longest job {table['longest_job_h'].max():.3g} h. Wall time, a lower bound: the CPU work alone needs at "
            f"least {max(cpu / cores, table.loc[table['cpu_h'] > 0, 'longest_job_h'].max()) * 60:.3g} min "
            f"on {cores} cores (CPU-hours ÷ cores, or its longest CPU job); GPU jobs come on top, on their own devices; "
            f"disk {table['disk_gb'].sum():.3g} GB of kept checkpoints.", "",
            f"Uncertainty: {costs['uncertainty']} {costs['uncertainty_gpu']}", ""]
    return "\n".join(head + [table.to_markdown(index=False, floatfmt=".3g"), ""])
