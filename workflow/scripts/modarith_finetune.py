"""One FT job: every member of one family fine-tuned from its PT member, one ensemble per ft_train_frac."""

from ptft import io
from ptft.deep import device as devices
from ptft.deep.trainer import load_state
from ptft.modarith import jobs
from ptft.gpu_slots import gpu_slot
from ptft.provenance import tracked

# The GPU slot comes first, so CUDA starts on this job's own device (a no-op without CUDA or under Slurm).
with tracked(snakemake) as prov, gpu_slot(snakemake.resources.get("gpu", 0)):
    p, out = snakemake.params, snakemake.output
    device = devices.setup(snakemake.config["modarith"]["compute"], snakemake.threads)
    # One PT ensemble per PT knob setting of the members; pt_ids are unique across them.
    pt_states = {pt_id: state for path in snakemake.input.models for pt_id, state in load_state(path).items()}
    table = jobs.finetune(list(p.members), dict(p.settings), pt_states, workdir=p.workdir, device=device)
    io.write_csv(out.runs, table)
    io.write_csv(out.evals, jobs.evals_table(p.workdir, "ft_id"))
    prov.update(seeds=sorted({m["seed"] for m in p.members}), device=str(device), data_source="generated")
