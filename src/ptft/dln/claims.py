"""The paper's diagonal-linear-network claims, each with its domain, tested on our DLN tables.

Errors are in units of the FT teacher's energy E[β*²] = 1. Knob comparisons are paired within seed (one seed =
one teacher, one PT state and one FT sample shared by every knob value); agreement claims are equivalence tests,
per (setting, α) cell and pooled over cells (ptft.dln.agreement). Every threshold lives here, once, and is
rendered into the text.
"""

from dataclasses import replace

import numpy as np
import pandas as pd

from ptft.dln import agreement
from ptft.dln.experiments import PANEL_KEYS
from ptft.dln.regimes import RECOVERY_FLOOR, computed_regimes
from ptft.claim import GUARD, PAPER, Claim, NotRun, Outcome, at_value, require
from ptft.stats import FAIL, PASS, paired_difference, paired_effect

# Relative spread over λ of the single-task error that still counts as "independent of λ". With balanced
# initialisation λ drops out by algebra (docs/REFERENCE.md §8), so what remains is the stopping rule's residual (train MSE < 1e-7
# against errors of 0.01–1) and rounding; 1% is far above that and far below what a broken initialisation does
# (λ moves the implicit bias, hence the error, by factors).
LAMBDA_MARGIN = 0.01
# The floor the stopping rule leaves: GD stops at train MSE < tol_train or a relative β change < tol_rel, which
# leaves a small test-error discrepancy near recovery; gaps are measured against (theory + floor). Verdicts are
# tested not to move with this floor 10× smaller or larger on a small real run, every run included
# (tests/dln/test_claims.py). On a run where a verdict would move, the claim's numbers say so: each GD claim
# prints its verdict with the floor 10× smaller and larger beside its own.
GD_FLOOR = 1e-3
# GD vs the minimiser on the same data: relative gap (GD − minimiser) / (cell's minimiser + GD_FLOOR). 5%: a GD run
# stopped at train MSE 1e-7 sits up to ~4e-6 from its limit in test error (~40 × the train MSE near recovery,
# docs/REFERENCE.md §8), about a tenth of 5% of the floor, while the settings Figure 3 compares differ by factors of 2 and more.
ARGMIN_MARGIN = 0.05
# The minimiser at finite D vs the replica limit (D → ∞): relative gap (minimiser / teacher energy − replica) /
# (replica + GD_FLOOR). ±0.10: finite-size bias is part of the gap, and the finite-size table at D = 2000
# (results/dln/tables/finite_size.csv) has a median relative gap of 0.4% and a 90th percentile of 6.4%; 10% holds
# that spread and still fails a replica off by a tenth, well inside the differences between regimes.
REPLICA_MARGIN = 0.10
# λ_pt below which a GD run belongs to the rich stratum, judged on its own: the paper's rich regime IV lives at
# λ slightly above −1 (Figure 3c/f: λ = −0.99999, −0.99), where the first layer starts near 0, GD learns
# incrementally and is slowest (the runs that reach the step cap are there); λ ≥ −0.9 is the lazy-to-intermediate
# side. −0.9 lies between the grids' −0.99 and 0, so every run of the grids falls clearly on one side.
RICH_LAMBDA = -0.9
# Task type -> regimes (computed from ℓ, PD at the task's β scale) expected to have the lowest error on it:
# PT-independent ones where the FT features are new, PT-dependent ones where they are PT's, IV on a sparse subset.
FAVOURED = {"no_overlap": ("I", "III"), "full_overlap": ("II", "IV"), "sparse_subset": ("IV",)}


# --- the claims ---------------------------------------------------------------------------------------------------
def pt_lambda_independent(t: dict) -> Outcome:
    runs = require(t["dln_single_task"], "single-task runs")
    spread = runs.groupby(["seed", "c_pt", "alpha"])["mse"].agg(lambda m: (m.max() - m.min()) / m.mean())
    worst = spread.groupby(level="seed").max()
    e = paired_effect(worst.to_numpy())
    numbers = (f"worst relative spread over λ ∈ {{{', '.join(f'{v:g}' for v in sorted(runs['lambda_pt'].unique()))}}} per seed (max over c_pt, α): "
               f"{e.describe()}; margin {LAMBDA_MARGIN:g}")
    return Outcome.within(e, LAMBDA_MARGIN, numbers, len(runs))


