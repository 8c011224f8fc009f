# Config validation, run tables and small input functions shared by every stage.
from pathlib import Path

import ptft.arms
import ptft.config
import ptft.provenance
from ptft.report import ids
from ptft.deep.runs import members
from ptft.dln import experiments as dln_exp
from ptft.dln.regimes import REGIMES, TASK_TYPES
from ptft.modarith import runs as modarith_runs
from ptft.vision import runs as vision_runs

ROOT = Path(workflow.basedir)

# Fails here, before any job is scheduled, with the key and the expectation named: `snakemake.utils.validate`
# against workflow/schemas/ (filling in the schema's defaults), then each arm's cross-field rules (ptft.arms).
try:
    ptft.arms.validate(config, ROOT)
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


# Diagonal linear networks (dln.smk, replica.smk, report.smk): run tables, replica curves, input functions.
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
# dln.mode, read here only: which Figure 3 points exist (GD runs, minimiser theory points, or both); every rule and
# the scorecard's tables (report.smk) follow from DLN_POINTS.
DLN_POINTS = {
    name: f"results/dln/{name}.csv"
    for name, mode in (("simulations", "gd"), ("minimiser", "minimiser"))
    if DLN["mode"] in (mode, "both")
}
# Memory per DLN training job (MiB): `ptft plan` estimates under 0.2 GB at the paper's D = 5000 (the design matrix
# and the batched states in float64); the rest is the interpreter with NumPy and torch.
DLN_MEM_MB = 2000
REPLICA_SOLVER = {"method": REPLICA["method"]} | (
    {"n_samples": REPLICA["mc_samples"]} if REPLICA["method"] == "mc" else {}
)


def get_dln_gd_runs(wildcards):
    """The GD runs of one task (a dln_gd job), as records."""
    return DLN_RUNS[DLN_RUNS["task"] == wildcards.task].to_dict("records")


def get_dln_gd_cache(wildcards):
    """The folder where a dln_gd job caches its finished batches (and resumes from)."""
    return f"results/dln/gd/.partial/{wildcards.task}"


def get_dln_minimiser_runs(wildcards):
    """The minimiser points of one seed (a dln_minimiser job), as records."""
    return DLN_MINIMISER[DLN_MINIMISER["seed"] == int(wildcards.seed)].to_dict(
        "records"
    )


def get_dln_single_task_runs(wildcards):
    """The single-task runs of one seed (a dln_single_task job), as records."""
    return DLN_SINGLE[DLN_SINGLE["seed"] == int(wildcards.seed)].to_dict("records")


def get_replica_settings(wildcards):
    """The replica curves of one group (a replica_curves job), as records."""
    return REPLICA_SETTINGS[REPLICA_SETTINGS["group"] == wildcards.group].to_dict(
        "records"
    )


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


def get_vision_source(wildcards):
    """Where a dataset's images come from (vision.datasets.<name>.source)."""
    return VISION["datasets"][wildcards.dataset]["source"]


def get_vision_data_root(wildcards):
    """The folder a dataset's archives are read from (or downloaded to)."""
    return vision_runs.data_root(VISION, wildcards.dataset)


def get_vision_test_per_class(wildcards):
    """Images per class held out as the test split (MNIST-5k, which ships none), else None."""
    return VISION["datasets"][wildcards.dataset].get("test_per_class")


def get_vision_pt_workdir(wildcards):
    """A vision PT run's checkpoint folder (resumed from after an interruption)."""
    return f"results/vision/.work/{wildcards.dataset}/{wildcards.pt_id}/pt"


def get_vision_ft_seed(wildcards):
    """The seed of the PT checkpoint a vision FT job starts from."""
    return int(VISION_PT.loc[get_vision_pt_id(wildcards), "seed"])


def get_vision_ft_workdir(wildcards):
    """A vision FT job's checkpoint folder, beside its PT checkpoint's."""
    return f"results/vision/.work/{wildcards.dataset}/{get_vision_pt_id(wildcards)}/ft"


def get_vision_sweep(wildcards):
    """The one sweep a vision figure draws, as {name: grid}."""
    return {wildcards.sweep: VISION["sweeps"][wildcards.sweep]}


def get_vision_pt_model(wildcards):
    return (
        f"results/vision/pt/{wildcards.dataset}/{get_vision_pt_id(wildcards)}/model.pt"
    )


def get_modarith_pt_members(wildcards):
    """The members of a modarith PT job (one ensemble), in the order they run."""
    return members(MODARITH_PT, "pt_job", wildcards.pt_job, "pt_id")


def get_modarith_ft_members(wildcards):
    """The members of a modarith FT job (one ensemble), in the order they run."""
    return members(MODARITH_FT, "ft_job", wildcards.ft_job, "ft_id")


# What each job reads (modarith_runs.settings): editing an FT setting reruns no PT job, editing one PT task's schedule
# only that task's PT jobs and their FT jobs, and editing one family's FT schedule only that family's FT jobs.
MODARITH_PT_TASK = dict(zip(MODARITH_PT["pt_job"], MODARITH_PT["pt_task"]))
MODARITH_FT_FAMILY = dict(zip(MODARITH_FT["ft_job"], MODARITH_FT["family"]))


def get_modarith_pt_settings(wildcards):
    """The settings a modarith PT job reads: its PT task's schedule."""
    return modarith_runs.settings(
        MODARITH, "pt", pt_task=MODARITH_PT_TASK[wildcards.pt_job]
    )


def get_modarith_ft_settings(wildcards):
    """The settings a modarith FT job reads: its family's FT schedule."""
    return modarith_runs.settings(
        MODARITH, "ft", family=MODARITH_FT_FAMILY[wildcards.ft_job]
    )


def get_modarith_pt_workdir(wildcards):
    """A modarith PT job's checkpoint folder, keyed by its settings and members (never a stale resume)."""
    return modarith_runs.workdir(
        "pt",
        wildcards.pt_job,
        get_modarith_pt_settings(wildcards),
        get_modarith_pt_members(wildcards),
    )


def get_modarith_ft_workdir(wildcards):
    """A modarith FT job's checkpoint folder, keyed by its settings and members (never a stale resume)."""
    return modarith_runs.workdir(
        "ft",
        wildcards.ft_job,
        get_modarith_ft_settings(wildcards),
        get_modarith_ft_members(wildcards),
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
