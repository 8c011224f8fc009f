"""The DLN rows of `ptft plan`: GD jobs (typical and at the step cap), minimiser jobs and replica curves."""

from ptft.dln import experiments as ex
from ptft.plan import device_of, row


def rows(cfg: dict, u: dict) -> list[dict]:
    d, overhead = u["dln"], u["job_overhead_s"] + u["job_fixed_s"]["dln"]
    device = device_of(cfg)
    max_steps = cfg["gd"]["max_steps"]
    typical = min(max_steps, d["gd_steps_fraction"] * max_steps)
    # The bound: every run still descending at max_steps, so every batch continued to max_steps_extended.
    bound_steps = cfg["gd"]["max_steps_extended"]
    runs = ex.gd_run_table(cfg)
    n = (runs["alpha"] * runs["dim"]).round()
    # A batch is one (task, α); a job runs its tasks (compute.job) one after another: Σ over its batches of N·D·R,
    # and its number of batches.
    job = ex.gd_jobs(runs, cfg["compute"]["job"]).rename("gd_job")
    work = (n * runs["dim"]).groupby([job, runs["task"], runs["alpha"]]).agg(["first", "size"])
    per_job = (work["first"] * work["size"]).groupby(level="gd_job").sum()
    batches = work.groupby(level="gd_job").size()

    def step_seconds(dev):  # one step of every batch of each job, on `dev`
        return per_job * d["gd_s_per_ndr_step"][dev] + d["gd_s_per_step"][dev] * batches

    step_s = step_seconds(device)
    # The second budget continues a few runs per batch: per-step launches dominate, for a fraction of its steps.
    extension_s = d["gd_s_per_step"][device] * batches * d["gd_extension_fraction"] * (bound_steps - max_steps)
    batch = int(work["size"].max()) if len(work) else 0
    mem = 8.0 * float((n * runs["dim"]).max() + 6 * runs["dim"].max() * batch) if len(runs) else 0.0
    out = [row("dln", "dln_gd", overhead + step_s * typical + extension_s, device=device,
               bound_s=overhead + step_s * bound_steps, mem_bytes=mem,
               note=f"{typical:.3g} effective steps per batch typical ({d['gd_steps_fraction']:g} of max_steps) "
                    f"+ {d['gd_extension_fraction']:g} of the {bound_steps - max_steps:.3g} extension steps, "
                    f"bound {bound_steps:.3g}")]
    points = ex.minimiser_run_table(cfg)
    if len(points):
        n = (points["alpha"] * points["dim"]).round()
        # Factorisations of the N×N dual Hessian (N²·D) and the products and residuals between them (N·D).
        solve = (d["minimiser_s_per_n2d"] * n + d["minimiser_s_per_nd"]) * n * points["dim"]
        per_seed = solve.groupby(points["seed"]).sum()
        # X in float64 and float32, a scaled float32 copy while factorising, and the N×N Hessian and factor (float32,
        # float64 where float32 does not serve): at most 8·(2.5·N·D + 2·N²) bytes.
        out.append(row("dln", "dln_minimiser", overhead + per_seed, mem_bytes=8.0 * float(
            (2.5 * n * points["dim"] + 2 * n**2).max()), note="Theorem 4.1 minimiser, one job per seed"))
    parts = ex.replica_parts(ex.replica_table(cfg))  # each distinct curve once
    per_curve = d["replica_s_per_point"] * len(ex.replica_alpha(cfg))
    out.append(row("dln", "replica_curves", overhead + per_curve * parts.groupby("part").size(),
                   note=f"{len(parts)} distinct curves × {len(ex.replica_alpha(cfg))} α by quadrature"))
    cpu_step_s = step_seconds("cpu")
    if len(cpu_step_s) and bound_steps * float(cpu_step_s.max()) > 24 * 3600:
        out[0]["note"] += (f"; on CPUs: {float(cpu_step_s.sum()) * typical / 3600:.3g} CPU-h typical, longest job "
                            f"{float(cpu_step_s.max()) * bound_steps / 86400:.3g} days at the bound: hence GPUs "
                            "(dln.compute.device: cuda) or the minimiser alone (dln.mode: minimiser)")
    return out
