"""`ptft plan`: what a config will cost before it is submitted, per arm and rule.

Jobs, CPU-hours, GPU-hours, peak memory per job, disk and the longest single job, from the run tables the workflow
itself builds and the unit costs in `bench/unit_costs.yaml` (measured on CPUs by the benchmarks; GPU units are
marked there as estimates until `bench/gpu_check.sh` has run on a GPU). Costs are typical values; for GD, whose
step count is known only once it converges, the bound (every batch running to `max_steps`) is given beside it.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

COSTS = Path(__file__).resolve().parents[2] / "bench" / "unit_costs.yaml"
GPU_COSTS = COSTS.parent / "out" / "unit_costs.cuda.yaml"  # written by bench/gpu_check.sh on a GPU machine
COLUMNS = ["arm", "rule", "jobs", "cpu_h", "gpu_h", "cpu_h_bound", "gpu_h_bound", "longest_job_h", "peak_mem_gb",
           "disk_gb", "note"]
# Images per class of each dataset's train split (CIFAR-100: 500; SVHN: about 7,300 on average; MNIST-5k after the
# held-out test digits) and their side in pixels.
TRAIN_PER_CLASS = {"cifar100": 500, "svhn": 7326, "mnist": None}
IMAGE_SIZE = {"cifar100": 32, "svhn": 32, "mnist": 28}
PT_CLASSES = {"cifar100": 98, "svhn": 8, "mnist": 8}
# Parameters × fp32: one checkpoint. Kept on disk: one model.pt per PT run; FT keeps tables only. A running job's
# work checkpoint (with the optimiser state: 2×) is deleted when it finishes, so it counts in no total.
RESNET18_BYTES = 11.2e6 * 4


def _overlay(base: dict, new: dict) -> dict:
    for key, value in new.items():
        base[key] = _overlay(dict(base.get(key) or {}), value) if isinstance(value, dict) else value
    return base


def load_costs(path=COSTS, *, measured_gpu: bool = True) -> dict:
    """The unit costs; the CUDA numbers measured by bench/gpu_check.sh replace the estimates when present."""
    costs = yaml.safe_load(Path(path).read_text())
    if measured_gpu and GPU_COSTS.exists():
        gpu = yaml.safe_load(GPU_COSTS.read_text()) or {}
        costs = _overlay(costs, {k: v for k, v in gpu.items() if k != "version"})
        costs["version"] += f"; {gpu.get('version', 'measured CUDA units')}"
    return costs


def _row(arm, rule, job_s, *, device="cpu", bound_s=None, mem_bytes=0.0, disk_bytes=0.0, note="") -> dict:
    """One table row from per-job seconds (typical and bound) on `device`."""
    job_s = np.asarray(job_s, dtype=float)
    bound = job_s if bound_s is None else np.asarray(bound_s, dtype=float)
    gpu = device == "cuda"
    hours, hours_bound = job_s.sum() / 3600, bound.sum() / 3600
    return dict(arm=arm, rule=rule, jobs=len(job_s), cpu_h=0.0 if gpu else hours, gpu_h=hours if gpu else 0.0,
                cpu_h_bound=0.0 if gpu else hours_bound, gpu_h_bound=hours_bound if gpu else 0.0,
                longest_job_h=float(bound.max(initial=0.0)) / 3600, peak_mem_gb=mem_bytes / 1e9,
                disk_gb=disk_bytes / 1e9, note=note)


def _device(section: dict) -> str:
    """cuda when the arm asks for it, or for `auto` when its jobs request a GPU; else cpu (a laptop's `auto`)."""
    setting = section["compute"]["device"]
    wants_gpu = (section.get("resources") or {}).get("gpu", 0) > 0
    return "cuda" if setting == "cuda" or (setting == "auto" and wants_gpu) else "cpu"


# --- DLN ------------------------------------------------------------------------------------------------------
def dln_rows(cfg: dict, u: dict) -> list[dict]:
    from ptft.dln import experiments as ex

    d, overhead = u["dln"], u["job_overhead_s"] + u["job_fixed_s"]["dln"]
    device = _device(cfg)
    max_steps = cfg["gd"]["max_steps"]
    typical = min(max_steps, d["gd_steps_fraction"] * max_steps)
    runs = ex.gd_run_table(cfg)
    n = (runs["alpha"] * runs["dim"]).round()
    work = (n * runs["dim"]).groupby([runs["task"], runs["alpha"], runs["tol_train"]]).agg(["first", "size"])
    per_task = (work["first"] * work["size"]).groupby(level="task").sum()  # Σ over batches of N·D·R
    batches = work.groupby(level="task").size()

    def step_seconds(dev):  # one step of every batch of each task (a job), on `dev`
        return per_task * d["gd_s_per_ndr_step"][dev] + d["gd_s_per_step"][dev] * batches

    step_s = step_seconds(device)
    batch = int(work["size"].max()) if len(work) else 0
    mem = 8.0 * float((n * runs["dim"]).max() + 6 * runs["dim"].max() * batch) if len(runs) else 0.0
    rows = [_row("dln", "dln_gd", overhead + step_s * typical, device=device, bound_s=overhead + step_s * max_steps,
                 mem_bytes=mem, note=f"{typical:.3g} effective steps per batch typical ({d['gd_steps_fraction']:g} "
                                     f"of max_steps), bound {max_steps:.3g}")]
    points = ex.minimiser_run_table(cfg)
    if len(points):
        n = (points["alpha"] * points["dim"]).round()
        # Factorisations of the N×N dual Hessian (N²·D) and the products and residuals between them (N·D).
        solve = (d["minimiser_s_per_n2d"] * n + d["minimiser_s_per_nd"]) * n * points["dim"]
        per_seed = solve.groupby(points["seed"]).sum()
        # X in float64 and float32, a scaled float32 copy while factorising, and the N×N Hessian and factor (float32,
        # float64 where float32 does not serve): at most 8·(2.5·N·D + 2·N²) bytes.
        rows.append(_row("dln", "dln_minimiser", overhead + per_seed, mem_bytes=8.0 * float(
            (2.5 * n * points["dim"] + 2 * n**2).max()), note="Theorem 4.1 minimiser, one job per seed"))
    curves = len(ex.panel_table(cfg)[ex.PANEL_KEYS].drop_duplicates()) + 15  # + Figure 4's 5 settings × 3 tasks
    groups = len(cfg["panels"]) + 1  # one replica job per Figure 3 panel, and Figure 4's
    per_curve = d["replica_s_per_point"] * len(ex.replica_alpha(cfg))
    rows.append(_row("dln", "replica_curves", [overhead + per_curve * curves / groups] * groups,
                     note=f"{curves} curves × {len(ex.replica_alpha(cfg))} α by quadrature"))
    cpu_step_s = step_seconds("cpu")
    if len(cpu_step_s) and max_steps * float(cpu_step_s.max()) > 24 * 3600:
        rows[0]["note"] += (f"; on CPUs: {float(cpu_step_s.sum()) * typical / 3600:.3g} CPU-h typical, longest job "
                            f"{float(cpu_step_s.max()) * max_steps / 86400:.3g} days at the bound: hence GPUs "
                            "(dln.compute.device: cuda) or the minimiser alone (dln.mode: minimiser)")
    return rows


# --- vision -----------------------------------------------------------------------------------------------------
def vision_rows(cfg: dict, u: dict) -> list[dict]:
    from ptft.vision import runs as vr

    v, overhead = u["vision"], u["job_overhead_s"] + u["job_fixed_s"]["vision"]
    device = _device(cfg)
    pt, ft = vr.pt_table(cfg), vr.ft_table(cfg)
    synthetic = cfg["synthetic"]

    def sec_per_image(dataset):
        real = cfg["datasets"][dataset]["source"] != "synthetic"
        size = IMAGE_SIZE[dataset] if real else synthetic["image_size"]
        return v["s_per_image_epoch"][device][28 if size <= 28 else 32] * (size / (28 if size <= 28 else 32)) ** 2

    def pt_images(dataset):
        per_class = TRAIN_PER_CLASS[dataset] or 500 - cfg["datasets"][dataset].get("test_per_class", 100)
        images = PT_CLASSES[dataset] * per_class
        return min(images, cfg["pt"]["max_images"] or images)

    pt_s = [overhead + pt_images(r.dataset) * cfg["pt"]["max_epochs"] * sec_per_image(r.dataset)
            for r in pt.itertuples()]
    ft_cost = ft.assign(s=[v["s_per_ft_run"][device] + r.n * cfg["ft"]["max_epochs"] * sec_per_image(r.dataset)
                           for r in ft.itertuples()])
    ft_s = overhead + ft_cost.groupby("ft_job")["s"].sum()
    return [_row("vision", "vision_pretrain", pt_s, device=device, mem_bytes=4 * RESNET18_BYTES + 2e9,
                 disk_bytes=len(pt) * RESNET18_BYTES, note=f"epochs at most {cfg['pt']['max_epochs']} (the stop "
                                                                "rule may end them sooner)"),
            _row("vision", "vision_finetune", ft_s, device=device, mem_bytes=4 * RESNET18_BYTES + 1e9,
                 note=f"{len(ft)} FT runs")]


# --- modular arithmetic -----------------------------------------------------------------------------------------
def modarith_rows(cfg: dict, u: dict) -> list[dict]:
    from ptft.modarith import runs as mr

    m, overhead = u["modarith"], u["job_overhead_s"] + u["job_fixed_s"]["modarith"]
    device = _device(cfg)
    model = cfg["model"]
    width = model["d_model"] * (model["d_model"] + model["d_mlp"]) * model["n_layers"]
    c = m["s_per_member_step_example"][device] * width / m["reference_width"]
    pt, ft = mr.tables(cfg)
    pairs = cfg["p"] ** 2
    n_ops = pt["pt_task"].str.count(r"\+") + 1
    pt_steps = pt["pt_task"].map(lambda task: mr.pt_schedule(cfg, task)["steps"])
    pt_work = (cfg["pt_train_frac"] * pairs * n_ops * pt_steps * c).groupby(pt["pt_job"]).sum()
    ft_work = (ft["ft_train_frac"] * pairs * cfg["ft"]["steps"] * c * m["ft_factor"]).groupby(ft["ft_job"]).sum()
    return [_row("modarith", "modarith_pretrain", overhead + pt_work, device=device, note=f"{len(pt)} members"),
            _row("modarith", "modarith_finetune", overhead + ft_work, device=device,
                 note=f"{len(ft)} members, probes included")]


ARMS = {"dln": dln_rows, "vision": vision_rows, "modarith": modarith_rows}


def plan(config: dict, costs: dict | None = None) -> pd.DataFrame:
    """The cost table of a (validated, merged) config: one row per compute rule of every enabled arm."""
    costs = costs or load_costs()
    rows = [row for arm in config["arms"] for row in ARMS[arm](config[arm], costs)]
    return pd.DataFrame(rows, columns=COLUMNS)


def to_markdown(table: pd.DataFrame, costs: dict, cores: int = 2) -> str:
    """The plan as Markdown: totals, the table, the unit costs and their uncertainty."""
    cpu, gpu = table["cpu_h"].sum(), table["gpu_h"].sum()
    head = [f"# Cost plan ({costs['version']})", "",
            f"{int(table['jobs'].sum())} training jobs (the collect, table and figure jobs beside them cost seconds); "
            f"{cpu:.3g} CPU-hours and {gpu:.3g} GPU-hours typical "
            f"(bound {table['cpu_h_bound'].sum():.3g} CPU-h, {table['gpu_h_bound'].sum():.3g} GPU-h); "
            f"at least {cpu / cores * 60:.3g} min on {cores} cores; longest job {table['longest_job_h'].max():.3g} h; "
            f"disk {table['disk_gb'].sum():.3g} GB of kept checkpoints.", "",
            f"Uncertainty: {costs['uncertainty']}", ""]
    return "\n".join(head + [table.to_markdown(index=False, floatfmt=".3g"), ""])
