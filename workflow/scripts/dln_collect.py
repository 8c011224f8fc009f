"""Concatenate the GD jobs' results into results/dln/simulations.csv, task by task; fail if any run is missing."""

import pandas as pd

from ptft import collect, io, tables
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    df = pd.concat([pd.read_csv(p) for p in snakemake.input], ignore_index=True)
    df = df.sort_values("task", kind="stable", ignore_index=True)  # task by task, as the run table, whatever the jobs
    collect.check_complete(df, pd.DataFrame({"run_id": snakemake.params.run_ids}), what="DLN GD runs")
    io.write_csv(snakemake.output.simulations, df)
    status = collect.status_counts(df, ["rho_ft", "omega", "c_pt", "lambda_pt", "gamma_ft"])
    tables.write_table(status, snakemake.output.status, caption="GD runs per setting: n, converged, diverged.")
    prov["seeds"] = sorted(int(s) for s in df["seed"].unique())
