# Replica theory (Proposition 4.2): Figure 3 lines, Figure 4, the agreement and regime tables. The curves to show
# (REPLICA_SETTINGS × REPLICA_ALPHA, the rows REPLICA_KEYS) are defined in common.smk, each distinct one solved once
# (REPLICA_PARTS) and given to every group that shows it by replica_collect; dln.smk reads replica.csv too.


localrules:
    replica_collect,
    dln_fig4,
    dln_agreement,


if "dln" in config["arms"]:
    TARGETS["dln"] += [
        "results/dln/replica.csv",
        "results/dln/figures/fig4.pdf",
        *(["results/dln/tables/agreement.md"] if "simulations" in DLN_POINTS else []),
        "results/dln/tables/regimes.md",
    ]


rule replica_curves:
    output:
        "results/dln/replica/{part}.csv",
    log:
        "logs/dln/replica/{part}.log",
    conda:
        ENV
    threads: 1
    params:
        settings=get_replica_curves,
        alpha=REPLICA_ALPHA,
        solver=REPLICA_SOLVER,
    script:
        "../scripts/replica_curves.py"


rule replica_collect:
    input:
        expand(
            "results/dln/replica/{part}.csv",
            part=sorted(set(REPLICA_PARTS["part"])),
        ),
    output:
        "results/dln/replica.csv",
    log:
        "logs/dln/replica_collect.log",
    conda:
        ENV
    params:
        settings=REPLICA_SETTINGS.to_dict("records"),
        replica_keys=ids(REPLICA_KEYS),
    script:
        "../scripts/replica_collect.py"


rule replica_single_task:
    output:
        "results/dln/replica_single_task.csv",
    log:
        "logs/dln/replica_single_task.log",
    conda:
        ENV
    params:
        c_pt=DLN["single_task"]["c_pt"],
        rho=DLN["single_task"]["rho"],
        alpha=SINGLE_ALPHA,
    script:
        "../scripts/replica_single_task.py"


rule dln_fig4:
    input:
        "results/dln/replica.csv",
    output:
        figure=report(
            multiext("results/dln/figures/fig4", ".pdf", ".png"),
            caption="../report/dln_fig4.rst",
            category="DLN",
        ),
        regimes=[
            report(
                "results/dln/tables/regimes.csv",
                caption="../report/table.rst",
                category="DLN",
                subcategory="Tables",
            ),
            "results/dln/tables/regimes.md",
            "results/dln/tables/regimes.tex",
        ],
        settings=[
            report(
                "results/dln/tables/regime_settings.csv",
                caption="../report/table.rst",
                category="DLN",
                subcategory="Tables",
            ),
            "results/dln/tables/regime_settings.md",
            "results/dln/tables/regime_settings.tex",
        ],
        curves="results/dln/regime_curves.csv",
    log:
        "logs/dln/fig4.log",
    conda:
        ENV
    params:
        replica_keys=ids(REPLICA_KEYS),
    script:
        "../scripts/dln_fig4.py"


rule dln_agreement:
    input:
        simulations="results/dln/simulations.csv",
        replica="results/dln/replica.csv",
    output:
        report(
            "results/dln/tables/agreement.csv",
            caption="../report/table.rst",
            category="DLN",
            subcategory="Tables",
        ),
        "results/dln/tables/agreement.md",
        "results/dln/tables/agreement.tex",
    log:
        "logs/dln/agreement.log",
    conda:
        ENV
    params:
        gd_ids=ids(DLN_RUNS["run_id"]),
        replica_keys=ids(REPLICA_KEYS),
    script:
        "../scripts/dln_agreement.py"
