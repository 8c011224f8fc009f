"""Exp 4 table and figure: single-task error per λ against the single-task replica curve."""

import pandas as pd

from ptft import collect, io, plotting, tables
from ptft.dln.figures import single_task_figure
from ptft.provenance import tracked
from ptft.stats import METHOD, mean_ci

with tracked(snakemake) as prov:
    runs = pd.concat([pd.read_csv(p) for p in snakemake.input.runs], ignore_index=True)
    collect.check_complete(runs, pd.DataFrame({"run_id": snakemake.params.run_ids}), what="single-task runs")
    io.write_csv(snakemake.output.runs, runs)
    summary = mean_ci(runs, ["c_pt", "lambda_pt", "alpha"], "mse")
    replica = collect.read_checked(snakemake.input.replica, snakemake.params.replica_keys, key=["c_pt", "alpha"])
    table = summary.merge(replica[["c_pt", "alpha", "mse"]].rename(columns={"mse": "replica"}),
                          on=["c_pt", "alpha"], how="left")
    tables.write_table(table, snakemake.output.table,
                       caption=f"Training from scratch: GD error per λ (mean, 95% CI by {METHOD}, n_runs seeds) and "
                               "the replica value.")
    fig, notes = single_task_figure(summary, replica)
    plotting.save(fig, snakemake.output.figure, data_source="generated",
                  note=plotting.footer(f"GD at D = {int(runs['dim'].iloc[0])}", plotting.seeds(runs["seed"]),
                                       f"bars: 95% CI, {METHOD.replace('paired ', '')}", *notes))
    prov["seeds"] = sorted(int(s) for s in runs["seed"].unique())
