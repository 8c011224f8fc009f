"""GD fine-tuning of every run of one DLN task (batched), with the finite-D argmin beside each run."""

from pathlib import Path

import pandas as pd

from ptft import io, threads
from ptft.dln.batch import run_task_batches
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    threads.pin(snakemake.threads)
    runs = pd.DataFrame(snakemake.params.runs)
    df = run_task_batches(runs, snakemake.params.gd, argmin=snakemake.params.argmin,
                          alpha_pt=snakemake.params.alpha_pt, cache=Path(snakemake.params.cache))
    io.write_csv(snakemake.output[0], df)
    prov["seeds"] = sorted(int(s) for s in runs["seed"].unique())
