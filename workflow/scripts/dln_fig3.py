"""Figure 3: GD points and finite-D argmin against the replica lines, and its table of GD means with n."""

import pandas as pd

from ptft import plotting, tables
from ptft.dln import figures
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    sims = pd.read_csv(snakemake.input.simulations)
    replica = pd.read_csv(snakemake.input.replica)
    fig = figures.figure3(pd.DataFrame(snakemake.params.panels), sims, replica, snakemake.params.dim)
    plotting.save(fig, snakemake.output.figure)
    tables.write_table(figures.gd_summary(sims), snakemake.output.table,
                       caption="GD fine-tuning error per setting and α: mean, 95% CI half-width, n seeds, "
                               "converged/diverged counts, finite-D min-penalty interpolator error.")