def _gd_vs_minimiser(t: dict, rich: bool) -> Outcome:
    """Every GD run of the stratum, capped ones included with their gap (counted and listed, never dropped); the
    verdicts with the floor 10× smaller and larger are printed beside the claim's own, so that a verdict which
    hinges on the floor says so in the scorecard."""
    out = _gd_gap(t, rich, GD_FLOOR)
    others = {f: _gd_gap(t, rich, f).verdict for f in (GD_FLOOR / 10, GD_FLOOR * 10)}
    moved = any(v != out.verdict for v in others.values())
    note = (f". Floor sensitivity: {'; '.join(f'with the floor at {f:g}: {v}' for f, v in others.items())}"
            + (" — this verdict hinges on the floor" if moved else " — the same verdict"))
    return replace(out, numbers=out.numbers + note)


def _gd_gap(t: dict, rich: bool, floor: float) -> Outcome:
    """The GD-vs-minimiser equivalence of one stratum with the floor `floor`."""
    return agreement.gd_gap(t["dln_simulations"], rich=rich, rich_lambda=RICH_LAMBDA, floor=floor, margin=ARGMIN_MARGIN)


def gd_reaches_minimiser(t: dict) -> Outcome:
    return _gd_vs_minimiser(t, rich=False)


def gd_reaches_minimiser_rich(t: dict) -> Outcome:
    return _gd_vs_minimiser(t, rich=True)


def minimiser_agrees_with_replica(t: dict) -> Outcome:
    """(setting, α) cells where both the minimiser's mean error and the replica are below GD_FLOOR (recovered: a
    relative gap there is rounding) are counted and listed apart, out of the per-cell and the pooled test."""
    points, replica = require(t["dln_minimiser"], "minimiser theory points"), t["dln_finite_size"]
    keys = PANEL_KEYS + ["alpha"]
    theory = replica.drop_duplicates(keys)[keys + ["replica"]].dropna()
    points = points.merge(theory, on=keys, how="inner")
    require(points, "minimiser points with a replica value at the same α")
    error = points["mse_argmin"] / points["teacher_energy"]
    floor = (error.groupby([points[k] for k in keys]).transform("mean") < GD_FLOOR) & (points["replica"] < GD_FLOOR)
    recovered = points[floor].drop_duplicates(keys)
    points, error = require(points[~floor], "minimiser points above the floor"), error[~floor]
    gap = error - points["replica"]
    listing = "; ".join(  # one entry per setting, its recovered α values together
        ", ".join(f"{k}={v:g}" for k, v in zip(PANEL_KEYS, setting))
        + f" at α ∈ {{{', '.join(f'{a:g}' for a in sorted(cell['alpha']))}}}"
        for setting, cell in recovered.groupby(PANEL_KEYS, sort=True))
    what = (f"(minimiser / seed teacher energy − replica) / (replica + {GD_FLOOR:g}) per run at D = "
            f"{', '.join(map(str, sorted(points['dim'].unique())))} (finite-size bias included; "
            "results/dln/tables/finite_size.csv has it per D). "
            f"{len(recovered)} cells where both the minimiser and the replica are below {GD_FLOOR:g} are reported "
            f"apart, out of the test ({listing or 'none'})")
    return agreement.judge(points.assign(_d=gap, _r=gap / (points["replica"] + GD_FLOOR)), REPLICA_MARGIN, what,
                           GD_FLOOR)


def regimes_win(t: dict) -> Outcome:
    """Deterministic (replica quadrature, ~1e-12 accurate): no seeds, the interval is the point."""
    curves = require(t["dln_regime_curves"], "Figure 4 curves with computed regimes")
    margins, parts = [], []
    for task, favoured in FAVOURED.items():
        sub = curves[curves["task_type"] == task]
        if sub.empty:
            continue
        lowest = sub.groupby("alpha")["mse"].min()
        recovered = lowest.index[lowest < RECOVERY_FLOOR]
        until = recovered.min() if len(recovered) else np.inf
        sub = sub[sub["alpha"] < until]
        is_fav = sub["computed"].isin(favoured)
        fav = sub[is_fav].groupby("alpha")["mse"].min()
        other = sub[~is_fav].groupby("alpha")["mse"].min()
        if fav.empty or other.empty:
            raise NotRun(f"{task}: no setting of {'/'.join(favoured)} or none of another regime before recovery")
        log_ratio = np.log10(other / fav).dropna()  # > 0: a favoured regime has the lowest error
        margins.append(log_ratio.min())
        parts.append(f"{task}: computed {'/'.join(favoured)} lowest at {int((log_ratio > 0).sum())}/{len(log_ratio)} "
                     f"α < {until:g} (first recovery, error < {RECOVERY_FLOOR:g}); worst log10(other/favoured) "
                     f"{log_ratio.min():+.3g} at α = {log_ratio.idxmin():g}")
    if not margins:
        raise NotRun("no task type of Figure 4 has α before recovery")
    effect = float(min(margins))
    return Outcome.deterministic(PASS if effect > 0 else FAIL, effect,
                                 "; ".join(parts) + " (replica theory, exact: no seeds)", len(curves))


