"""Figure 4 (Figure 4's settings × task types, theory), each setting named by its computed regime; the tables of
computed regimes and of the lowest-error setting per task type and α."""

from ptft import collect, io, plotting, tables
from ptft.dln.experiments import REPLICA_KEY
from ptft.dln.figures import figure4
from ptft.dln.regimes import RECOVERY_FLOOR, best_regime_table, computed_regimes
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    replica = collect.read_checked(snakemake.input[0], snakemake.params.replica_keys, key=REPLICA_KEY)
    curves = replica.query("group == 'fig4'")
    keys = ["task_type", "regime", "c_pt", "lambda_pt", "gamma_ft", "rho_ft", "omega"]
    settings = computed_regimes(curves[keys].drop_duplicates(), a_pt=float(curves["a_pt"].iloc[0]))
    curves = curves.merge(settings, on=keys)
    io.write_csv(snakemake.output.curves, curves)
    tables.write_table(settings, snakemake.output.settings,
                       caption="Figure 4 settings: ℓ and PD computed at each task's β scale (|β_PT| = a_pt, "
                               "|β_FT| = 1/√ρ_ft) and the regime they imply (`computed`); `regime` is the setting's key.")
    plotting.save(figure4(curves, floor=RECOVERY_FLOOR), snakemake.output.figure, data_source="generated",
                  note="replica theory (Proposition 4.2, D → ∞), no seeds")
    tables.write_table(best_regime_table(curves, floor=RECOVERY_FLOOR), snakemake.output.regimes,
                       caption="Replica theory: the setting with the lowest error per task type and α, with its "
                               f"computed regime; state 'recovered' once some setting's error is below "
                               f"{RECOVERY_FLOOR:g} of the teacher's energy (a ranking there names no winner).")
