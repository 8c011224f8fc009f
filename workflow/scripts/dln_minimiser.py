"""Theory points of one seed at the minimiser's D: the Theorem 4.1 minimiser for every task, setting and α (no GD).

One job per seed: each solve takes a fraction of a second, so a job per task would spend more on starting Python
than on solving.
"""

import pandas as pd

from ptft import io, threads
from ptft.dln.experiments import KNOBS
from ptft.dln.minimiser import minimise_task
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    threads.pin(snakemake.threads)
    runs = pd.DataFrame(snakemake.params.runs)
    frames = []
    for task, rows in runs.groupby("task", sort=True):
        first = rows.iloc[0]
        df = minimise_task(dim=int(first["dim"]), alpha=sorted(rows["alpha"].unique()), rho_pt=float(first["rho_pt"]),
                           rho_ft=float(first["rho_ft"]), omega=float(first["omega"]), seed=int(first["seed"]),
                           a_pt=float(first["a_pt"]), settings=rows[KNOBS].drop_duplicates().reset_index(drop=True))
        keys = KNOBS + ["alpha"]
        frames.append(df.merge(rows[keys + ["run_id", "task"]], on=keys, how="inner", validate="one_to_one"))
    io.write_csv(snakemake.output[0], pd.concat(frames, ignore_index=True))
    prov["seeds"] = sorted(int(s) for s in runs["seed"].unique())
