# Modular-arithmetic Transformers (REFERENCE §5 [ours]; protocol: workflow/report/modarith_protocol.rst):
# one PT job per PT task and one FT job per (family, ft_train_frac), each an ensemble of runs -> tidy
# tables -> figures. Run ids come from ptft.modarith.runs; paths are functions of the ids.
from ptft.modarith import runs as modarith_runs


localrules:
    modarith_collect,
    modarith_tables,
    modarith_figures,


MODARITH = config["modarith"]
MODARITH_PT, MODARITH_FT = modarith_runs.tables(MODARITH)
MODARITH_RES = MODARITH["resources"]
# What a training job needs from the config (the members come from the run tables).
MODARITH_SETTINGS = {
    k: MODARITH[k]
    for k in (
        "p",
        "pt_train_frac",
        "model",
        "pt",
        "ft",
        "generalise_acc",
        "early_layers",
        "head",
    )
} | {"pt_by_task": MODARITH.get("pt_by_task", {})}
MODARITH_FIGS = "results/modarith/figures"
# PT steps for the figures' scale note, with the PT tasks whose pt_by_task sets others: "1500 (add+sub: 3000)".
MODARITH_PT_STEPS = " ".join(
    [str(MODARITH["pt"]["steps"])]
    + [
        f"({task}: {spec['steps']})"
        for task, spec in MODARITH.get("pt_by_task", {}).items()
        if "steps" in spec and task in set(MODARITH_PT["pt_task"])
    ]
)
if "modarith" in config["arms"]:
    TARGETS["modarith"] = [
        "results/modarith/finetune.csv",
        "results/modarith/tables/finetune_summary.md",
        *expand(
            f"{MODARITH_FIGS}/ft_acc_{{sweep}}.pdf", sweep=list(MODARITH["sweeps"])
        ),
        f"{MODARITH_FIGS}/steps_to_generalise.pdf",
        f"{MODARITH_FIGS}/pt_grokking.pdf",
    ]


rule modarith_pretrain:
    output:
        model="results/modarith/pt/{pt_job}/model.pt",
        runs="results/modarith/pt/{pt_job}/runs.csv",
        ops="results/modarith/pt/{pt_job}/ops.csv",
        evals="results/modarith/pt/{pt_job}/evals.csv",
    log:
        "logs/modarith/pt/{pt_job}.log",
    benchmark:
        "benchmarks/modarith/pt/{pt_job}.tsv"
    conda:
        ENV
    threads: MODARITH["compute"]["threads"]
    resources:
        gpu=MODARITH_RES["gpu"],
        mem_mb=MODARITH_RES["mem_mb"],
        runtime=MODARITH_RES["runtime"],
    params:
        members=lambda w: modarith_runs.members(MODARITH_PT, "pt_job", w.pt_job),
        settings=MODARITH_SETTINGS,
        device=MODARITH["compute"]["device"],
        workdir=lambda w: modarith_runs.workdir(
            "pt",
            w.pt_job,
            MODARITH_SETTINGS,
            modarith_runs.members(MODARITH_PT, "pt_job", w.pt_job),
        ),
    script:
        "../scripts/modarith_pretrain.py"


rule modarith_finetune:
    input:
        model=lambda w: modarith_runs.pt_model(MODARITH_FT, w.ft_job),
    output:
        runs="results/modarith/ft/{ft_job}/runs.csv",
        evals="results/modarith/ft/{ft_job}/evals.csv",
    log:
        "logs/modarith/ft/{ft_job}.log",
    benchmark:
        "benchmarks/modarith/ft/{ft_job}.tsv"
    # FT job ids are hex run-table ids (ptft.grid.with_ids); the global constraint is for the vision arm's numbers.
    wildcard_constraints:
        ft_job=r"[0-9a-f]+",
    conda:
        ENV
    threads: MODARITH["compute"]["threads"]
    resources:
        gpu=MODARITH_RES["gpu"],
        mem_mb=MODARITH_RES["mem_mb"],
        runtime=MODARITH_RES["runtime"],
    params:
        members=lambda w: modarith_runs.members(MODARITH_FT, "ft_job", w.ft_job),
        settings=MODARITH_SETTINGS,
        device=MODARITH["compute"]["device"],
        workdir=lambda w: modarith_runs.workdir(
            "ft",
            w.ft_job,
            MODARITH_SETTINGS,
            modarith_runs.members(MODARITH_FT, "ft_job", w.ft_job),
        ),
    script:
        "../scripts/modarith_finetune.py"


