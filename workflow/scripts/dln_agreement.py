"""Theory vs simulation: replica, GD mean and finite-D argmin per setting and α, with relative differences."""

import pandas as pd

from ptft import tables
from ptft.dln.analysis import agreement_table
from ptft.provenance import tracked

with tracked(snakemake):
    table = agreement_table(pd.read_csv(snakemake.input.simulations), pd.read_csv(snakemake.input.replica))
    tables.write_table(table, snakemake.output,
                       caption="Replica (D → ∞) vs GD (mean over n seeds) vs finite-D min-penalty interpolator.")
