"""Theory points of one DLN task at the minimiser's D: the Theorem 4.1 minimiser for every setting and α (no GD)."""

import pandas as pd

from ptft import io, threads
from ptft.dln.experiments import KNOBS
from ptft.dln.simulate import minimise_task
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    threads.pin(snakemake.threads)
    runs = pd.DataFrame(snakemake.params.runs)
    first = runs.iloc[0]
    df = minimise_task(dim=int(first["dim"]), alpha=sorted(runs["alpha"].unique()), rho_pt=float(first["rho_pt"]),
                       rho_ft=float(first["rho_ft"]), omega=float(first["omega"]), seed=int(first["seed"]),
                       a_pt=float(first["a_pt"]), settings=runs[KNOBS].drop_duplicates().reset_index(drop=True))
    keys = KNOBS + ["alpha"]
    df = df.merge(runs[keys + ["run_id", "task"]], on=keys, how="inner", validate="one_to_one")
    io.write_csv(snakemake.output[0], df)
    prov["seeds"] = [int(first["seed"])]
