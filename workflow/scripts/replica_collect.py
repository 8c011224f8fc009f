"""All replica curves in one tidy table: results/dln/replica.csv, each distinct curve given to every group (Figure 3
panel, Figure 4) that shows it, checked to hold every curve of every group at every α."""

import pandas as pd

from ptft import collect, io
from ptft.dln.experiments import CURVE_KEYS, REPLICA_KEY
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    curves = pd.concat([pd.read_csv(p) for p in snakemake.input], ignore_index=True)
    # A curve solved twice would give its groups every row twice: check_complete refuses duplicates.
    df = curves.merge(pd.DataFrame(snakemake.params.settings), on=CURVE_KEYS)
    expected = pd.DataFrame(snakemake.params.replica_keys, columns=REPLICA_KEY)
    collect.check_complete(df, expected, key=REPLICA_KEY, what="replica points (curve, α)")
    io.write_csv(snakemake.output[0], df)
