"""All replica curves in one tidy table: results/dln/replica.csv."""

import pandas as pd

from ptft import io
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    io.write_csv(snakemake.output[0], pd.concat([pd.read_csv(p) for p in snakemake.input], ignore_index=True))
