# Vision arm (REFERENCE §5): data -> PT jobs (pt_job: seeds of one PT knob setting) -> FT jobs (ft_job: the runs of
# one seed) -> tidy tables -> one figure per sweep. Design and input functions: common.smk; paths are functions
# of the ids.
from ptft.vision import results as vision_results


localrules:
    vision_download,
    vision_collect,
    vision_figure,
    vision_ensd_figure,


VISION_RES = VISION["resources"]
VISION_FIGS = "results/vision/figures"
if "vision" in config["arms"]:
    TARGETS["vision"] = [
        "results/vision/finetune.csv",
        "results/vision/ensd.csv",
        *expand(f"{VISION_FIGS}/ft_acc_{{sweep}}.pdf", sweep=list(VISION["sweeps"])),
        f"{VISION_FIGS}/ensd.pdf",
    ]


rule vision_download:
    output:
        "resources/vision/{dataset}/source.json",
    log:
        "logs/vision/download_{dataset}.log",
    conda:
        ENV
    params:
        source=get_vision_source,
        root=get_vision_data_root,
        allow_synthetic=VISION["allow_synthetic"],
        timeout_s=VISION["download_timeout_s"],
    script:
        "../scripts/vision_download.py"


rule vision_prepare:
    input:
        "resources/vision/{dataset}/source.json",
    output:
        "resources/vision/{dataset}/prepared.pt",
    log:
        "logs/vision/prepare_{dataset}.log",
    conda:
        ENV
    params:
        synthetic=VISION["synthetic"],
        test_per_class=get_vision_test_per_class,
    script:
        "../scripts/vision_prepare.py"


rule vision_pretrain:
    input:
        data="resources/vision/{dataset}/prepared.pt",
    output:
        model="results/vision/pt/{dataset}/{pt_job}/model.pt",
        runs="results/vision/pt/{dataset}/{pt_job}/runs.csv",
        history="results/vision/pt/{dataset}/{pt_job}/history.jsonl",
    log:
        "logs/vision/pt/{dataset}/{pt_job}.log",
    conda:
        ENV
    threads: VISION["compute"]["threads"]
    resources:
        gpu=VISION_RES["gpu"],
        mem_mb=VISION_RES["mem_mb"],
        runtime=VISION_RES["runtime"],
    params:
        members=get_vision_pt_members,
        settings=get_vision_pt_settings,
        workdir=get_vision_pt_workdir,
    script:
        "../scripts/vision_pretrain.py"


rule vision_finetune:
    input:
        data="resources/vision/{dataset}/prepared.pt",
        models=get_vision_pt_models,
    output:
        runs="results/vision/ft/{dataset}/{ft_job}.csv",
        ensd="results/vision/ft/{dataset}/{ft_job}_ensd.csv",
    log:
        "logs/vision/ft/{dataset}/{ft_job}.log",
    conda:
        ENV
    threads: VISION["compute"]["threads"]
    resources:
        gpu=VISION_RES["gpu"],
        mem_mb=VISION_RES["mem_mb"],
        runtime=VISION_RES["runtime"],
    params:
        members=get_vision_ft_members,
        checkpoints=get_vision_pt_checkpoints,
        settings=get_vision_ft_settings,
        workdir=get_vision_ft_workdir,
    script:
        "../scripts/vision_finetune.py"


rule vision_collect:
    input:
        runs=expand(
            "results/vision/ft/{dataset}/{ft_job}.csv",
            zip,
            dataset=VISION_FT_JOBS["dataset"],
            ft_job=VISION_FT_JOBS["ft_job"],
        ),
        ensd=expand(
            "results/vision/ft/{dataset}/{ft_job}_ensd.csv",
            zip,
            dataset=VISION_FT_JOBS["dataset"],
            ft_job=VISION_FT_JOBS["ft_job"],
        ),
        pt=expand(
            "results/vision/pt/{dataset}/{pt_job}/runs.csv",
            zip,
            dataset=VISION_PT_JOBS["dataset"],
            pt_job=VISION_PT_JOBS["pt_job"],
        ),
    output:
        finetune="results/vision/finetune.csv",
        ensd="results/vision/ensd.csv",
        pretrain="results/vision/pretrain.csv",
        status=multiext("results/vision/tables/status", ".csv", ".md"),
    log:
        "logs/vision/collect.log",
    conda:
        ENV
    params:
        ft_ids=ids(VISION_FT["ft_id"]),
        ensd_keys=ids(VISION_ENSD_KEYS),
        pt_ids=ids(VISION_PT["pt_id"]),
    script:
        "../scripts/vision_collect.py"


rule vision_figure:
    input:
        "results/vision/finetune.csv",
    output:
        pdf=f"{VISION_FIGS}/ft_acc_{{sweep}}.pdf",
        png=report(
            f"{VISION_FIGS}/ft_acc_{{sweep}}.png",
            caption="../report/vision_ft_acc.rst",
            category="Vision",
        ),
        table=[
            report(
                "results/vision/tables/ft_acc_{sweep}.csv",
                caption="../report/table.rst",
                category="Vision",
                subcategory="Tables",
            ),
            "results/vision/tables/ft_acc_{sweep}.md",
            "results/vision/tables/ft_acc_{sweep}.tex",
        ],
    log:
        "logs/vision/figure_{sweep}.log",
    conda:
        ENV
    params:
        ft_ids=ids(VISION_FT["ft_id"]),
        base=VISION["base"],
        sweeps=get_vision_sweep,
        note=vision_results.scale_note(VISION),
    script:
        "../scripts/vision_figure.py"


rule vision_ensd_figure:
    input:
        finetune="results/vision/finetune.csv",
        ensd="results/vision/ensd.csv",
    output:
        pdf=f"{VISION_FIGS}/ensd.pdf",
        png=report(
            f"{VISION_FIGS}/ensd.png",
            caption="../report/vision_ensd.rst",
            category="Vision",
        ),
        table=[
            report(
                "results/vision/tables/ensd.csv",
                caption="../report/table.rst",
                category="Vision",
                subcategory="Tables",
            ),
            "results/vision/tables/ensd.md",
            "results/vision/tables/ensd.tex",
        ],
    log:
        "logs/vision/ensd_figure.log",
    conda:
        ENV
    params:
        ensd_keys=ids(VISION_ENSD_KEYS),
        base=VISION["base"],
        sweeps={VISION["ensd"]["sweep"]: VISION["sweeps"][VISION["ensd"]["sweep"]]},
        layers=VISION["ensd"]["layers"],
        note=vision_results.scale_note(VISION),
    script:
        "../scripts/vision_ensd_figure.py"
