"""What the DLN knob claims decide, per α: the error at a knob value minus at its reference, paired within seed.

One seed shares its teachers and data across the knob values (ptft.dln.tasks), so, as the claims of
ptft.dln.claims (small_first_layer_subset: λ in (−1, 0) against λ = 0; larger_scale_hurts: the largest c_pt
against the smallest), each setting of the other knobs and task statistics is compared within seed and α, with a
Student-t interval over seeds. The claims average these over α; the figure shows them one α at a time.
"""

import numpy as np
import pandas as pd

from ptft.dln.experiments import PANEL_KEYS
from ptft.stats import paired_difference

# The comparisons the claims make: (knob, reference: a value, or None for the smallest in each setting, where: the
# other knobs held at these values).
COMPARISONS = {
    "lambda_pt": (0.0, {"gamma_ft": 0.0}),
    "c_pt": (None, {"lambda_pt": 0.0, "gamma_ft": 0.0}),
}
COLUMNS = ["knob", "reference", *PANEL_KEYS, "alpha", "effect", "ci_low", "ci_high", "n_seeds"]


def _held(df: pd.DataFrame, where: dict) -> pd.DataFrame:
    keep = np.ones(len(df), bool)
    for column, value in where.items():
        keep &= np.isclose(df[column], value)
    return df[keep]


def knob_effects(points: pd.DataFrame, knob: str, reference: float | None, where: dict,
                 value: str = "mse_argmin") -> pd.DataFrame:
    """Per setting of the other keys, knob value ≠ reference, and α: the paired difference of `value` (value −
    reference) over seeds. points: minimiser or GD rows (PANEL_KEYS, alpha, seed, value). Columns COLUMNS."""
    others = [k for k in PANEL_KEYS if k != knob]
    out = []
    for key, group in _held(points, where).groupby(others):
        ref = group[knob].min() if reference is None else reference
        base = group[np.isclose(group[knob], ref)]
        if base.empty:
            continue
        for level, moved in group[~np.isclose(group[knob], ref)].groupby(knob):
            for alpha in sorted(set(moved["alpha"]) & set(base["alpha"])):
                e = paired_difference(moved[moved["alpha"] == alpha], base[base["alpha"] == alpha], value,
                                      cells="alpha")
                out.append({"knob": knob, "reference": ref, **dict(zip(others, key)), knob: level, "alpha": alpha,
                            "effect": e.effect, "ci_low": e.ci_low, "ci_high": e.ci_high, "n_seeds": e.n_seeds})
    return pd.DataFrame(out, columns=COLUMNS)


def all_effects(points: pd.DataFrame, value: str = "mse_argmin") -> pd.DataFrame:
    """The claims' comparisons (COMPARISONS), stacked."""
    return pd.concat([knob_effects(points, knob, ref, where, value) for knob, (ref, where) in COMPARISONS.items()],
                     ignore_index=True)
