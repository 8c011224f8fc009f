# Reports over every enabled arm: the reproduction scorecard and the provenance index (both in the HTML report).


localrules:
    scorecard,
    provenance_index,


# Scorecard input name -> (arm, table). A disabled arm's claims come out NOT RUN.
SCORECARD_TABLES = {
    "dln_simulations": ("dln", "results/dln/simulations.csv"),
    "dln_single_task": ("dln", "results/dln/single_task.csv"),
    "dln_agreement": ("dln", "results/dln/tables/agreement.csv"),
    "dln_regimes": ("dln", "results/dln/tables/regimes.csv"),
    "vision_finetune": ("vision", "results/vision/finetune.csv"),
    "modarith_finetune": ("modarith", "results/modarith/finetune.csv"),
}
# This file is included last, so every enabled arm has registered its targets by now.
ARM_TARGETS = [path for arm in config["arms"] for path in TARGETS.get(arm, [])]
TARGETS["report"] = ["results/scorecard.md", "results/provenance.csv"]


rule scorecard:
    input:
        **{
            name: path
            for name, (arm, path) in SCORECARD_TABLES.items()
            if arm in config["arms"]
        },
    output:
        csv=report(
            "results/scorecard.csv",
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
        md="results/scorecard.md",
    log:
        "logs/report/scorecard.log",
    conda:
        ENV
    script:
        "../scripts/scorecard.py"


rule provenance_index:
    input:
        ARM_TARGETS,
    output:
        report(
            "results/provenance.csv",
            caption="../report/provenance.rst",
            category="Provenance",
        ),
    log:
        "logs/report/provenance_index.log",
    conda:
        ENV
    script:
        "../scripts/provenance_index.py"
