# Diagonal linear networks: batched GD per task (a job: one seed's tasks, or one task), aggregation, Figure 3, phase
# diagrams, the λ-independence check.
# Run tables, replica curves and input functions: common.smk.


localrules:
    dln_collect,
    dln_minimiser_collect,
    dln_finite_size,
    dln_single_task_collect,
    dln_fig3,
    dln_phase,
    dln_effects,


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
        "results/dln/gd/{gd_job}.csv",
    log:
        "logs/dln/gd/{gd_job}.log",
    conda:
        ENV
    threads: DLN_COMPUTE["threads"]
    resources:
        runtime=DLN_COMPUTE["runtime"],
        gpu=1 if DLN_COMPUTE["device"] == "cuda" else 0,
        mem_mb=DLN_MEM_MB,
    params:
        runs=get_dln_gd_runs,
        gd=dln_exp.gd_settings(DLN["gd"], extended=True),
        argmin=DLN["argmin"],
        alpha_pt=DLN.get("alpha_pt"),
        # where dln_gd jobs cache their finished batches (and resume from), one subfolder per task
        cache="results/dln/gd/.partial",
    script:
        "../scripts/dln_gd.py"


rule dln_collect:
    input:
        expand("results/dln/gd/{gd_job}.csv", gd_job=DLN_GD_JOBS),
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
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=DLN_MEM_MB,
    params:
        runs=get_dln_minimiser_runs,
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
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=DLN_MEM_MB,
    params:
        runs=get_dln_single_task_runs,
        gd=dln_exp.single_task_gd_settings(DLN),
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
        # Every key of dln.phase is read (ptft.dln.phase: the fixed values, the axes' ranges, points per axis).
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