def _named(rows: pd.DataFrame) -> str:
    """The compared settings with their ℓ, PD and computed regime at the task's β scale."""
    settings = computed_regimes(rows[["c_pt", "lambda_pt", "gamma_ft", "rho_ft"]].drop_duplicates())
    return "; ".join(f"c_pt = {r.c_pt:g}, λ = {r.lambda_pt:g}, γ = {r.gamma_ft:g}: ℓ = {r.ell:.2f}, PD = {r.pd:.2f}, "
                     f"computed {r.computed}" for r in settings.itertuples())


def _theory_points(t: dict, mask) -> pd.DataFrame:
    """Minimiser points at the larger D where they have the compared settings, else the GD runs' argmin."""
    for name in ("dln_minimiser", "dln_simulations"):
        if name in t:
            df = t[name]
            rows = df[mask(df)]
            if not rows.empty:
                return rows.assign(source=name)
    raise NotRun("no minimiser or GD rows with the compared settings")


def small_first_layer_subset(t: dict) -> Outcome:
    def subset(df):
        return np.isclose(df["omega"], 1.0) & np.isclose(df["gamma_ft"], 0.0)

    rows = _theory_points(t, subset)
    rows = at_value(rows, "rho_ft", rows["rho_ft"].min())
    rows = at_value(rows, "c_pt", rows["c_pt"].min())
    small = rows[(rows["lambda_pt"] > -1) & (rows["lambda_pt"] < 0)]
    lam = require(small, "λ in (−1, 0)")["lambda_pt"].min()
    a, b = at_value(rows, "lambda_pt", lam), require(at_value(rows, "lambda_pt", 0.0), "λ = 0")
    e = paired_difference(a, b, "mse_argmin", cells="alpha")
    numbers = (f"[{_named(pd.concat([a, b]))}] "
               f"ρ_ft = {rows['rho_ft'].iloc[0]:g}, ω = 1, γ = 0, c_pt = {rows['c_pt'].iloc[0]:g}, D = "
               f"{int(rows['dim'].iloc[0])} ({rows['source'].iloc[0]}: the Theorem 4.1 minimiser GD reaches): "
               f"error at λ = {lam:g} minus at λ = 0, mean over α ∈ {{{', '.join(f'{a:g}' for a in sorted(rows['alpha'].unique()))}}}: {e.describe()}")
    return Outcome.from_effect(e, -1, numbers, len(a) + len(b))


def larger_scale_hurts(t: dict) -> Outcome:
    def knobs(df):
        return np.isclose(df["lambda_pt"], 0.0) & np.isclose(df["gamma_ft"], 0.0)

    rows = _theory_points(t, knobs)
    reuse = require(at_value(rows, "omega", 1.0), "ω = 1 rows for the larger-scale claim")
    rows = at_value(rows, "rho_ft", reuse["rho_ft"].max())  # the domain's ρ_ft; ω = 0 there is shown beside it
    small, large = rows["c_pt"].min(), rows["c_pt"].max()
    if small == large:
        raise NotRun("a single c_pt in the λ = 0, γ = 0 runs")
    effects = {}
    for omega in sorted(rows["omega"].unique()):
        at = at_value(rows, "omega", omega)
        if at["c_pt"].nunique() < 2:
            continue
        effects[omega] = paired_difference(at_value(at, "c_pt", large), at_value(at, "c_pt", small), "mse_argmin",
                                           cells="alpha")
    if 1.0 not in effects:
        raise NotRun("no ω = 1 rows for the larger-scale claim")
    e = effects[1.0]
    others = "; ".join(f"outside the domain, ω = {o:g}: {x.describe()}" for o, x in effects.items() if o != 1.0)
    numbers = (f"[{_named(rows[rows['c_pt'].isin([small, large])])}] "
               f"ρ_ft = {rows['rho_ft'].iloc[0]:g}, λ = 0, γ = 0, D = {int(rows['dim'].iloc[0])} "
               f"({rows['source'].iloc[0]}): error at c_pt = {large:g} minus at c_pt = {small:g}, mean over α, "
               f"ω = 1: {e.describe()}. {others}")
    return Outcome.from_effect(e, +1, numbers, len(rows))


# The two GD strata are one test on two sets of runs.
GD_TEST = agreement.test_text(f"(GD − minimiser)/(minimiser + {GD_FLOOR:g})", ARGMIN_MARGIN)
GD_KIND = dict(kind=PAPER, unit="relative MSE gap (GD − minimiser)", margin=ARGMIN_MARGIN)

