"""Finite-size bias of the Theorem 4.1 minimiser against the replica limit, at every D the run has points for."""

import pandas as pd

from ptft import collect, tables
from ptft.dln.analysis import finite_size_table
from ptft.dln.experiments import REPLICA_KEY
from ptft.provenance import tracked

with tracked(snakemake):
    ids = {"simulations": snakemake.params.gd_ids, "minimiser": snakemake.params.minimiser_ids}
    points = pd.concat([collect.read_checked(snakemake.input[name], ids[name], columns=["seed"])
                        for name in ids if name in snakemake.input.keys()], ignore_index=True)
    replica = collect.read_checked(snakemake.input.replica, snakemake.params.replica_keys, key=REPLICA_KEY)
    tables.write_table(finite_size_table(points.dropna(subset=["mse_argmin"]), replica),
                       snakemake.output,
                       caption="Finite-size bias: the Theorem 4.1 minimiser's error divided by each seed's teacher "
                               "energy ‖β*‖²/D, mean ± 95% CI (Student-t) over n_runs seeds, against the replica "
                               "limit (D → ∞); bias = argmin − replica, rel_bias = bias / replica.")
