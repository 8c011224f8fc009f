"""Figure 3: minimiser theory points and GD points against the replica lines (whichever dln.mode makes), and the
table of the plotted means with their intervals and n_runs."""

import pandas as pd

from ptft import collect, plotting, tables
from ptft.dln import figures
from ptft.dln.experiments import REPLICA_KEY
from ptft.provenance import tracked
from ptft.stats import METHOD

with tracked(snakemake) as prov:
    sims = points = None
    if "simulations" in snakemake.input.keys():
        sims = collect.read_checked(snakemake.input.simulations, snakemake.params.gd_ids, columns=["mse", "seed"])
    if "minimiser" in snakemake.input.keys():
        points = collect.read_checked(snakemake.input.minimiser, snakemake.params.minimiser_ids, columns=["seed"])
    replica = collect.read_checked(snakemake.input.replica, snakemake.params.replica_keys, key=REPLICA_KEY)
    fig = figures.figure3(pd.DataFrame(snakemake.params.panels), sims, replica, snakemake.params.dim, points)
    shown = [df for df in (sims, points) if df is not None]
    plotting.save(fig, snakemake.output.figure, data_source="generated", note=plotting.footer(
        *(f"{'GD' if df is sims else 'minimiser'} at D = {int(df['dim'].iloc[0])}, {plotting.seeds(df['seed'])}"
          for df in shown), f"bars: 95% CI, {METHOD.replace('paired ', '')}"))
    tables.write_table(figures.points_summary(sims, points), snakemake.output.table,
                       caption=f"Figure 3 points per setting and α: `points` = gd (GD at its D; converged/diverged "
                               "counts and the minimiser on the same data) or minimiser (theory points at their D); "
                               f"mean, std, 95% CI half-width ({METHOD}), n_runs seeds.")
