"""The deep arms' knob claims, one design: a knob moved off its reference vs at it, paired within seed.

Both arms' FT tables have one row per run with `seed`, the knobs (alpha_rel, c_pt, gamma_ft) and a metric; runs of
one seed share their data and PT draw, so the effect is the per-seed mean over the compared cells of (moved −
reference), with a Student-t interval over seeds (ptft.stats).
"""

from ptft.deep.knobs import KNOBS
from ptft.deep.runs import Axes
from ptft.claim import PAPER, Claim, NotRun, Outcome, at_value, require
from ptft.stats import paired_difference

# Reference values of the deep-network knobs: no rescaling of early layers, PT init and readout at their defaults.
REFERENCE = dict.fromkeys(KNOBS, 1.0)
SIDE = {"above": ">", "below": "<"}


def knob_check(table: str, knob: str, side: str, x: str, *, better: bool, cells=(), intermediate: bool = False,
               where: dict | None = None, metric: str = "test_acc"):
    """Check: `metric` at `knob` on `side` of its reference minus at the reference, the other knobs at theirs.

    x: the data-size axis (n or ft_train_frac), averaged within seed; `intermediate` keeps its inner values only.
    cells: further columns matched within seed (e.g. dataset). where: column -> value filters (e.g. family).
    better=False phrases the claim as "moving the knob hurts" (expected effect < 0).
    """

    def check(t: dict) -> Outcome:
        df = t[table]
        for column, value in (where or {}).items():
            df = require(df[df[column] == value], f"{column} = {value!r}")
        for other, ref in REFERENCE.items():
            if other != knob:
                df = at_value(df, other, ref)
        grid = sorted(df[x].unique())
        if intermediate:
            if len(grid) < 3:
                raise NotRun(f"fewer than 3 values of {x}, so none is intermediate")
            df = df[df[x].isin(grid[1:-1])]
        ref = REFERENCE[knob]
        moved = df[df[knob] > ref] if side == "above" else df[df[knob] < ref]
        base = at_value(df, knob, ref)
        require(moved, f"{knob} {SIDE[side]} {ref:g}"), require(base, f"{knob} = {ref:g}")
        effect = paired_difference(moved, base, metric, cells=[x, *cells])
        levels = ", ".join(f"{v:g}" for v in sorted(moved[knob].unique()))
        # Per x, the same pairing as the effect: (moved − reference) within seed and cells, then the mean over seeds.
        per_x = {v: paired_difference(moved[moved[x] == v], base[base[x] == v], metric, cells=[x, *cells]).effect
                 for v in sorted(set(moved[x]) & set(base[x]))}
        # Which panels (datasets, families) the effect pools, named: a claim decided on a control family says so.
        pooled = "".join(f" over {c} ∈ {{{', '.join(map(str, sorted(moved[c].unique())))}}}" for c in cells)
        numbers = (f"{metric}({knob} ∈ {{{levels}}}) − {metric}({knob} = {ref:g}){pooled}: {effect.describe()}; "
                   f"per {x} (paired): " + ", ".join(f"{k:g}: {v:+.3g}" for k, v in per_x.items()))
        return Outcome.from_effect(effect, +1 if better else -1, numbers, len(moved) + len(base))

    return check


def knob_claims(arm: str, table: str, axes: Axes, *, model: str, where: dict | None = None,
                names: dict | None = None) -> tuple:
    """The three knob claims of the paper for one deep arm: smaller early layers help, a larger absolute scale
    hurts, a smaller readout helps at intermediate data; averaged over the arm's size axis, paired within seed and
    panel (`axes`). `names` overrides the claim id prefix per claim."""
    x, cells = axes.size, (axes.panel,)
    scope = (f"{table}" + (f" ({', '.join(f'{k} = {v}' for k, v in where.items())})" if where else "")
             + f"; paired within seed and {axes.panel}, pooled over the {axes.panel} values that ran the sweep")
    others = "other knobs at their reference " + ", ".join(f"{k} = {v:g}" for k, v in REFERENCE.items())
    prefix = names or {}
    return (
        Claim(prefix.get("early", f"{model}_small_early_layers_help"), arm,
              f"Smaller early-layer initialisation (α_rel > 1) helps fine-tuning ({model}).",
              f"{scope}; every {x}; {others}",
              f"per-seed mean over {x} of test accuracy at α_rel > 1 minus at α_rel = 1; expected > 0",
              (table,), knob_check(table, "alpha_rel", "above", x, better=True, cells=cells, where=where),
              kind=PAPER, unit="test accuracy"),
        Claim(prefix.get("scale", f"{model}_larger_scale_hurts"), arm,
              f"A larger absolute scale c_pt hurts fine-tuning ({model}).",
              f"{scope}; every {x}; {others}",
              f"per-seed mean over {x} of test accuracy at c_pt > 1 minus at c_pt = 1; expected < 0",
              (table,), knob_check(table, "c_pt", "above", x, better=False, cells=cells, where=where),
              kind=PAPER, unit="test accuracy"),
        Claim(prefix.get("readout", f"{model}_small_readout_helps_mid_n"), arm,
              f"A smaller readout scale γ_ft helps at intermediate amounts of fine-tuning data ({model}).",
              f"{scope}; the inner values of {x} (its smallest and largest left out); {others}",
              f"per-seed mean over inner {x} of test accuracy at γ_ft < 1 minus at γ_ft = 1; expected > 0",
              (table,), knob_check(table, "gamma_ft", "below", x, better=True, cells=cells, where=where,
                                   intermediate=True), kind=PAPER, unit="test accuracy"),
    )