CLAIMS = (
    Claim("dln_pt_lambda_independent", "dln", "Training from scratch (PT), the error does not depend on λ.",
          "single task, balanced initialisation, every c_pt and α of dln.single_task. For balanced initialisation this "
          "holds by algebra even for discrete GD (docs/REFERENCE.md §8): the check can only fail if the initialisation is broken",
          f"equivalence: per-seed worst relative spread (max − min)/mean over λ lies within ±{LAMBDA_MARGIN:g}",
          ("dln_single_task",), pt_lambda_independent, kind=GUARD, unit="relative spread of the error over λ",
          margin=LAMBDA_MARGIN),
    Claim("dln_gd_reaches_theorem_4_1", "dln", "GD fine-tuning converges to the minimiser of Theorem 4.1's penalty.",
          f"every Figure 3 setting with λ_pt ≥ {RICH_LAMBDA:g} (lazy to intermediate) and every α of the GD runs "
          "(dln.dim), on the same data per seed; every run included, those stopped at the step cap with their gap "
          "(flagged and listed)",
          GD_TEST, ("dln_simulations",), gd_reaches_minimiser, **GD_KIND),
    Claim("dln_gd_reaches_theorem_4_1_rich", "dln",
          "In the rich regime (λ slightly above −1) too, GD fine-tuning converges to the minimiser of Theorem 4.1's "
          "penalty.",
          f"every Figure 3 setting with λ_pt < {RICH_LAMBDA:g} (the rich side, where the paper's regime IV lives and "
          "GD is slowest) and every α of the GD runs (dln.dim), on the same data per seed; every run included, "
          "those stopped at the step cap with their gap (flagged and listed)",
          GD_TEST, ("dln_simulations",), gd_reaches_minimiser_rich, **GD_KIND),
    Claim("dln_minimiser_agrees_with_replica", "dln",
          "The Theorem 4.1 minimiser that GD reaches has the replica error of Proposition 4.2 (D → ∞).",
          "the minimiser theory points (dln.minimiser: its panels, D and seeds); finite D, so the finite-size bias is "
          "part of the gap (measured per D in results/dln/tables/finite_size.csv); (setting, α) cells where both "
          f"the minimiser's mean error and the replica are below {GD_FLOOR:g} (recovered) are counted and listed "
          "apart, out of the test",
          agreement.test_text(f"(minimiser/teacher energy − replica)/(replica + {GD_FLOOR:g})", REPLICA_MARGIN),
          ("dln_minimiser", "dln_finite_size"), minimiser_agrees_with_replica, kind=PAPER,
          unit="relative MSE gap (minimiser − replica)", margin=REPLICA_MARGIN),
    Claim("dln_regimes_win_their_tasks", "dln",
          "Each task type is won by the regime it favours (Figure 4): new features (no overlap) by a PT-independent "
          "regime (III at the smallest α, then I), full overlap by a PT-dependent one (II or IV), a sparse subset of "
          "PT features by IV, rich and PT-dependent, until the first setting recovers the teacher.",
          f"replica theory at c_pt = 1e-3, ρ_pt = 0.1; regimes computed from ℓ and PD at the task's β scale; α below "
          f"the first recovery on that task (some setting's error < {RECOVERY_FLOOR:g}), where a ranking of "
          "recovered errors names no winner",
          "worst over task types and α of log10(lowest error of the other regimes / lowest error of the favoured); "
          "> 0 passes. Deterministic: the interval is the point", ("dln_regime_curves",), regimes_win, kind=PAPER,
          unit="log10 error ratio (other / favoured regime)"),
    Claim("dln_small_first_layer_helps_subset", "dln",
          "Smaller first-layer initialisation (λ slightly above −1) helps on a sparse subset of PT features.",
          "ω = 1, the smallest ρ_ft of the grid, γ = 0, c_pt = 1e-3; every α of the grid",
          "paired over seeds: mean over α of error(smallest λ in (−1, 0)) − error(λ = 0); expected < 0",
          ("dln_minimiser",), small_first_layer_subset, kind=PAPER, unit="MSE (FT teacher energy = 1)"),
    Claim("dln_larger_scale_hurts", "dln", "A larger absolute scale c_pt hurts fine-tuning when it reuses PT features.",
          "ω = 1 (the FT teacher inside the PT support), λ = 0, γ = 0, the largest ρ_ft of the grid. Not claimed at "
          "ω = 0: there a larger c helps at small α (replica α = 0.1: 2.14 at c = 1e-6 vs 0.90 at c = 1); the "
          "numbers show it",
          "paired over seeds: mean over α of error(largest c_pt) − error(smallest c_pt); expected > 0",
          ("dln_minimiser",), larger_scale_hurts, kind=PAPER, unit="MSE (FT teacher energy = 1)"),
)