rule modarith_collect:
    input:
        pt=expand(
            "results/modarith/pt/{pt_job}/runs.csv",
            pt_job=sorted(set(MODARITH_PT["pt_job"])),
        ),
        pt_ops=expand(
            "results/modarith/pt/{pt_job}/ops.csv",
            pt_job=sorted(set(MODARITH_PT["pt_job"])),
        ),
        pt_evals=expand(
            "results/modarith/pt/{pt_job}/evals.csv",
            pt_job=sorted(set(MODARITH_PT["pt_job"])),
        ),
        ft=expand(
            "results/modarith/ft/{ft_job}/runs.csv",
            ft_job=sorted(set(MODARITH_FT["ft_job"])),
        ),
    output:
        finetune=report(
            "results/modarith/finetune.csv",
            caption="../report/modarith_protocol.rst",
            category="Modular arithmetic",
        ),
        pretrain="results/modarith/pretrain.csv",
        pretrain_ops="results/modarith/pretrain_ops.csv",
        pretrain_evals="results/modarith/pretrain_evals.csv",
    log:
        "logs/modarith/collect.log",
    conda:
        ENV
    params:
        ft_run_ids=list(MODARITH_FT["run_id"]),
        pt_run_ids=list(MODARITH_PT["pt_run_id"]),
    script:
        "../scripts/modarith_collect.py"


rule modarith_tables:
    input:
        finetune="results/modarith/finetune.csv",
        pretrain="results/modarith/pretrain.csv",
        pretrain_ops="results/modarith/pretrain_ops.csv",
    output:
        summary=multiext(
            "results/modarith/tables/finetune_summary", ".csv", ".md", ".tex"
        ),
        generalise=multiext(
            "results/modarith/tables/steps_to_generalise", ".csv", ".md"
        ),
        pretrain=multiext("results/modarith/tables/pretrain_summary", ".csv", ".md"),
    log:
        "logs/modarith/tables.log",
    conda:
        ENV
    params:
        base=MODARITH["base"],
        sweeps=MODARITH["sweeps"],
    script:
        "../scripts/modarith_tables.py"


rule modarith_figures:
    input:
        finetune="results/modarith/finetune.csv",
        pretrain_evals="results/modarith/pretrain_evals.csv",
    output:
        acc=report(
            expand(
                f"{MODARITH_FIGS}/ft_acc_{{sweep}}.{{ext}}",
                sweep=list(MODARITH["sweeps"]),
                ext=["pdf", "png"],
            ),
            caption="../report/modarith_ft_acc.rst",
            category="Modular arithmetic",
        ),
        steps=report(
            multiext(f"{MODARITH_FIGS}/steps_to_generalise", ".pdf", ".png"),
            caption="../report/modarith_steps.rst",
            category="Modular arithmetic",
        ),
        grokking=report(
            multiext(f"{MODARITH_FIGS}/pt_grokking", ".pdf", ".png"),
            caption="../report/modarith_grokking.rst",
            category="Modular arithmetic",
        ),
    log:
        "logs/modarith/figures.log",
    conda:
        ENV
    params:
        base=MODARITH["base"],
        sweeps=MODARITH["sweeps"],
        generalise_acc=MODARITH["generalise_acc"],
        families=list(MODARITH["families"]),
        note=MODARITH["figure_note"],
        pt_train_frac=MODARITH["pt_train_frac"],
        scale={k: MODARITH[k] for k in ("p", "seeds", "model")}
        | {"pt_steps": MODARITH_PT_STEPS, "ft_steps": MODARITH["ft"]["steps"]},
    script:
        "../scripts/modarith_figures.py"
