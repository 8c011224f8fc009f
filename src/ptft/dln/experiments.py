"""DLN run tables: the config's panels, single-task check and replica curves expanded into tidy tables.

Pure functions of the `dln` config section. Runs shared by several panels appear once; a task (the data
of one seed, FT sparsity and overlap) is the unit of a job, because its runs share their design matrices.
"""

import numpy as np
import pandas as pd

from ptft import grid
from ptft.dln.regimes import REGIMES, TASK_TYPES
from ptft.dln.theory import sqrt_k_ft

KNOBS = ["c_pt", "lambda_pt", "gamma_ft"]
TASK = ["rho_ft", "omega", "seed"]
PANEL_KEYS = KNOBS + ["rho_ft", "omega"]
# What a replica curve is a function of (besides α): one solve per distinct value, whichever groups show it.
CURVE_KEYS = PANEL_KEYS + ["rho_pt", "a_pt"]
# replica_curves jobs the distinct curves are dealt into [ours]: a job's start-up (≈ 2 s) stays small beside its
# curves (≈ 1.5 s each at 50 α by quadrature), and 2 cores share 4 jobs.
REPLICA_JOBS = 4
# A row of the replica tables: its curve (group and setting) and α; Figure 4's curves are named by regime and task.
REPLICA_KEY = ["group", *PANEL_KEYS, "alpha"]
REGIME_CURVE_KEY = ["regime", "task_type", "alpha"]


def task_id(rho_ft: float, omega: float, seed: int) -> str:
    """Readable, deterministic folder name of a task."""
    return f"rho_ft={rho_ft:g}_omega={omega:g}_seed={int(seed)}"


def panel_table(cfg: dict) -> pd.DataFrame:
    """One row per (panel, setting, task type): which curves each Figure 3 panel shows."""
    rows = [grid.expand({k: p[k] for k in PANEL_KEYS}, panel=name, hue=p["hue"], style=p["style"])
            for name, p in cfg["panels"].items()]
    return pd.concat(rows, ignore_index=True)


def is_rich(lambda_pt, gamma_ft, gd: dict):
    """λ ≈ −1 with γ ≈ 0: the rich runs that need the smaller step and the tighter tolerance (REFERENCE §4).

    `gd` is the validated `dln.gd` section (the schema's defaults fill the thresholds when a config omits them).
    """
    return (lambda_pt < gd["rich_lambda_below"]) & (gamma_ft < gd["rich_gamma_below"])


# The keys of the config's `gd` block that a GD job reads (ptft.dln.gd.GDOptions; tests/dln/test_batch.py holds the
# two to each other): named here so that the workflow's parse needs no torch.
GD_OPTION_KEYS = ("lr", "max_steps", "tol_train", "tol_rel", "check_every", "diverge_factor", "num_threads")


def gd_settings(gd: dict, *, extended: bool) -> dict:
    """What a GD job reads of the config's `gd` block (its rule's params): the GDOptions keys and, where runs still
    descending are continued (`extended`: the Figure 3 runs), max_steps_extended. The rich-run and step-cap keys act
    on the run table instead (each run's `lr` and `tol_train`)."""
    keys = set(GD_OPTION_KEYS) | ({"max_steps_extended"} if extended else set())
    return {k: v for k, v in gd.items() if k in keys}


def single_task_gd_settings(cfg: dict) -> dict:
    """What a single-task (Exp 4) job reads of the config's `gd` block: as gd_settings without the continuation, its
    step budget from `single_task.max_steps` (the λ-independence it checks holds at any step)."""
    return {**gd_settings(cfg["gd"], extended=False), "max_steps": cfg["single_task"]["max_steps"]}


