# Reports over every enabled arm: the reproduction scorecard and the provenance index (both in the HTML report).
import os


localrules:
    scorecard,
    provenance_index,
    plan,


# Scorecard tables: the arms' registry (ptft.arms.TABLES: name -> (arm, Table)). A disabled arm's claims: NOT RUN.
# Without the GD runs or the minimiser points (dln.mode, DLN_POINTS in common.smk) their claims come out NOT RUN.
DLN_ABSENT = [
    f"dln_{name}" for name in ("simulations", "minimiser") if name not in DLN_POINTS
]
SCORECARD_TABLES = {
    k: v
    for k, v in ptft.arms.TABLES.items()
    if v[0] in config["arms"] and k not in DLN_ABSENT
}
# This file is included last, so every enabled arm has registered its targets by now.
ARM_TARGETS = [path for arm in config["arms"] for path in TARGETS.get(arm, [])]
# Per claim table (a claim's `needs`), the report items made from it: the landing page links each claim to them.
REPORT_ITEMS = {
    "vision_finetune": [
        (s, f"results/vision/figures/ft_acc_{s}.png") for s in VISION["sweeps"]
    ],
    "modarith_finetune": [
        *[(s, f"results/modarith/figures/ft_acc_{s}.png") for s in MODARITH["sweeps"]],
        ("summary table", "results/modarith/tables/finetune_summary.csv"),
    ],
    "dln_simulations": [
        ("Figure 3", "results/dln/figures/fig3.png"),
        ("knob effects", "results/dln/figures/effects.png"),
        ("GD vs theory table", "results/dln/tables/agreement.csv"),
    ],
    "dln_minimiser": [
        ("Figure 3", "results/dln/figures/fig3.png"),
        ("knob effects", "results/dln/figures/effects.png"),
    ],
    "dln_finite_size": [("finite-size table", "results/dln/tables/finite_size.csv")],
    "dln_single_task": [("single task", "results/dln/figures/single_task.png")],
    "dln_regime_curves": [
        ("Figure 4", "results/dln/figures/fig4.png"),
        ("regimes table", "results/dln/tables/regimes.csv"),
    ],
}
TARGETS["report"] = [
    "results/scorecard.md",
    "results/scorecard.png",
    "results/provenance.csv",
    "results/plan.md",
]


rule scorecard:
    input:
        **{name: table.path for name, (arm, table) in SCORECARD_TABLES.items()},
    output:
        csv="results/scorecard.csv",
        md="results/scorecard.md",
        html=report(
            "results/scorecard.html",
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
        # Included by workflow/report/workflow.rst: the report's landing page.
        landing="results/report_landing.html",
        figure=report(
            multiext("results/scorecard", ".pdf", ".png"),
            caption="../report/scorecard_figure.rst",
            category="Scorecard",
        ),
    log:
        "logs/report/scorecard.log",
    conda:
        ENV
    params:
        # Every table checked against the rows its run table (or curve grid) implies before any claim reads it;
        # dln_finite_size against the GD and minimiser points it was made from (scorecard.py).
        run_ids={
            "dln_simulations": ids(DLN_RUNS["run_id"]),
            "dln_minimiser": ids(DLN_MINIMISER["run_id"]),
            "dln_single_task": ids(DLN_SINGLE["run_id"]),
            "dln_regime_curves": ids(
                dln_exp.curve_keys(
                    REPLICA_SETTINGS.query("group == 'fig4'"),
                    REPLICA_ALPHA,
                    dln_exp.REGIME_CURVE_KEY,
                )
            ),
            "vision_finetune": ids(VISION_FT["ft_id"]),
            "modarith_finetune": ids(MODARITH_FT["ft_id"]),
        },
        # The id column(s) of each checked table.
        id_columns={name: table.key for name, (arm, table) in SCORECARD_TABLES.items()},
        # Per claim table, the report items made from it (label, path): the landing page links each claim to them.
        report_items={k: v for k, v in REPORT_ITEMS.items() if k in SCORECARD_TABLES},
    script:
        "../scripts/scorecard.py"


rule provenance_index:
    input:
        ARM_TARGETS,
    output:
        csv="results/provenance.csv",
        html=report(
            "results/provenance.html",
            caption="../report/provenance.rst",
            category="Provenance",
        ),
    log:
        "logs/report/provenance_index.log",
    conda:
        ENV
    script:
        "../scripts/provenance_index.py"


rule plan:
    input:
        # Beside the Snakefile, named relative to the run folder: a checkout moved with its results stays up to date.
        costs=os.path.relpath(ROOT / "bench/unit_costs.yaml"),
    output:
        "results/plan.md",
    log:
        "logs/report/plan.log",
    conda:
        ENV
    params:
        # The plan is of the whole config: a changed config reruns it.
        config_hash=ptft.provenance.config_hash(config),
    script:
        "../scripts/plan.py"
