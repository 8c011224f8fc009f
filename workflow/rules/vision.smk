# Vision arm (REFERENCE §5): data -> one PT job per (dataset, seed, alpha_rel, c_pt) -> FT batched per PT
# checkpoint -> tidy tables -> figures. Run ids come from ptft.vision.runs; paths are functions of the ids.
from ptft.vision import model as vision_model
from ptft.vision import runs as vision_runs


localrules:
    vision_download,
    vision_collect,
    vision_figure,
    vision_ensd_figure,


VISION = config["vision"]
VISION_PT = vision_runs.pt_table(VISION).set_index("pt_id", drop=False)
VISION_FT = vision_runs.ft_table(VISION)
VISION_JOBS = vision_runs.ft_jobs(VISION)
# What collect and figure jobs read: the section without how jobs compute, so editing `compute` or `resources`
# reruns no table or figure.
VISION_RESULTS = {
    k: v
    for k, v in VISION.items()
    if k not in ("compute", "resources", "download_timeout_s")
}
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
        source=lambda w: VISION["datasets"][w.dataset]["source"],
        root=lambda w: vision_runs.data_root(VISION, w.dataset),
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
        test_per_class=lambda w: VISION["datasets"][w.dataset].get("test_per_class"),
    script:
        "../scripts/vision_prepare.py"


rule vision_pretrain:
    input:
        data="resources/vision/{dataset}/prepared.pt",
    output:
        model="results/vision/pt/{dataset}/{pt_id}/model.pt",
        metrics="results/vision/pt/{dataset}/{pt_id}/metrics.json",
        history="results/vision/pt/{dataset}/{pt_id}/history.jsonl",
    log:
        "logs/vision/pt/{dataset}/{pt_id}.log",
    benchmark:
        "benchmarks/vision/pt/{dataset}/{pt_id}.tsv"
    conda:
        ENV
    threads: VISION["compute"]["threads"]
    resources:
        gpu=VISION_RES["gpu"],
        mem_mb=VISION_RES["mem_mb"],
        runtime=VISION_RES["runtime"],
    params:
        run=lambda w: VISION_PT.loc[w.pt_id].to_dict(),
        pt=VISION["pt"],
        stem=VISION["stem"],
        relative_prefixes=vision_model.relative_prefixes(
            VISION["policies"]["alpha_rel"], VISION["early_layers"]
        ),
        workdir=lambda w: f"results/vision/.work/{w.dataset}/{w.pt_id}/pt",
    script:
        "../scripts/vision_pretrain.py"


rule vision_finetune:
    input:
        data="resources/vision/{dataset}/prepared.pt",
        model="results/vision/pt/{dataset}/{pt_id}/model.pt",
    output:
        runs="results/vision/ft/{dataset}/{pt_id}/job{ft_job}.csv",
        ensd="results/vision/ft/{dataset}/{pt_id}/job{ft_job}_ensd.csv",
    log:
        "logs/vision/ft/{dataset}/{pt_id}_job{ft_job}.log",
    benchmark:
        "benchmarks/vision/ft/{dataset}/{pt_id}_job{ft_job}.tsv"
    wildcard_constraints:
        ft_job="[0-9]+",
    conda:
        ENV
    threads: VISION["compute"]["threads"]
    resources:
        gpu=VISION_RES["gpu"],
        mem_mb=VISION_RES["mem_mb"],
        runtime=VISION_RES["runtime"],
    params:
        runs=lambda w: vision_runs.job_runs(VISION_FT, w.pt_id, w.ft_job),
        seed=lambda w: int(VISION_PT.loc[w.pt_id, "seed"]),
        ft=VISION["ft"],
        stem=VISION["stem"],
        policies=VISION["policies"],
        ensd=VISION["ensd"],
        workdir=lambda w: f"results/vision/.work/{w.dataset}/{w.pt_id}/ft",
    script:
        "../scripts/vision_finetune.py"


rule vision_collect:
    input:
        runs=expand(
            "results/vision/ft/{dataset}/{pt_id}/job{ft_job}.csv",
            zip,
            **VISION_JOBS.to_dict("list"),
        ),
        ensd=expand(
            "results/vision/ft/{dataset}/{pt_id}/job{ft_job}_ensd.csv",
            zip,
            **VISION_JOBS.to_dict("list"),
        ),
        pt=expand(
            "results/vision/pt/{dataset}/{pt_id}/metrics.json",
            zip,
            dataset=VISION_PT["dataset"],
            pt_id=VISION_PT["pt_id"],
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
        section=VISION_RESULTS,
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
        table=multiext("results/vision/tables/ft_acc_{sweep}", ".csv", ".md", ".tex"),
    log:
        "logs/vision/figure_{sweep}.log",
    conda:
        ENV
    params:
        section=VISION_RESULTS,
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
        table=multiext("results/vision/tables/ensd", ".csv", ".md", ".tex"),
    log:
        "logs/vision/ensd_figure.log",
    conda:
        ENV
    params:
        section=VISION_RESULTS,
    script:
        "../scripts/vision_ensd_figure.py"
