"""GD fine-tuning of every run of one job (a seed's tasks or one task; dln.compute.job), task by task (batched, CPU
or CUDA), with the finite-D argmin beside each run."""

from pathlib import Path

import pandas as pd

from ptft import io, threads
from ptft.deep.device import pick
from ptft.dln.batch import run_task_batches
from ptft.gpu_slots import gpu_slot
from ptft.provenance import tracked

with tracked(snakemake) as prov, gpu_slot(snakemake.resources.get("gpu", 0)):
    threads.pin(snakemake.threads)
    # How the job computes comes from the config, not from params: editing it must rerun nothing (ptft.deep.device).
    device = pick(snakemake.config["dln"]["compute"]["device"])
    runs = pd.DataFrame(snakemake.params.runs)
    # The job's tasks one after another, each caching its finished batches in its own folder (resume).
    df = pd.concat([run_task_batches(task_runs, snakemake.params.gd, argmin=snakemake.params.argmin,
                                     alpha_pt=snakemake.params.alpha_pt, cache=Path(snakemake.params.cache) / task,
                                     device=device)
                    for task, task_runs in runs.groupby("task", sort=True)], ignore_index=True)
    io.write_csv(snakemake.output[0], df.assign(device=str(device)))
    prov["seeds"] = sorted(int(s) for s in runs["seed"].unique())
    prov["device"] = str(device)
