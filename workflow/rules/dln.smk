# Diagonal linear networks: batched GD per task, aggregation, Figure 3, phase diagrams, the λ-independence check.
from ptft.dln import experiments as dln_exp
from ptft.dln.regimes import REGIMES, TASK_TYPES


localrules:
    dln_collect,
    dln_minimiser_collect,
    dln_finite_size,
    dln_single_task_collect,
    dln_fig3,
    dln_phase,
    dln_effects,


DLN = config["dln"]
DLN_RUNS = dln_exp.gd_run_table(DLN)
DLN_SINGLE = dln_exp.single_task_table(DLN)
DLN_MINIMISER = dln_exp.minimiser_run_table(DLN)
# Replica curves (replica.smk): one per (group, setting), each at every α; every reader of replica.csv checks it
# holds exactly these rows (REPLICA_KEYS), the single-task curves one per (c_pt, α).
REPLICA = DLN["replica"]
FIG4_REGIMES = {
    name: {**r, "c_pt": REPLICA.get("figure4_c_pt", r["c_pt"])}
    for name, r in REGIMES.items()
}
REPLICA_SETTINGS = dln_exp.replica_table(DLN, FIG4_REGIMES, TASK_TYPES)
REPLICA_ALPHA = dln_exp.replica_alpha(DLN)
REPLICA_KEYS = dln_exp.curve_keys(REPLICA_SETTINGS, REPLICA_ALPHA, dln_exp.REPLICA_KEY)
SINGLE_ALPHA = sorted(set(REPLICA_ALPHA) | set(DLN["single_task"]["alpha"]))
# GD on CUDA (float64) asks the scheduler for a GPU; the minimiser and the theory stay on CPUs. The GD script reads
# `compute` from the config, not from params: like the deep arms' (ptft.deep.device), editing it reruns nothing.
DLN_COMPUTE = DLN["compute"]
DLN_TASKS = sorted(set(DLN_RUNS["task"]))
# dln.mode: which Figure 3 points exist (GD runs, minimiser theory points, or both); the rest follows from that.
DLN_POINTS = {
    "simulations": "results/dln/simulations.csv",
    "minimiser": "results/dln/minimiser.csv",
}
DLN_POINTS = {
    k: v
    for k, v in DLN_POINTS.items()
    if {"simulations": "minimiser", "minimiser": "gd"}[k] != DLN["mode"]
}
if "dln" in config["arms"]:
    TARGETS["dln"] = [
        *DLN_POINTS.values(),
        "results/dln/figures/fig3.pdf",
        "results/dln/figures/effects.pdf",
        "results/dln/figures/phase.pdf",
        "results/dln/figures/single_task.pdf",
        "results/dln/tables/single_task.md",
        "results/dln/tables/finite_size.md",
    ]


rule dln_gd:
    output:
        "results/dln/gd/{task}.csv",
    log:
        "logs/dln/gd/{task}.log",
    benchmark:
        "benchmarks/dln/gd/{task}.tsv"
    conda:
        ENV
    threads: DLN_COMPUTE["threads"]
    resources:
        runtime=DLN_COMPUTE["runtime"],
        gpu=1 if DLN_COMPUTE["device"] == "cuda" else 0,
    params:
        runs=lambda w: DLN_RUNS[DLN_RUNS["task"] == w.task].to_dict("records"),
        gd=DLN["gd"],
        argmin=DLN["argmin"],
        alpha_pt=DLN.get("alpha_pt"),
        cache=lambda w: f"results/dln/gd/.partial/{w.task}",
    script:
        "../scripts/dln_gd.py"


rule dln_collect:
    input:
        expand("results/dln/gd/{task}.csv", task=DLN_TASKS),
    output:
        simulations="results/dln/simulations.csv",
        status=multiext("results/dln/tables/gd_status", ".csv", ".md"),
    log:
        "logs/dln/collect.log",
    conda:
        ENV
    params:
        run_ids=ids(DLN_RUNS["run_id"]),
    script:
        "../scripts/dln_collect.py"


rule dln_minimiser:
    output:
        "results/dln/minimiser/seed={seed}.csv",
    log:
        "logs/dln/minimiser/seed={seed}.log",
    benchmark:
        "benchmarks/dln/minimiser/seed={seed}.tsv"
    conda:
        ENV
    threads: 1
    params:
        runs=lambda w: DLN_MINIMISER[DLN_MINIMISER["seed"] == int(w.seed)].to_dict(
            "records"
        ),
    script:
        "../scripts/dln_minimiser.py"