def stable_lr(lr, *, n, dim, c_pt, lambda_pt, gamma_ft, rho_ft, a_pt, stable_step: float):
    """Cap the step where GD would leave gradient flow: small N with a large readout or large weights.

    One pathway moves as Δβ = −lr·(w² + v²)·XᵀX(β − β*)/N, which is stable for lr·(w² + v²)·λ_max/N < 2.
    λ_max(XᵀX) ≈ (1 + √(N/D))² for x ~ N(0, I/D) (Marchenko–Pastur edge); (w² + v²) starts at c_FT,d ≤
    √k_d/2 at β_PT = a_pt and grows to ≈ √(c_FT² + β²) with |β| up to ~3 teacher s.d. (1/√ρ_ft). [ours]
    `stable_step` is the allowed lr·(w² + v²)·λ_max/N (2 = the stability edge); 0 or None disables the cap.
    """
    if not stable_step:
        return lr
    c_ft = sqrt_k_ft(a_pt, c_pt, lambda_pt, gamma_ft) / 2
    weight = np.sqrt(c_ft**2 + 9.0 / rho_ft)
    edge = (1 + np.sqrt(n / dim)) ** 2
    return np.minimum(lr, stable_step * n / (edge * weight))


def supported(settings: pd.DataFrame, dim: int, min_support: int) -> pd.DataFrame:
    """The settings whose FT teacher has at least `min_support` nonzero coordinates at this D (round(ρ_ft·D)).

    Sparser teachers at this D are left to the minimiser points at their larger D: with a handful of nonzero
    coordinates the finite-size effects dominate what the panel is meant to show.
    """
    return settings[(settings["rho_ft"] * dim).round() >= min_support]


def _runs(settings: pd.DataFrame, *, seeds, alpha, dim: int, cfg: dict) -> pd.DataFrame:
    """settings × seeds × α at dimension `dim`, with the teacher's columns and the task (job) of each run."""
    runs = settings.merge(pd.DataFrame({"seed": seeds}), how="cross").merge(pd.DataFrame({"alpha": alpha}), how="cross")
    runs = runs.assign(rho_pt=cfg["rho_pt"], dim=dim, a_pt=cfg["a_pt"])
    runs["task"] = [task_id(*row) for row in runs[TASK].itertuples(index=False)]
    return runs


def _with_ids(runs: pd.DataFrame, extra=()) -> pd.DataFrame:
    ids = KNOBS + TASK + ["alpha", "rho_pt", "dim", "a_pt", *extra]
    return grid.with_ids(runs, ids).sort_values(["task", "alpha", *KNOBS], ignore_index=True)


def gd_run_table(cfg: dict) -> pd.DataFrame:
    """Every GD fine-tuning run: union of the panels' settings × seeds × α, with lr and tolerance per run; settings
    whose FT support at dln.dim is below dln.min_support are not run by GD (the minimiser points carry them)."""
    settings = supported(panel_table(cfg)[PANEL_KEYS].drop_duplicates(), cfg["dim"], cfg["min_support"])
    if cfg.get("mode", "both") == "minimiser":
        settings = settings.iloc[0:0]  # theory points only: no GD run
    runs = _runs(settings, seeds=cfg["seeds"], alpha=cfg["alpha"], dim=cfg["dim"], cfg=cfg)
    rich = is_rich(runs["lambda_pt"], runs["gamma_ft"], cfg["gd"])
    runs = runs.assign(
        pt=cfg["pt"],
        lr=rich.map({True: cfg["gd"]["lr_rich"], False: cfg["gd"]["lr"]}),
        tol_train=rich.map({True: cfg["gd"]["tol_train_rich"], False: cfg["gd"]["tol_train"]}),
    )
    cap = dict(n=(runs["alpha"] * cfg["dim"]).round(), dim=cfg["dim"], c_pt=runs["c_pt"], lambda_pt=runs["lambda_pt"],
               gamma_ft=runs["gamma_ft"], rho_ft=runs["rho_ft"], a_pt=cfg["a_pt"], stable_step=cfg["gd"]["stable_step"])
    runs["lr"] = stable_lr(runs["lr"], **cap)
    # The step of the continuation (runs still descending at max_steps), under the same cap; null: the run's own lr.
    extended = cfg["gd"].get("lr_extended")
    runs["lr_extended"] = runs["lr"] if extended is None else stable_lr(np.full(len(runs), float(extended)), **cap)
    return _with_ids(runs, ["pt"])


