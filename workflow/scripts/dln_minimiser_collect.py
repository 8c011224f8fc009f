"""Concatenate the per-task minimiser points into results/dln/minimiser.csv; fail if any run is missing."""

import pandas as pd

from ptft import collect, io
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    df = pd.concat([pd.read_csv(p) for p in snakemake.input], ignore_index=True)
    collect.check_complete(df, pd.DataFrame({"run_id": snakemake.params.run_ids}), what="DLN minimiser runs")
    io.write_csv(snakemake.output[0], df)
    prov["seeds"] = sorted(int(s) for s in df["seed"].unique())
