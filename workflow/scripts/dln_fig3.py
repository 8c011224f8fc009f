"""Figure 3: GD points, the minimiser on the same data and the minimiser theory points against the replica lines;
its table of GD means with n_runs."""

import pandas as pd

from ptft import collect, plotting, tables
from ptft.dln import figures
from ptft.provenance import tracked
from ptft.stats import METHOD

with tracked(snakemake) as prov:
    sims = collect.read_checked(snakemake.input.simulations, snakemake.params.gd_ids, columns=["mse", "seed"])
    points = collect.read_checked(snakemake.input.minimiser, snakemake.params.minimiser_ids, columns=["seed"])
    replica = pd.read_csv(snakemake.input.replica)
    fig = figures.figure3(pd.DataFrame(snakemake.params.panels), sims, replica, snakemake.params.dim, points)
    plotting.save(fig, snakemake.output.figure)
    tables.write_table(figures.gd_summary(sims), snakemake.output.table,
                       caption=f"GD fine-tuning error per setting and α: mean, 95% CI half-width ({METHOD}), n_runs "
                               "seeds, converged/diverged counts, finite-D min-penalty interpolator error.")