rule dln_minimiser_collect:
    input:
        expand(
            "results/dln/minimiser/seed={seed}.csv",
            seed=sorted(set(DLN_MINIMISER["seed"])),
        ),
    output:
        "results/dln/minimiser.csv",
    log:
        "logs/dln/minimiser_collect.log",
    conda:
        ENV
    params:
        run_ids=ids(DLN_MINIMISER["run_id"]),
    script:
        "../scripts/dln_minimiser_collect.py"


rule dln_finite_size:
    input:
        **DLN_POINTS,
        replica="results/dln/replica.csv",
    output:
        report(
            "results/dln/tables/finite_size.csv",
            caption="../report/table.rst",
            category="DLN",
            subcategory="Tables",
        ),
        "results/dln/tables/finite_size.md",
        "results/dln/tables/finite_size.tex",
    log:
        "logs/dln/finite_size.log",
    conda:
        ENV
    params:
        gd_ids=ids(DLN_RUNS["run_id"]),
        minimiser_ids=ids(DLN_MINIMISER["run_id"]),
        replica_keys=ids(REPLICA_KEYS),
    script:
        "../scripts/dln_finite_size.py"


rule dln_single_task:
    output:
        "results/dln/single_task/seed={seed}.csv",
    log:
        "logs/dln/single_task/seed={seed}.log",
    benchmark:
        "benchmarks/dln/single_task/seed={seed}.tsv"
    conda:
        ENV
    threads: 1
    params:
        runs=lambda w: DLN_SINGLE[DLN_SINGLE["seed"] == int(w.seed)].to_dict("records"),
        gd=DLN["gd"],
        argmin=DLN["argmin"],
    script:
        "../scripts/dln_single_task.py"


rule dln_single_task_collect:
    input:
        runs=expand("results/dln/single_task/seed={seed}.csv", seed=DLN["seeds"]),
        replica="results/dln/replica_single_task.csv",
    output:
        runs="results/dln/single_task.csv",
        table=[
            report(
                "results/dln/tables/single_task.csv",
                caption="../report/table.rst",
                category="DLN",
                subcategory="Tables",
            ),
            "results/dln/tables/single_task.md",
            "results/dln/tables/single_task.tex",
        ],
        figure=report(
            multiext("results/dln/figures/single_task", ".pdf", ".png"),
            caption="../report/dln_single_task.rst",
            category="DLN",
        ),
    log:
        "logs/dln/single_task_collect.log",
    conda:
        ENV
    params:
        run_ids=ids(DLN_SINGLE["run_id"]),
        replica_keys=[(c, a) for c in DLN["single_task"]["c_pt"] for a in SINGLE_ALPHA],
    script:
        "../scripts/dln_single_task_collect.py"


rule dln_fig3:
    input:
        **DLN_POINTS,
        replica="results/dln/replica.csv",
    output:
        figure=report(
            multiext("results/dln/figures/fig3", ".pdf", ".png"),
            caption="../report/dln_fig3.rst",
            category="DLN",
        ),
        table=[
            report(
                "results/dln/tables/fig3_points.csv",
                caption="../report/table.rst",
                category="DLN",
                subcategory="Tables",
            ),
            "results/dln/tables/fig3_points.md",
            "results/dln/tables/fig3_points.tex",
        ],
    log:
        "logs/dln/fig3.log",
    conda:
        ENV
    params:
        gd_ids=ids(DLN_RUNS["run_id"]),
        minimiser_ids=ids(DLN_MINIMISER["run_id"]),
        replica_keys=ids(REPLICA_KEYS),
        panels=dln_exp.panel_table(DLN).to_dict("records"),
        dim=DLN["dim"],
    script:
        "../scripts/dln_fig3.py"


rule dln_phase:
    output:
        data="results/dln/phase.csv",
        figure=report(
            multiext("results/dln/figures/phase", ".pdf", ".png"),
            caption="../report/dln_phase.rst",
            category="DLN",
        ),
    log:
        "logs/dln/phase.log",
    conda:
        ENV
    params:
        phase=DLN["phase"],
    script:
        "../scripts/dln_phase.py"


rule dln_effects:
    input:
        **DLN_POINTS,
    output:
        figure=report(
            multiext("results/dln/figures/effects", ".pdf", ".png"),
            caption="../report/dln_effects.rst",
            category="DLN",
        ),
        table=report(
            multiext("results/dln/tables/effects", ".csv", ".md"),
            caption="../report/dln_effects.rst",
            category="DLN",
            subcategory="Tables",
        ),
    log:
        "logs/dln/effects.log",
    conda:
        ENV
    params:
        gd_ids=ids(DLN_RUNS["run_id"]),
        minimiser_ids=ids(DLN_MINIMISER["run_id"]),
    script:
        "../scripts/dln_effects.py"
