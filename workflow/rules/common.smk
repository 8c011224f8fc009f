# Config validation, run tables and small input functions shared by every stage.
from pathlib import Path

import ptft.config
import ptft.provenance
from ptft.deep.runs import members
from ptft.modarith import runs as modarith_runs
from ptft.vision import runs as vision_runs

ROOT = Path(workflow.basedir)

# Fails here, before any job is scheduled, with the key and the expectation named: `snakemake.utils.validate`
# against workflow/schemas/ (filling in the schema's defaults), then each arm's cross-field rules (ptft.config).
try:
    ptft.config.validate(config, ROOT / "workflow/schemas/config.schema.yaml")
except ptft.config.ConfigError as err:
    raise WorkflowError(str(err)) from None

ENV = "../../environment.yml"


# Every wildcard of every rule: names are run-table ids or grid keys, never paths.
wildcard_constraints:
    task=r"rho_ft=[0-9.e+-]+_omega=[0-9.e+-]+_seed=[0-9]+",
    seed=r"[0-9]+",
    group=r"[a-z0-9_]+",
    dataset=r"[a-z0-9_]+",
    sweep=r"[a-z_]+",
    ext=r"pdf|png",
    pt_id=r"[0-9a-f]+",
    pt_job=r"[^/]+",
    ft_job=r"[0-9a-f]+(-[0-9]+)?",


# Run tables of the deep arms (ptft.deep.runs): one row per PT run (pt_id) and per FT run (ft_id), each naming the
# job that runs it (vision: one PT run per job, FT jobs `ft_job`; modarith: ensembles `pt_job`, `ft_job`).
VISION = config["vision"]
VISION_PT = vision_runs.pt_table(VISION).set_index("pt_id", drop=False)
VISION_FT = vision_runs.ft_table(VISION)
VISION_JOBS = vision_runs.ft_jobs(VISION).set_index("ft_job", drop=False)
# The rows of the ENSD tables: every FT run at every compared layer.
VISION_ENSD_KEYS = [
    (ft_id, layer) for ft_id in VISION_FT["ft_id"] for layer in VISION["ensd"]["layers"]
]
MODARITH = config["modarith"]
MODARITH_PT, MODARITH_FT = modarith_runs.tables(MODARITH)
MODARITH_PT_OPS = modarith_runs.pt_ops(MODARITH_PT)


def get_vision_pt_run(wildcards):
    """The PT run of a vision_pretrain job, as a plain dict."""
    return VISION_PT.loc[wildcards.pt_id].to_dict()


def get_vision_ft_runs(wildcards):
    """The FT runs of a vision_finetune job, in the order they run."""
    return members(VISION_FT, "ft_job", wildcards.ft_job, ["n", "c_pt", "gamma_ft"])


def get_vision_pt_id(wildcards):
    """The PT checkpoint a vision FT job starts from."""
    return VISION_JOBS.loc[wildcards.ft_job, "pt_id"]


def get_vision_pt_model(wildcards):
    return (
        f"results/vision/pt/{wildcards.dataset}/{get_vision_pt_id(wildcards)}/model.pt"
    )


def get_modarith_members(phase):
    """Input function: the members of a modarith PT or FT job (phase "pt" or "ft")."""
    table, order = (MODARITH_PT, "pt_id") if phase == "pt" else (MODARITH_FT, "ft_id")
    return lambda wildcards: members(
        table, f"{phase}_job", wildcards[f"{phase}_job"], order
    )


def get_modarith_settings(phase):
    """Input function: the settings a modarith PT or FT job reads (modarith_runs.settings), so editing an FT setting
    reruns no PT job, editing one PT task's schedule only that task's PT jobs and their FT jobs, and editing one
    family's FT schedule only that family's FT jobs.
    """
    if phase == "ft":
        family_of = dict(zip(MODARITH_FT["ft_job"], MODARITH_FT["family"]))
        return lambda wildcards: modarith_runs.settings(
            MODARITH, phase, family=family_of[wildcards.ft_job]
        )
    task_of = dict(zip(MODARITH_PT["pt_job"], MODARITH_PT["pt_task"]))
    return lambda wildcards: modarith_runs.settings(
        MODARITH, phase, pt_task=task_of[wildcards.pt_job]
    )


def get_modarith_workdir(phase):
    """Input function: a modarith job's checkpoint folder, keyed by its settings and members (never a stale resume)."""
    job_members = get_modarith_members(phase)
    job_settings = get_modarith_settings(phase)
    return lambda wildcards: modarith_runs.workdir(
        phase,
        wildcards[f"{phase}_job"],
        job_settings(wildcards),
        job_members(wildcards),
    )


def get_modarith_pt_models(wildcards):
    return modarith_runs.pt_models(MODARITH_FT, wildcards.ft_job)


# Each stage registers its final outputs here under its arm's name; `rule all` builds the enabled arms.
TARGETS = {}


def all_targets():
    # "report" (scorecard, provenance index; workflow/rules/report.smk) is built whatever the arms.
    return [
        path for arm in [*config["arms"], "report"] for path in TARGETS.get(arm, [])
    ]


onsuccess:
    ptft.provenance.warn_if_synthetic(all_targets())
