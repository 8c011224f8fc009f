"""PT test (and train) accuracy vs step at the base knobs, one line per PT task: grokking."""

import pandas as pd

from ptft import plotting
from ptft.modarith import figures
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    p = snakemake.params
    evals = pd.read_csv(snakemake.input[0])
    figures.save(figures.pt_grokking(evals, dict(p.base), p.pt_train_frac, 1 / p.p), list(snakemake.output),
                 note=plotting.footer(plotting.seeds(evals["seed"]), "band: Student-t 95% CI over seeds, cut at [0, 1]",
                                      p.note))
    prov.update(seeds=sorted(int(s) for s in evals["seed"].unique()), data_source="generated")
