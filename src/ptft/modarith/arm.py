"""The modular-arithmetic arm as the engines see it (ptft.arm.Arm): config check, claims, claim tables, plan rows
and its experiment design (ptft.modarith.runs.DESIGN)."""

from ptft.arm import Arm, Table
from ptft.modarith import claims, config, plan, runs

ARM = Arm(
    name="modarith",
    check_config=config.check_config,
    claims=claims.CLAIMS,
    tables={"modarith_finetune": Table("results/modarith/finetune.csv", "ft_id")},
    plan_rows=plan.rows,
    design=runs.DESIGN,
    named_entries=("families", "sweeps", "pt_by_task", "ft_by_family"),
)
