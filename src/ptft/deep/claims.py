"""The deep arms' knob claims, one design: a knob moved off its reference vs at it, paired within seed.

Both arms' FT tables have one row per run with `seed`, the knobs (alpha_rel, c_pt, gamma_ft), a metric and the
linear probe of the frozen PT model on the same FT data (`probe_test_acc`); runs of one seed share their data and PT
draw, so the effect is the per-seed mean over the compared cells of (moved − reference), with a Student-t interval
over seeds (ptft.stats). Each knob claim also reports FT − probe at both knob values and the knob's effect on it: a
knob that "helps" fine-tuning that stays below its probe has not shown that training the body helps. The control
`beats_probe_claim` [ours] asks that directly, per panel, at the reference knobs.
"""

from ptft.deep.runs import KNOBS
from ptft.deep.runs import Axes
from ptft.claim import CONTROL, PAPER, Claim, NotRun, Outcome, at_value, require
from ptft.stats import paired_difference, paired_effect, per_seed_difference

PROBE = "probe_test_acc"  # the linear-probe baseline column of both arms' FT tables (ptft.deep.probe)
VS_PROBE = ("; the numbers also give FT − probe (paired, same runs) at both knob values and the knob's effect on it "
            "(reported, not part of the verdict)")

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
                   f"per {x} (paired): " + ", ".join(f"{k:g}: {v:+.3g}" for k, v in per_x.items())
                   + _versus_probe(moved, base, metric, [x, *cells], knob, ref) + _diverged(moved, base, knob))
        return Outcome.from_effect(effect, +1 if better else -1, numbers, len(moved) + len(base))

    return check


def _diverged(moved, base, knob: str) -> str:
    """The numbers' part on diverged runs: counted on each side, kept in the effect at the metric they ended with (a
    knob value that makes training diverge must not read as a smaller effect by leaving its runs out); empty
    without a `diverged` column."""
    if "diverged" not in moved or "diverged" not in base:
        return ""
    counts = {side: int(df["diverged"].astype(bool).sum()) for side, df in (("moved", moved), ("reference", base))}
    if not any(counts.values()):
        return "; no run diverged"
    return (f"; diverged runs (kept, scored at their final test accuracy): {counts['moved']} of {len(moved)} with "
            f"{knob} moved, {counts['reference']} of {len(base)} at the reference — the effect is partly divergence")


def _short(effect) -> str:
    """An effect with its Student-t interval, for lists in a claim's numbers (describe() gives the full form)."""
    return f"{effect.effect:+.3g} [{effect.ci_low:+.3g}, {effect.ci_high:+.3g}]"


def _gap(df, metric: str, cells: list):
    """Per seed, mean over `cells` of (metric − probe) on the same runs: FT against its own linear probe."""
    return per_seed_difference(df, df.assign(**{metric: df[PROBE]}), metric, cells=cells)


def _versus_probe(moved, base, metric: str, cells: list, knob: str, ref: float) -> str:
    """The numbers' part on the probe: FT − probe at the moved knob and at the reference, and the knob's effect on
    FT − probe (paired within seed and cells), each with its Student-t interval; empty if the table has no probe."""
    if PROBE not in moved or PROBE not in base:
        return ""
    at_moved, at_ref = _gap(moved, metric, cells), _gap(base, metric, cells)
    both = at_moved.index.intersection(at_ref.index)
    change = paired_effect((at_moved[both] - at_ref[both]).to_numpy())
    return (f"; {metric} − {PROBE} (paired t, 95%) at {knob} moved: {_short(paired_effect(at_moved.to_numpy()))}, "
            f"at {knob} = {ref:g}: {_short(paired_effect(at_ref.to_numpy()))}; effect of the knob on it: "
            f"{_short(change)}")


