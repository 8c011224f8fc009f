"""All replica curves in one tidy table: results/dln/replica.csv, checked to hold every curve at every α."""

import pandas as pd

from ptft import collect, io
from ptft.dln.experiments import REPLICA_KEY
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    df = pd.concat([pd.read_csv(p) for p in snakemake.input], ignore_index=True)
    expected = pd.DataFrame(snakemake.params.replica_keys, columns=REPLICA_KEY)
    collect.check_complete(df, expected, key=REPLICA_KEY, what="replica points (curve, α)")
    io.write_csv(snakemake.output[0], df)
