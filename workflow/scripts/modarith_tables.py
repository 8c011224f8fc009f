"""Summary tables of the FT runs (mean, 95% CI and n per cell) and of the PT runs they start from."""

import pandas as pd

from ptft.modarith import figures
from ptft.provenance import tracked
from ptft.tables import write_table

with tracked(snakemake) as prov:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    ft, pt = pd.read_csv(inp.finetune), pd.read_csv(inp.pretrain)
    long = figures.sweep_rows(ft, dict(p.base), dict(p.sweeps))
    write_table(figures.summary(long, "test_acc"), out.summary,
                caption="FT test accuracy per family, sweep, knob value and FT fraction (mean ± 95% CI, n runs).")
    write_table(figures.summary(long, "steps_to_generalise"), out.generalise,
                caption="FT steps until test accuracy ≥ generalise_acc (runs that never got there: n − n_finite).")
    write_table(figures.pt_summary(pt), out.pretrain, caption="PT runs: final test accuracy per PT task and knobs.")
    prov.update(seeds=sorted(int(s) for s in ft["seed"].unique()), data_source="generated")
