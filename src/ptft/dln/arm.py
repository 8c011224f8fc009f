"""The DLN arm as the engines see it (ptft.arm.Arm): config check, claims, claim tables, plan rows."""

from ptft.arm import Arm, Table
from ptft.dln import claims, config, plan
from ptft.dln.analysis import FINITE_SIZE_KEY
from ptft.dln.experiments import REGIME_CURVE_KEY

ARM = Arm(
    name="dln",
    check_config=config.check_config,
    claims=claims.CLAIMS,
    tables={
        "dln_simulations": Table("results/dln/simulations.csv"),
        "dln_single_task": Table("results/dln/single_task.csv"),
        "dln_minimiser": Table("results/dln/minimiser.csv"),
        "dln_finite_size": Table("results/dln/tables/finite_size.csv", FINITE_SIZE_KEY),
        "dln_regime_curves": Table("results/dln/regime_curves.csv", REGIME_CURVE_KEY),
    },
    plan_rows=plan.rows,
    named_entries=("panels",),
)
