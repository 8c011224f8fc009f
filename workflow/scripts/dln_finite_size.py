"""Finite-size bias of the Theorem 4.1 minimiser against the replica limit, at GD's D and at the minimiser's D."""

import pandas as pd

from ptft import collect, tables
from ptft.dln.analysis import finite_size_table
from ptft.provenance import tracked

with tracked(snakemake):
    points = pd.concat([collect.read_checked(snakemake.input.simulations, snakemake.params.gd_ids, columns=["seed"]),
                        collect.read_checked(snakemake.input.minimiser, snakemake.params.minimiser_ids,
                                             columns=["seed"])], ignore_index=True).dropna(subset=["mse_argmin"])
    tables.write_table(finite_size_table(points, pd.read_csv(snakemake.input.replica)), snakemake.output,
                       caption="Finite-size bias: the Theorem 4.1 minimiser's error divided by each seed's teacher "
                               "energy ‖β*‖²/D, mean ± 95% CI (Student-t) over n_runs seeds, against the replica "
                               "limit (D → ∞); bias = argmin − replica, rel_bias = bias / replica.")
