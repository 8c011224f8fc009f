# Config validation, run tables and small input functions shared by every stage.
from pathlib import Path

import ptft.arms
import ptft.config
import ptft.provenance
from ptft.report import ids
from ptft.dln import experiments as dln_exp
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
    part=r"part[0-9]+",
    dataset=r"[a-z0-9_]+",
    sweep=r"[a-z_]+",
    ext=r"pdf|png",
    pt_id=r"[0-9a-f]+",
    pt_job=r"[^/]+",
    ft_job=r"[0-9a-f]+|[a-z0-9_]+-seed[0-9]+-[0-9]+",


# Diagonal linear networks (dln.smk, replica.smk, report.smk): run tables, replica curves, input functions.
DLN = config["dln"]
DLN_RUNS = dln_exp.gd_run_table(DLN)
DLN_SINGLE = dln_exp.single_task_table(DLN)
DLN_MINIMISER = dln_exp.minimiser_run_table(DLN)
# Replica curves (replica.smk): one per (group, setting), each at every α; every reader of replica.csv checks it
# holds exactly these rows (REPLICA_KEYS), the single-task curves one per (c_pt, α).
REPLICA = DLN["replica"]
REPLICA_SETTINGS = dln_exp.replica_table(DLN)
# Each distinct curve once, in replica_curves jobs (`part`).
REPLICA_PARTS = dln_exp.replica_parts(REPLICA_SETTINGS)
REPLICA_ALPHA = dln_exp.replica_alpha(DLN)
REPLICA_KEYS = dln_exp.curve_keys(REPLICA_SETTINGS, REPLICA_ALPHA, dln_exp.REPLICA_KEY)
SINGLE_ALPHA = sorted(set(REPLICA_ALPHA) | set(DLN["single_task"]["alpha"]))
# GD on CUDA (float64) asks the scheduler for a GPU; the minimiser and the theory stay on CPUs. The GD script reads
# `compute` from the config, not from params: like the deep arms' (ptft.deep.device), editing it reruns nothing.
DLN_COMPUTE = DLN["compute"]
# GD jobs (dln.compute.job): one per seed, its tasks one after another, or one per task.
DLN_RUNS["gd_job"] = dln_exp.gd_jobs(DLN_RUNS, DLN_COMPUTE["job"])
DLN_GD_JOBS = sorted(set(DLN_RUNS["gd_job"]))
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
    """The GD runs of one dln_gd job (its tasks one after another), as records."""
    return DLN_RUNS[DLN_RUNS["gd_job"] == wildcards.gd_job].to_dict("records")


def get_dln_minimiser_runs(wildcards):
    """The minimiser points of one seed (a dln_minimiser job), as records."""
    return DLN_MINIMISER[DLN_MINIMISER["seed"] == int(wildcards.seed)].to_dict(
        "records"
    )


def get_dln_single_task_runs(wildcards):
    """The single-task runs of one seed (a dln_single_task job), as records."""
    return DLN_SINGLE[DLN_SINGLE["seed"] == int(wildcards.seed)].to_dict("records")


def get_replica_curves(wildcards):
    """The distinct replica curves of one replica_curves job, as records (their CURVE_KEYS)."""
    part = REPLICA_PARTS[REPLICA_PARTS["part"] == wildcards.part]
    return part.drop(columns="part").to_dict("records")


# The deep arms' experiment designs (ptft.deep.design): one row per PT run (pt_id, pt_job) and per FT run (ft_id,
# pt_id, ft_job); both arms' rules read the same-named input functions below, shaped alike.
VISION = config["vision"]
VISION_DESIGN = vision_runs.DESIGN
VISION_PT = VISION_DESIGN.pt_table(VISION)
VISION_FT = VISION_DESIGN.ft_table(VISION)
VISION_PT_JOBS = vision_runs.pt_jobs(VISION_PT)
VISION_FT_JOBS = vision_runs.ft_jobs(VISION_FT)
# The rows of the ENSD tables: every FT run at every compared layer.
VISION_ENSD_KEYS = [
    (ft_id, layer) for ft_id in VISION_FT["ft_id"] for layer in VISION["ensd"]["layers"]
]
MODARITH = config["modarith"]
MODARITH_DESIGN = modarith_runs.DESIGN
MODARITH_PT = MODARITH_DESIGN.pt_table(MODARITH)
MODARITH_FT = MODARITH_DESIGN.ft_table(MODARITH)
MODARITH_PT_OPS = modarith_runs.pt_ops(MODARITH_PT)


def get_vision_pt_members(wildcards):
    """The PT runs of a vision PT job (seeds of one PT knob setting), in the order they run, as plain dicts."""
    return VISION_DESIGN.members(VISION_PT, "pt", wildcards.pt_job)


def get_vision_ft_members(wildcards):
    """The FT runs of a vision FT job (of one seed), in the order they run: checkpoint by checkpoint."""
    return VISION_DESIGN.members(VISION_FT, "ft", wildcards.ft_job)


def get_vision_pt_settings(wildcards):
    """What a vision PT job reads of the config besides its runs (ptft.vision.runs.settings)."""
    return VISION_DESIGN.settings(VISION, "pt", wildcards.pt_job)


