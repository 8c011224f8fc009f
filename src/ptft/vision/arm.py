"""The vision arm as the engines see it (ptft.arm.Arm): config check, claims, claim tables, plan rows and its
experiment design (ptft.vision.runs.DESIGN)."""

from ptft.arm import Arm, Table
from ptft.vision import claims, config, plan, runs

ARM = Arm(
    name="vision",
    check_config=config.check_config,
    claims=claims.CLAIMS,
    tables={"vision_finetune": Table("results/vision/finetune.csv", "ft_id")},
    plan_rows=plan.rows,
    design=runs.DESIGN,
    named_entries=("datasets", "sweeps"),
)
