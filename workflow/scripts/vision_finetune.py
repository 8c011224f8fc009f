"""The FT runs of one PT checkpoint (one batch of them): test metrics and ENSD per layer."""

from pathlib import Path

import pandas as pd
import torch

from ptft import io
from ptft.gpu_slots import gpu_slot
from ptft.provenance import sha256, tracked
from ptft.vision import data, train

# The GPU slot comes first, so CUDA starts on this job's own device (a no-op without CUDA or under Slurm).
with tracked(snakemake) as prov, gpu_slot(snakemake.resources.get("gpu", 0)):
    torch.set_num_threads(snakemake.threads)
    p, out = snakemake.params, snakemake.output
    # How the job computes (device, threads, bf16, batch of evaluation) comes from the config, not from params:
    # it changes no result beyond rounding, so editing it must not rerun trainings, tables or figures.
    runtime = train.runtime_from(snakemake.config["vision"]["compute"])
    prepared = data.load_prepared(snakemake.input.data, runtime.device)
    workdir = Path(p.workdir) / sha256(snakemake.input.data)[:12]
    rows, ensd_rows = train.finetune(prepared, snakemake.input.model, list(p.runs), seed=p.seed, stem=p.stem,
                                     opt=train.optim_from(p.ft), policies=dict(p.policies), ensd=dict(p.ensd),
                                     runtime=runtime, workdir=workdir)
    io.write_csv(out.runs, pd.DataFrame(rows).assign(data_source=prepared["data_source"]))
    io.write_csv(out.ensd, pd.DataFrame(ensd_rows))
    prov.update(seeds=[p.seed], device=str(runtime.device), data_source=prepared["data_source"])
