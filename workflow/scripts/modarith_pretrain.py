"""One PT job: every seed of one PT task at one (alpha_rel, c_pt) trained as one ensemble (resumes if interrupted)."""

from ptft import io
from ptft.deep import device as devices
from ptft.modarith import jobs
from ptft.gpu_slots import gpu_slot
from ptft.provenance import tracked

# The GPU slot comes first, so CUDA starts on this job's own device (a no-op without CUDA or under Slurm).
with tracked(snakemake) as prov, gpu_slot(snakemake.resources.get("gpu", 0)):
    p, out = snakemake.params, snakemake.output
    device = devices.setup(snakemake.config["modarith"]["compute"], snakemake.threads)
    states, table, ops = jobs.pretrain(list(p.members), dict(p.settings), workdir=p.workdir, device=device)
    io.save_torch(out.model, states)
    io.write_csv(out.runs, table)
    io.write_csv(out.ops, ops)
    io.write_csv(out.evals, jobs.evals_table(p.workdir, "pt_id"))
    prov.update(seeds=sorted({m["seed"] for m in p.members}), device=str(device), data_source="generated")