def gd_jobs(runs: pd.DataFrame, job: str) -> pd.Series:
    """The Snakemake job of each GD run (`dln.compute.job`): `seed` = every task of its seed, one after another;
    `task` = its task alone (the config schema allows these two). It keys no run."""
    return runs["seed"].map("seed={}".format) if job == "seed" else runs["task"]


def minimiser_run_table(cfg: dict) -> pd.DataFrame:
    """Theory points without GD (`dln.minimiser`): the listed panels' settings × its seeds × α at its larger D.

    One row per run; the Theorem 4.1 minimiser is ~100× cheaper than GD, so these points carry the seeds and the
    dimension that the sparsest FT teachers need (≥ 20 nonzero coordinates), while GD runs at `dln.dim`.
    """
    m = cfg["minimiser"]
    panels = panel_table(cfg)
    panel_names = [] if cfg.get("mode", "both") == "gd" else m["panels"]
    settings = supported(panels[panels["panel"].isin(panel_names)][PANEL_KEYS].drop_duplicates(), m["dim"],
                         cfg["min_support"])
    return _with_ids(_runs(settings, seeds=m["seeds"], alpha=m.get("alpha") or cfg["alpha"], dim=m["dim"], cfg=cfg))


def single_task_table(cfg: dict) -> pd.DataFrame:
    """Exp 4: pretraining alone from each (c, λ) on one sparse task per seed; the error should not depend on λ."""
    s = cfg["single_task"]
    runs = grid.expand({"c_pt": s["c_pt"], "lambda_pt": s["lambda_pt"], "seed": cfg["seeds"], "alpha": s["alpha"]},
                       rho=s["rho"], dim=cfg["dim"])
    rich = is_rich(runs["lambda_pt"], 1.0, cfg["gd"])
    runs["lr"] = rich.map({True: cfg["gd"]["lr_rich"], False: cfg["gd"]["lr"]})
    return grid.with_ids(runs, ["c_pt", "lambda_pt", "seed", "alpha", "rho", "dim"])


def replica_alpha(cfg: dict) -> list:
    """The fine α grid of the curves plus the GD and minimiser α values, so points and theory share their α."""
    points = set(map(float, cfg["alpha"])) | set(map(float, cfg["minimiser"].get("alpha") or []))
    return sorted(set(grid.linspace(cfg["replica"]["alpha"])) | points)


def curve_keys(settings: pd.DataFrame, alpha, key) -> list[tuple]:
    """The rows a table of curves must hold: the tuples of `key` (its columns but the last, α) for every row of
    `settings` and every α, e.g. REPLICA_KEY over replica_table × replica_alpha."""
    return [(*row, float(a)) for row in settings[key[:-1]].itertuples(index=False, name=None) for a in alpha]


def replica_table(cfg: dict) -> pd.DataFrame:
    """Replica curves to show: one row per (group, setting, task type); `group` is a Figure 3 panel or fig4 (the
    four regimes of ptft.dln.regimes at c_pt = replica.figure4_c_pt, on each task type)."""
    panels = panel_table(cfg).drop(columns=["hue", "style"]).rename(columns={"panel": "group"})
    c_pt = cfg["replica"].get("figure4_c_pt")
    fig4 = pd.DataFrame([{**r, "c_pt": r["c_pt"] if c_pt is None else c_pt, **t, "regime": rn, "task_type": tn,
                          "group": "fig4"} for rn, r in REGIMES.items() for tn, t in TASK_TYPES.items()])
    table = pd.concat([panels, fig4], ignore_index=True).assign(rho_pt=cfg["rho_pt"], a_pt=cfg["a_pt"])
    return table


def replica_parts(table: pd.DataFrame, jobs: int = REPLICA_JOBS) -> pd.DataFrame:
    """Each distinct curve of a replica table once (CURVE_KEYS: a setting shared by Figure 3 panels and Figure 4 is
    solved once), with `part`, the replica_curves job that solves it (dealt round robin)."""
    curves = table[CURVE_KEYS].drop_duplicates(ignore_index=True)
    return curves.assign(part=[f"part{i % jobs}" for i in range(len(curves))])
