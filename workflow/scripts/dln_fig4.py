"""Figure 4 (regimes I–IV × task types, theory) and the table of the best regime per task type and α."""

import pandas as pd

from ptft import plotting, tables
from ptft.dln.figures import figure4
from ptft.dln.regimes import best_regime_table
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    curves = pd.read_csv(snakemake.input[0]).query("group == 'fig4'")
    plotting.save(figure4(curves), snakemake.output.figure)
    # Errors are in units of E[B*²] = 1: two regimes within 1e-3 of each other both recover the teacher (a tie).
    tables.write_table(best_regime_table(curves, tie_tol=1e-3), snakemake.output.regimes,
                       caption="Replica theory: the fine-tuning regime with the lowest error per task type and α "
                               "(tied: the two best differ by less than 1e-3 of the teacher's energy).")
