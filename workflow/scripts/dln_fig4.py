"""Figure 4 (regimes I–IV × task types, theory) and the table of the best regime per task type and α."""

import pandas as pd

from ptft import plotting, tables
from ptft.dln.figures import figure4
from ptft.dln.regimes import best_regime_table
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    curves = pd.read_csv(snakemake.input[0]).query("group == 'fig4'")
    plotting.save(figure4(curves), snakemake.output.figure)
    tables.write_table(best_regime_table(curves), snakemake.output.regimes,
                       caption="Replica theory: the fine-tuning regime with the lowest error per task type and α.")
