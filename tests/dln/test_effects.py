"""The DLN effect figure shows what the knob claims decide: per α the claims' within-seed pairing, whose mean over α
is the claim's effect (balanced design, exact)."""

import itertools

import numpy as np
import pandas as pd
import pytest

from ptft.dln import claims
from ptft.dln.effects import all_effects
from ptft.dln.figures import effects_figure

ALPHAS = [0.1, 0.3, 0.5]


def points():
    """Minimiser points: λ ∈ {−0.99, 0} at c = 1e-3, and c ∈ {1e-3, 1} at λ = 0; ω = 1, γ = 0, 4 seeds, with a
    seed effect shared across knob values (only the pairing removes it)."""
    rng = np.random.default_rng(1)
    rows = []
    for (c, lam), seed, alpha in itertools.product([(1e-3, -0.99), (1e-3, 0.0), (1.0, 0.0)], range(4), ALPHAS):
        mse = 0.5 - alpha + 0.1 * seed + (-0.05 if lam < 0 else 0) + (0.08 * alpha if c == 1.0 else 0)
        rows.append({"c_pt": c, "lambda_pt": lam, "gamma_ft": 0.0, "rho_ft": 0.04, "omega": 1.0, "alpha": alpha,
                     "seed": seed, "dim": 200, "mse_argmin": mse + 0.002 * rng.standard_normal(),
                     "run_id": f"{c}-{lam}-{seed}-{alpha}", "panel": "f"})
    return pd.DataFrame(rows)


def test_effects_per_alpha_average_to_the_claims_effects():
    df = points()
    effects = all_effects(df)
    lam = effects[effects["knob"] == "lambda_pt"]
    scale = effects[effects["knob"] == "c_pt"]
    assert len(lam) == len(ALPHAS) and (lam["reference"] == 0.0).all() and (lam["n_seeds"] == 4).all()
    assert len(scale) == len(ALPHAS) and (scale["reference"] == 1e-3).all()
    t = {"dln_minimiser": df}
    assert claims.small_first_layer_subset(t).effect == pytest.approx(lam["effect"].mean())
    assert claims.larger_scale_hurts(t).effect == pytest.approx(scale["effect"].mean())


def test_effects_figure_has_a_panel_per_comparison():
    fig = effects_figure(all_effects(points()))
    assert len(fig.axes) == 2 and "reference" in fig.axes[0].get_title()
