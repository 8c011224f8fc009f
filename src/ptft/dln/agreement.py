"""Agreement between two answers for the same DLN runs (GD and the Theorem 4.1 minimiser; the minimiser and the
replica limit), judged as an equivalence test per (setting, α) cell and pooled over cells.

The margins and the floor are the claims' (ptft.dln.claims, where each is fixed with its reason); they are passed
in, never read here.
"""

import numpy as np
import pandas as pd

from ptft.claim import Outcome, require
from ptft.dln.experiments import PANEL_KEYS
from ptft.stats import FAIL, INCONCLUSIVE, PASS, paired_effect


def cells(df: pd.DataFrame) -> list:
    """The columns that name a (setting, α) cell."""
    return [k for k in PANEL_KEYS + ["alpha"] if k in df]


def judge(frame: pd.DataFrame, margin: float, what: str, floor: float) -> Outcome:
    """Agreement judged at two levels on per-run relative gaps `_r` (and absolute gaps `_d`):

    - per (setting, α) cell, the paired interval over seeds: a cell whose interval lies wholly outside ±margin is a
      detected disagreement (FAIL), however good the rest (a slip confined to a few cells must not hide);
    - pooled, per seed the mean gap over all cells, then its interval over seeds: PASS when it lies inside ±margin
      and no cell failed (a cell with a non-finite gap fails). Otherwise INCONCLUSIVE. The effect reported is the
      pooled gap; the worst cells are listed with their standardised gap |mean gap| / (seed standard error + floor).
    """
    keys = cells(frame)
    rows = []
    for key, cell in frame.groupby(keys):
        e = paired_effect(cell["_r"].to_numpy())
        d = cell["_d"].to_numpy()
        se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
        # A run whose gap is not finite (a diverged run) did not reach its target: its cell fails, never drops out.
        rows.append({**dict(zip(keys, key)), **vars(e), "z": abs(d.mean()) / (se + floor),
                     "outside": e.within(margin) == FAIL or not np.isfinite(cell["_r"]).all()})
    per_cell = pd.DataFrame(rows)
    per_cell["reach"] = np.maximum(per_cell["ci_high"].abs(), per_cell["ci_low"].abs())
    pooled = paired_effect(frame.groupby("seed")["_r"].mean().to_numpy())
    failed = per_cell["outside"]
    verdict = FAIL if failed.any() else PASS if pooled.within(margin) == PASS else INCONCLUSIVE
    # The p-value of the test that decides: a failed cell's (Bonferroni over the cells, the FAIL is "some cell"),
    # else the pooled equivalence test's.
    cell_p = [paired_effect(cell["_r"].to_numpy()).p_within(margin) for _, cell in frame.groupby(keys)]
    p_value = min(1.0, np.nanmin(np.where(failed, cell_p, np.nan)) * len(per_cell)) if failed.any() \
        else pooled.p_within(margin)
    worst = per_cell.sort_values(["outside", "reach"], ascending=False)
    listing = "; ".join(
        ", ".join(f"{k}={getattr(r, k):g}" for k in keys)
        + f": {r.effect:+.3g} [{r.ci_low:+.3g}, {r.ci_high:+.3g}], standardised gap {r.z:.3g}"
        + (" (outside the margin)" if r.outside else "")
        for r in worst.head(5).itertuples())
    numbers = (f"{what}; margin ±{margin:g}. Pooled over {len(per_cell)} cells: {pooled.describe()}. "
               f"Cells whose interval lies wholly outside the margin: {int(failed.sum())}. Widest cells: {listing}")
    return Outcome.of(verdict, pooled, numbers, len(frame), p_value)


def test_text(gap: str, margin: float) -> str:
    """The *Test* text of a claim that `judge` decides, for the relative gap `gap`."""
    return (f"equivalence of {gap}: FAIL if some (setting, α) cell's interval over seeds lies wholly outside "
            f"±{margin:g}; PASS if none does and the interval of the gap pooled over cells lies inside it")


def gd_stratum(runs: pd.DataFrame, rich: bool, rich_lambda: float) -> pd.DataFrame:
    """The GD runs of one stratum (λ_pt < rich_lambda or not) that have a finite-D minimiser, each flagged `capped`
    (stopped at the last step cap: neither converged nor diverged), whatever its step count."""
    runs = runs[(runs["lambda_pt"] < rich_lambda) == rich]
    side = f"λ_pt {'<' if rich else '≥'} {rich_lambda:g}"
    runs = require(runs.dropna(subset=["mse_argmin"]), f"GD runs with {side} and a finite-D argmin")
    runs = runs.reset_index(drop=True)  # one label per run: gaps are listed by label
    return runs.assign(capped=~(runs["converged"].astype(bool) | runs["diverged"].astype(bool)))


def run_list(runs: pd.DataFrame, gap: pd.Series) -> str:
    """One line per run: its setting, α, seed, steps and relative gap."""
    return "; ".join(f"λ={r.lambda_pt:g}/c={r.c_pt:g}/γ={r.gamma_ft:g}/ρ_ft={r.rho_ft:g}/ω={r.omega:g} "
                     f"at α={r.alpha:g}, seed {r.seed}: {int(r.steps)} steps, train MSE {r.train_mse:.2g}, gap {g:+.3g}"
                     for r, g in zip(runs.itertuples(), gap[runs.index]))


def gd_gap(runs: pd.DataFrame, *, rich: bool, rich_lambda: float, floor: float, margin: float) -> Outcome:
    """GD against the minimiser on the same data, one stratum, every run included (capped and diverged runs
    counted and listed with their gap), relative gap (GD − minimiser) / (cell's minimiser + floor)."""
    sims = gd_stratum(runs, rich, rich_lambda)
    scale = sims.groupby(cells(sims))["mse_argmin"].transform("mean") + floor
    gap = sims["mse"] - sims["mse_argmin"]
    capped, diverged = sims[sims["capped"]], sims[sims["diverged"].astype(bool)]
    what = (f"(GD − minimiser) / (minimiser + {floor:g}) per run on the same data, D = "
            f"{', '.join(map(str, sorted(sims['dim'].unique())))}, λ_pt {'<' if rich else '≥'} {rich_lambda:g}: "
            f"all {len(sims)} runs, {len(capped)} of them stopped at the step cap "
            f"(up to {int(sims['steps'].max())} steps; included with their gap: "
            f"{run_list(capped, gap / scale) or 'none'}), {len(diverged)} diverged"
            + (f" ({run_list(diverged, gap / scale)})" if len(diverged) else ""))
    return judge(sims.assign(_d=gap, _r=gap / scale), margin, what, floor)
