"""Exp 4: pretraining from scratch at several λ on one sparse task per seed."""

import pandas as pd

from ptft import io, threads
from ptft.dln.batch import run_single_task_batches
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    threads.pin(snakemake.threads)
    runs = pd.DataFrame(snakemake.params.runs)
    df = run_single_task_batches(runs, snakemake.params.gd, argmin=snakemake.params.argmin)
    io.write_csv(snakemake.output[0], df)
    prov["seeds"] = [int(snakemake.wildcards.seed)]
