"""What the deep arms' claims decide, per data size: paired differences within seed with Student-t intervals.

The knob claims (ptft.deep.claims.knob_check) compare a knob moved off its reference with the knob at it, per seed
and per cell (data size, panel), then average over the cells; the figures show the same pairing one size at a time,
one line per moved value: effect = mean over seeds of (metric at the value − metric at the reference), matched on
(seed, size, panel). The probe control (FT beats the linear probe) pairs each run with its own probe.
"""

import pandas as pd

from ptft.deep.runs import Axes
from ptft.stats import paired_difference, paired_effect, per_seed_difference

COLUMNS = ["value", "effect", "ci_low", "ci_high", "n_seeds"]


def _row(panel: str, name, value, size: str, x, effect) -> dict:
    return {panel: name, "value": value, size: x, "effect": effect.effect, "ci_low": effect.ci_low,
            "ci_high": effect.ci_high, "n_seeds": effect.n_seeds}


def knob_effects(rows: pd.DataFrame, axes: Axes, reference: float, metric: str = "test_acc") -> pd.DataFrame:
    """Per (panel, moved knob value, size): the paired difference metric(value) − metric(reference) over seeds.

    rows: one sweep's rows of ptft.deep.runs.sweep_rows (columns seed, `value`, the axes' panel and size).
    Returns columns [panel, value, size, effect, ci_low, ci_high, n_seeds]; empty where no run sits at `reference`.
    """
    size, panel = axes.size, axes.panel
    out = []
    for (name, x), cell in rows.groupby([panel, size]):
        base = cell[cell["value"] == reference]
        for value, moved in cell[cell["value"] != reference].groupby("value"):
            if len(base):
                out.append(_row(panel, name, value, size, x,
                                paired_difference(moved, base, metric, cells=[size, panel])))
    return pd.DataFrame(out, columns=[panel, size, *COLUMNS])


def probe_effects(rows: pd.DataFrame, axes: Axes, baseline: str = "probe_test_acc",
                  metric: str = "test_acc") -> pd.DataFrame:
    """Per (panel, knob value, size): fine-tuning minus the linear probe of the same PT checkpoint, each run paired
    with its own probe (as the modarith control transformer_control_<family>_beats_probe pairs them)."""
    size, panel = axes.size, axes.panel
    out = []
    for (name, value, x), cell in rows.groupby([panel, "value", size]):
        probe = cell.assign(**{metric: cell[baseline]})
        diff = per_seed_difference(cell, probe, metric, cells=[size, panel])
        out.append(_row(panel, name, value, size, x, paired_effect(diff.to_numpy())))
    return pd.DataFrame(out, columns=[panel, size, *COLUMNS])