def get_vision_ft_settings(wildcards):
    """What a vision FT job reads of the config besides its runs (ptft.vision.runs.settings)."""
    return VISION_DESIGN.settings(VISION, "ft", wildcards.ft_job)


def get_vision_pt_workdir(wildcards):
    """A vision PT job's checkpoint folder, keyed by its settings and runs (never a stale resume)."""
    job, settings = wildcards.pt_job, get_vision_pt_settings(wildcards)
    return VISION_DESIGN.workdir("pt", job, settings, get_vision_pt_members(wildcards))


def get_vision_ft_workdir(wildcards):
    """A vision FT job's checkpoint folder, keyed by its settings and runs (never a stale resume)."""
    job, settings = wildcards.ft_job, get_vision_ft_settings(wildcards)
    return VISION_DESIGN.workdir("ft", job, settings, get_vision_ft_members(wildcards))


def _vision_ft_job(wildcards):
    """The row of a vision FT job in VISION_FT_JOBS: its checkpoints (pt_ids) and the PT jobs that made them."""
    (row,) = VISION_FT_JOBS[VISION_FT_JOBS["ft_job"] == wildcards.ft_job].itertuples()
    return row


def get_vision_pt_checkpoints(wildcards):
    """The pt_ids of the PT checkpoints a vision FT job starts its runs from, in the order of its models."""
    return list(_vision_ft_job(wildcards).pt_ids)


def get_vision_pt_models(wildcards):
    """The model file of each PT checkpoint a vision FT job starts its runs from (that of the PT job that made it),
    in the order of get_vision_pt_checkpoints."""
    return [
        f"results/vision/pt/{wildcards.dataset}/{job}/model.pt"
        for job in _vision_ft_job(wildcards).pt_jobs
    ]


def get_vision_source(wildcards):
    """Where a dataset's images come from (vision.datasets.<name>.source)."""
    return VISION["datasets"][wildcards.dataset]["source"]


def get_vision_data_root(wildcards):
    """The folder a dataset's archives are read from (or downloaded to)."""
    return vision_runs.data_root(VISION, wildcards.dataset)


def get_vision_test_per_class(wildcards):
    """Images per class held out as the test split (MNIST-5k, which ships none), else None."""
    return VISION["datasets"][wildcards.dataset].get("test_per_class")


def get_vision_sweep(wildcards):
    """The one sweep a vision figure draws, as {name: grid}."""
    return {wildcards.sweep: VISION["sweeps"][wildcards.sweep]}


def get_modarith_pt_members(wildcards):
    """The members of a modarith PT job (one ensemble), in the order they run."""
    return MODARITH_DESIGN.members(MODARITH_PT, "pt", wildcards.pt_job)


def get_modarith_ft_members(wildcards):
    """The members of a modarith FT job (one ensemble), in the order they run."""
    return MODARITH_DESIGN.members(MODARITH_FT, "ft", wildcards.ft_job)


# What each job reads (ptft.modarith.runs.settings): editing an FT setting reruns no PT job, editing one PT task's
# schedule only that task's PT jobs and their FT jobs, and editing one family's FT schedule only that family's FT jobs.
def get_modarith_pt_settings(wildcards):
    """What a modarith PT job reads of the config besides its members: its PT task's schedule."""
    return MODARITH_DESIGN.settings(MODARITH, "pt", wildcards.pt_job)


def get_modarith_ft_settings(wildcards):
    """What a modarith FT job reads of the config besides its members: its family's FT schedule."""
    return MODARITH_DESIGN.settings(MODARITH, "ft", wildcards.ft_job)


def get_modarith_pt_workdir(wildcards):
    """A modarith PT job's checkpoint folder, keyed by its settings and members (never a stale resume)."""
    job, settings = wildcards.pt_job, get_modarith_pt_settings(wildcards)
    return MODARITH_DESIGN.workdir(
        "pt", job, settings, get_modarith_pt_members(wildcards)
    )


def get_modarith_ft_workdir(wildcards):
    """A modarith FT job's checkpoint folder, keyed by its settings and members (never a stale resume)."""
    job, settings = wildcards.ft_job, get_modarith_ft_settings(wildcards)
    return MODARITH_DESIGN.workdir(
        "ft", job, settings, get_modarith_ft_members(wildcards)
    )


def get_modarith_pt_models(wildcards):
    """The PT ensembles a modarith FT job starts from (one per PT knob setting of its members)."""
    return modarith_runs.pt_models(MODARITH_FT, wildcards.ft_job)


def get_modarith_sweep(wildcards):
    """The one sweep a modarith figure draws, as {name: grid}."""
    return {wildcards.sweep: MODARITH["sweeps"][wildcards.sweep]}


# Each stage registers its final outputs here under its arm's name; `rule all` builds the enabled arms.
TARGETS = {}


def all_targets():
    # "report" (scorecard, provenance index; workflow/rules/report.smk) is built whatever the arms.
    return [
        path for arm in [*config["arms"], "report"] for path in TARGETS.get(arm, [])
    ]


onsuccess:
    ptft.provenance.warn_if_synthetic(all_targets())
