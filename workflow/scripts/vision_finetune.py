"""One FT job (FT runs of one seed, checkpoint by checkpoint): per run its run-table row with test metrics, and ENSD
per layer."""

from pathlib import Path

import pandas as pd

from ptft import io
from ptft.deep import device as devices
from ptft.gpu_slots import gpu_slot
from ptft.provenance import sha256, tracked
from ptft.vision import data, steps, train

# The GPU slot comes first, so CUDA starts on this job's own device (a no-op without CUDA or under Slurm).
with tracked(snakemake) as prov, gpu_slot(snakemake.resources.get("gpu", 0)):
    p, out, compute = snakemake.params, snakemake.output, snakemake.config["vision"]["compute"]
    # How the job computes comes from the config, not from params: editing it must rerun nothing (ptft.deep.device).
    runtime = steps.runtime_from(compute, devices.setup(compute, snakemake.threads))
    prepared = data.load_prepared(snakemake.input.data, runtime.device)
    workdir = Path(p.workdir) / sha256(snakemake.input.data)[:12]
    s = p.settings  # what FT reads of the config, all its ft_id changes with (ptft.vision.runs.settings)
    runs = pd.DataFrame(list(p.members))
    (seed,) = set(runs["seed"])  # the runs of one seed
    models = dict(zip(p.checkpoints, snakemake.input.models, strict=True))  # pt_id -> its PT job's model.pt
    rows, ensd_rows = [], []
    for pt_id, group in runs.groupby("pt_id", sort=False):
        pt_state = train.load_pretrained(models[pt_id], pt_id)
        done, ensd = train.finetune(prepared, pt_state, group.to_dict("records"), seed=seed, stem=s["stem"],
                                    opt=steps.optim_from(s["ft"]), policies=dict(s["policies"]),
                                    ensd=dict(s["ensd"]), runtime=runtime, workdir=workdir,
                                    eval_images=s["ft"]["eval_images"], n_grid=list(s.get("n_grid", [])))
        rows, ensd_rows = rows + done, ensd_rows + ensd
    table = runs.merge(pd.DataFrame(rows), on="ft_id", validate="one_to_one")
    io.write_csv(out.runs, table.assign(data_source=prepared["data_source"]))
    io.write_csv(out.ensd, pd.DataFrame(ensd_rows))
    prov.update(seeds=[seed], device=str(runtime.device), data_source=prepared["data_source"])
