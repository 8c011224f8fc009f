"""Theory vs simulation: replica, GD mean and finite-D argmin per setting and α, with relative differences."""

from ptft import collect, tables
from ptft.dln.analysis import agreement_table
from ptft.dln.experiments import REPLICA_KEY
from ptft.provenance import tracked
from ptft.stats import METHOD

with tracked(snakemake):
    sims = collect.read_checked(snakemake.input.simulations, snakemake.params.gd_ids, columns=["mse", "seed"])
    replica = collect.read_checked(snakemake.input.replica, snakemake.params.replica_keys, key=REPLICA_KEY)
    table = agreement_table(sims, replica)
    tables.write_table(table, snakemake.output,
                       caption=f"Replica (D → ∞) vs GD (mean, 95% CI by {METHOD}, n_runs seeds) vs finite-D "
                               "min-penalty interpolator; gd_minus_argmin: paired over seeds on the same data.")
