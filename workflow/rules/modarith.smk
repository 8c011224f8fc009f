# Modular-arithmetic Transformers (REFERENCE §5 [ours]; protocol: workflow/report/modarith_protocol.rst):
# one PT job per (PT task, PT knob setting), an ensemble of runs, and one FT job per family, an ensemble per
# ft_train_frac -> tidy tables -> one figure per sweep, steps to generalise, PT grokking. Design and input functions:
# common.smk; paths are functions of the job ids.
from ptft.modarith import results as modarith_results


localrules:
    modarith_collect,
    modarith_tables,
    modarith_figure,
    modarith_steps_figure,
    modarith_grokking_figure,


MODARITH_RES = MODARITH["resources"]
MODARITH_FIGS = "results/modarith/figures"
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
    # The longest jobs of the default run (the mixture's, ~4-5 min each, vs < 40 s for any other): started first, so
    # that they run beside the short jobs instead of ending the run alone (measured: 17 min 23 s with one started at
    # minute 12).
    priority: 10
    conda:
        ENV
    threads: MODARITH["compute"]["threads"]
    resources:
        gpu=MODARITH_RES["gpu"],
        mem_mb=MODARITH_RES["mem_mb"],
        runtime=MODARITH_RES["runtime"],
    params:
        members=get_modarith_pt_members,
        settings=get_modarith_pt_settings,
        workdir=get_modarith_pt_workdir,
    script:
        "../scripts/modarith_pretrain.py"


rule modarith_finetune:
    input:
        models=get_modarith_pt_models,
    output:
        runs="results/modarith/ft/{ft_job}/runs.csv",
        evals="results/modarith/ft/{ft_job}/evals.csv",
    log:
        "logs/modarith/ft/{ft_job}.log",
    conda:
        ENV
    threads: MODARITH["compute"]["threads"]
    resources:
        gpu=MODARITH_RES["gpu"],
        mem_mb=MODARITH_RES["mem_mb"],
        runtime=MODARITH_RES["runtime"],
    params:
        members=get_modarith_ft_members,
        settings=get_modarith_ft_settings,
        workdir=get_modarith_ft_workdir,
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
        ft_evals=expand(
            "results/modarith/ft/{ft_job}/evals.csv",
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
        ft_ids=ids(MODARITH_FT["ft_id"]),
        pt_ids=ids(MODARITH_PT["pt_id"]),
        pt_ops=ids(MODARITH_PT_OPS),
        generalise_acc=MODARITH["generalise_acc"],
    script:
        "../scripts/modarith_collect.py"


rule modarith_tables:
    input:
        finetune="results/modarith/finetune.csv",
        pretrain="results/modarith/pretrain.csv",
        pretrain_ops="results/modarith/pretrain_ops.csv",
    output:
        summary=[
            report(
                "results/modarith/tables/finetune_summary.csv",
                caption="../report/table.rst",
                category="Modular arithmetic",
                subcategory="Tables",
            ),
            "results/modarith/tables/finetune_summary.md",
            "results/modarith/tables/finetune_summary.tex",
        ],
        generalise=[
            report(
                "results/modarith/tables/steps_to_generalise.csv",
                caption="../report/table.rst",
                category="Modular arithmetic",
                subcategory="Tables",
            ),
            "results/modarith/tables/steps_to_generalise.md",
        ],
        pretrain=[
            report(
                "results/modarith/tables/pretrain_summary.csv",
                caption="../report/table.rst",
                category="Modular arithmetic",
                subcategory="Tables",
            ),
            "results/modarith/tables/pretrain_summary.md",
        ],
        pretrain_seeds=multiext("results/modarith/tables/pretrain_seeds", ".csv", ".md"),
    log:
        "logs/modarith/tables.log",
    conda:
        ENV
    params:
        ft_ids=ids(MODARITH_FT["ft_id"]),
        pt_ops=ids(MODARITH_PT_OPS),
        base=MODARITH["base"],
        sweeps=MODARITH["sweeps"],
    script:
        "../scripts/modarith_tables.py"


rule modarith_figure:
    input:
        "results/modarith/finetune.csv",
    output:
        pdf=f"{MODARITH_FIGS}/ft_acc_{{sweep}}.pdf",
        png=report(
            f"{MODARITH_FIGS}/ft_acc_{{sweep}}.png",
            caption="../report/modarith_ft_acc.rst",
            category="Modular arithmetic",
        ),
    log:
        "logs/modarith/figure_{sweep}.log",
    conda:
        ENV
    params:
        ft_ids=ids(MODARITH_FT["ft_id"]),
        base=MODARITH["base"],
        sweeps=get_modarith_sweep,
        families=list(MODARITH["families"]),
        note=modarith_results.scale_note(MODARITH),
    script:
        "../scripts/modarith_figure.py"


rule modarith_steps_figure:
    input:
        "results/modarith/finetune.csv",
    output:
        report(
            multiext(f"{MODARITH_FIGS}/steps_to_generalise", ".pdf", ".png"),
            caption="../report/modarith_steps.rst",
            category="Modular arithmetic",
        ),
    log:
        "logs/modarith/steps_figure.log",
    conda:
        ENV
    params:
        ft_ids=ids(MODARITH_FT["ft_id"]),
        base=MODARITH["base"],
        sweeps=MODARITH["sweeps"],
        generalise_acc=MODARITH["generalise_acc"],
        families=list(MODARITH["families"]),
        note=modarith_results.scale_note(MODARITH),
    script:
        "../scripts/modarith_steps_figure.py"


rule modarith_grokking_figure:
    input:
        "results/modarith/pretrain_evals.csv",
    output:
        report(
            multiext(f"{MODARITH_FIGS}/pt_grokking", ".pdf", ".png"),
            caption="../report/modarith_grokking.rst",
            category="Modular arithmetic",
        ),
    log:
        "logs/modarith/grokking_figure.log",
    conda:
        ENV
    params:
        base=MODARITH["base"],
        pt_train_frac=MODARITH["pt_train_frac"],
        p=MODARITH["p"],
        note=modarith_results.scale_note(MODARITH),
    script:
        "../scripts/modarith_grokking_figure.py"