def beats_probe_check(table: str, x: str, panel: str, value, *, where: dict | None = None,
                      metric: str = "test_acc"):
    """Check: at the reference knobs, in panel `panel` = `value`, `metric` minus the linear probe on the same runs,
    per seed averaged over every `x`; expected > 0 (fine-tuning the body beats re-reading the frozen PT features)."""

    def check(t: dict) -> Outcome:
        df = require(t[table], table)
        if PROBE not in df:
            raise NotRun(f"{table} has no {PROBE} column")
        for column, wanted in {**(where or {}), panel: value}.items():
            df = require(df[df[column] == wanted], f"{column} = {wanted!r}")
        for knob, ref in REFERENCE.items():
            df = at_value(df, knob, ref)
        require(df, "the reference knobs")
        effect = paired_effect(_gap(df, metric, [x]).to_numpy())
        by_x = df.groupby(x)[[metric, PROBE]].mean()
        per_x = {v: paired_effect(_gap(g, metric, [x]).to_numpy()) for v, g in df.groupby(x)}
        numbers = (f"{metric} − {PROBE} ({panel} = {value}): {effect.describe()}; per {x} (FT / probe, FT − probe "
                   "paired): " + ", ".join(f"{v:g}: {r[metric]:.3f} / {r[PROBE]:.3f}, {_short(per_x[v])}"
                                           for v, r in by_x.iterrows()))
        return Outcome.from_effect(effect, +1, numbers, len(df))

    return check


def beats_probe_claim(claim_id: str, arm: str, table: str, axes: Axes, value, *, model: str,
                      where: dict | None = None) -> Claim:
    """The control [ours] "fine-tuning beats its linear probe at the reference knobs" for one panel value of an arm
    (`axes.panel` = value: a dataset, a family): paired within seed, averaged over the arm's size axis."""
    ref = "knobs at their reference " + ", ".join(f"{k} = {v:g}" for k, v in REFERENCE.items())
    scope = ", ".join(f"{k} = {v}" for k, v in {**(where or {}), axes.panel: value}.items())
    return Claim(claim_id, arm,
                 f"Protocol control [ours]: fine-tuning ({model}, {axes.panel} {value}) beats the linear probe of the "
                 "frozen PT model on the same FT data (else FT only re-read features PT already made linearly "
                 "available, and no knob claim can say that training the body helps).",
                 f"{table} ({scope}); every {axes.size}; {ref}",
                 f"per-seed mean over {axes.size} of FT test accuracy minus probe test accuracy (same runs); "
                 "expected > 0", (table,),
                 beats_probe_check(table, axes.size, axes.panel, value, where=where), kind=CONTROL,
                 unit="test accuracy (FT − probe)")


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
              f"per-seed mean over {x} of test accuracy at α_rel > 1 minus at α_rel = 1; expected > 0{VS_PROBE}",
              (table,), knob_check(table, "alpha_rel", "above", x, better=True, cells=cells, where=where),
              kind=PAPER, unit="test accuracy"),
        Claim(prefix.get("scale", f"{model}_larger_scale_hurts"), arm,
              f"A larger absolute scale c_pt hurts fine-tuning ({model}).",
              f"{scope}; every {x}; {others}",
              f"per-seed mean over {x} of test accuracy at c_pt > 1 minus at c_pt = 1; expected < 0{VS_PROBE}",
              (table,), knob_check(table, "c_pt", "above", x, better=False, cells=cells, where=where),
              kind=PAPER, unit="test accuracy"),
        Claim(prefix.get("readout", f"{model}_small_readout_helps_mid_n"), arm,
              f"A smaller readout scale γ_ft helps at intermediate amounts of fine-tuning data ({model}).",
              f"{scope}; the inner values of {x} (its smallest and largest left out); {others}",
              f"per-seed mean over inner {x} of test accuracy at γ_ft < 1 minus at γ_ft = 1; expected > 0{VS_PROBE}",
              (table,), knob_check(table, "gamma_ft", "below", x, better=True, cells=cells, where=where,
                                   intermediate=True), kind=PAPER, unit="test accuracy"),
    )
