"""Replica curves (Proposition 4.2) for one group of settings: a Figure 3 panel or Figure 4."""

import pandas as pd

from ptft import io, threads
from ptft.dln.analysis import replica_curves
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    threads.pin(snakemake.threads)
    settings = pd.DataFrame(snakemake.params.settings)
    io.write_csv(snakemake.output[0], replica_curves(settings, snakemake.params.alpha, **snakemake.params.solver))
