"""DLN figures: Figure 3 (GD points vs replica lines), Figure 4, phase diagrams and the λ-independence check."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ptft import plotting
from ptft.dln.experiments import KNOBS, PANEL_KEYS
from ptft.dln.phase import PLANES
from ptft.dln.regimes import REGIME_NAMES
from ptft.stats import CONFIDENCE, METHOD, mean_ci

MARKERS = ["o", "s", "^", "D", "v", "P"]
LINESTYLES = ["-", "--", ":", "-."]


def gd_summary(sims: pd.DataFrame) -> pd.DataFrame:
    """GD mean ± 95% CI (Student-t) over seeds per setting and α, with n_runs, converged and diverged counts and
    the argmin mean."""
    by = PANEL_KEYS + ["alpha"]
    out = mean_ci(sims, by, "mse")
    extra = sims.groupby(by).agg(mse_argmin=("mse_argmin", "mean"), n_converged=("converged", "sum"),
                                 n_diverged=("diverged", "sum")).reset_index()
    return out.merge(extra, on=by)


def minimiser_summary(points: pd.DataFrame) -> pd.DataFrame:
    """Minimiser theory points: mean ± 95% CI (Student-t) of mse_argmin over seeds per setting and α."""
    return mean_ci(points, PANEL_KEYS + ["alpha"], "mse_argmin")


def points_summary(sims: pd.DataFrame | None, points: pd.DataFrame | None) -> pd.DataFrame:
    """Figure 3's table: the GD summary and the minimiser summary (whichever exist), one row per point, with `dim`."""
    frames = []
    if sims is not None:
        frames.append(gd_summary(sims).assign(points="gd", dim=int(sims["dim"].iloc[0])))
    if points is not None:
        frames.append(minimiser_summary(points).assign(points="minimiser", dim=int(points["dim"].iloc[0])))
    return pd.concat(frames, ignore_index=True)


def _fmt(name: str, value) -> str:
    return plotting.setting(name, value)


def _select(df: pd.DataFrame, key: dict) -> pd.DataFrame:
    return df.loc[np.logical_and.reduce([np.isclose(df[k], v) for k, v in key.items()])]


def draw_panel(ax, panel: pd.DataFrame, summary: pd.DataFrame, replica: pd.DataFrame,
               theory: pd.DataFrame | None = None) -> None:
    """One Figure 3 panel: replica lines; the minimiser theory points at their D, mean ± 95% CI (filled); GD means
    at its D (open; their agreement with the minimiser is the agreement table's business, not an error bar's)."""
    hue, style = panel["hue"].iloc[0], panel["style"].iloc[0]
    hues = sorted(panel[hue].unique())
    styles = sorted(panel[style].unique())
    colors = dict(zip(hues, sns.color_palette("viridis", len(hues))))
    for _, row in panel.iterrows():
        key = {k: row[k] for k in PANEL_KEYS}
        color, i = colors[row[hue]], styles.index(row[style])
        line = _select(replica, key).sort_values("alpha")
        ax.plot(line["alpha"], line["mse"], color=color, ls=LINESTYLES[i % 4], lw=1.4)
        dodge = 0.004 * (i - (len(styles) - 1) / 2)  # keep the styles' error bars apart
        if theory is not None:
            big = _select(theory, key).sort_values("alpha")
            ax.errorbar(big["alpha"] + dodge, big["mean"], yerr=big["ci95"], color=color, marker=MARKERS[i % 6],
                        ls="none", ms=4, capsize=2)
        if summary is not None:
            pts = _select(summary, key).sort_values("alpha")
            ax.plot(pts["alpha"] + dodge, pts["mean"], color=color, marker=MARKERS[i % 6], mfc="none", ls="none",
                    ms=6, alpha=0.7)
    handles = [plt.Line2D([], [], color=colors[h], lw=2, label=_fmt(hue, h)) for h in hues]
    handles += [plt.Line2D([], [], color="0.3", ls=LINESTYLES[i % 4], marker=MARKERS[i % 6], label=_fmt(style, s))
                for i, s in enumerate(styles)]
    ax.legend(handles=handles, fontsize=7, frameon=False)
    fixed = [_fmt(k, panel[k].iloc[0]) for k in KNOBS + ["rho_ft", "omega"] if k not in (hue, style)]
    ax.set_title(f"({panel['panel'].iloc[0]}) " + ", ".join(fixed), fontsize=8)
    ax.set(xlabel=plotting.label("alpha"), ylabel=plotting.label("mse"), xlim=(0, None), ylim=(0, None))


def figure3(panels: pd.DataFrame, sims: pd.DataFrame | None, replica: pd.DataFrame, dim: int,
            points: pd.DataFrame | None = None):
    """Figure 3 (2×3): lines = replica (D → ∞), filled points = GD mean ± 95% CI at D = dim, small open = the
    minimiser on GD's data; `points` (minimiser theory points at a larger D, more seeds) as large open markers."""
    plotting.setup()
    names = list(dict.fromkeys(panels["panel"]))
    ncol = min(3, len(names))
    nrow = int(np.ceil(len(names) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.4 * nrow), squeeze=False)
    summary = gd_summary(sims) if sims is not None else None
    theory = minimiser_summary(points) if points is not None and len(points) else None
    for ax, name in zip(axes.flat, names):
        draw_panel(ax, panels[panels["panel"] == name], summary, replica[replica["group"] == name], theory)
    for ax in axes.flat[len(names):]:
        ax.remove()
    title = "Lines: replica (D → ∞)"
    if theory is not None:
        title += (f". Filled: the Theorem 4.1 minimiser at D = {int(points['dim'].iloc[0])}, mean ± {CONFIDENCE:.0%} "
                  f"CI (Student-t) over {points['seed'].nunique()} seeds")
    if summary is not None:
        title += (f". Open: GD at D = {dim}, mean over {sims['seed'].nunique()} seeds (GD vs minimiser on the same "
                  "data: results/dln/tables/agreement.csv)")
    if np.isclose(panels["lambda_pt"], -0.99999).any():
        title += ("\n$\\lambda_{\\mathrm{PT}}$ = −0.99999 stands in for the paper's −1, which is frozen at "
                  "$\\gamma_{\\mathrm{FT}}$ = 0 (every √k = 0), as in the authors' figure code")
    fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    return fig


def figure4(curves: pd.DataFrame, *, floor: float):
    """Figure 4 (theory): each setting's error curve on each task type, named by the regime computed from its ℓ and
    PD on that task (a per-panel legend, since the computed regime depends on the task's β scale). Log scale; the
    band below `floor` is "recovered"."""
    plotting.setup()
    keys = sorted(set(curves["regime"]))
    colors = dict(zip(keys, sns.color_palette("colorblind", len(keys))))
    types = list(dict.fromkeys(curves["task_type"]))
    fig, axes = plt.subplots(1, len(types), figsize=(4.0 * len(types), 3.4), squeeze=False)  # legends below
    for ax, name in zip(axes.flat, types):
        sub = curves[curves["task_type"] == name]
        for key, line in sub.groupby("regime"):
            r = line.iloc[0]
            label = (f"{_fmt('lambda_pt', r['lambda_pt'])}, {_fmt('gamma_ft', r['gamma_ft'])}: {r['computed']} "
                     f"($\\ell$={r['ell']:.2f}, PD={r['pd']:.2f})")
            ax.plot(line["alpha"], line["mse"], color=colors[key], lw=1.5, label=label)
        ax.axhspan(1e-14, floor, color="0.9", zorder=0)
        ax.text(0.98, floor * 0.5, f"recovered (< {floor:g})", transform=ax.get_yaxis_transform(), ha="right",
                va="top", fontsize=7, color="0.4")
        t = sub.iloc[0]
        ax.set_title(f"{name.replace('_', ' ')}: {_fmt('rho_ft', t['rho_ft'])}, {_fmt('omega', t['omega'])}", fontsize=9)
        ax.set(xlabel=plotting.label("alpha"), ylabel=plotting.label("mse"), xlim=(0, None), yscale="log",
               ylim=(1e-10, 3))
        # Below the axis label: anchored at the axes' bottom, 5 font sizes down.
        ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, 0), borderaxespad=5)
    names = ", ".join(f"{k} = {v}" for k, v in REGIME_NAMES.items())
    fig.suptitle(f"Replica theory, {_fmt('c_pt', curves['c_pt'].iloc[0])}; regimes computed from ℓ and PD ({names})",
                 fontsize=8)
    fig.tight_layout()
    return fig


def fixed_text(plane: str, cfg: dict) -> str:
    """What a phase-diagram plane holds fixed (the parameters not on its axes), in the paper's notation."""
    x, y = PLANES[plane]
    moved = {"log10_beta_pt": "beta_pt", "log10_c_over_beta_ft": "c_pt", "log10_gamma_ft": "gamma_ft",
             "lambda_pt": "lambda_pt"}
    on_axes = {moved[x], moved[y]}
    names = {"c_pt": "c", "lambda_pt": "λ", "gamma_ft": "γ", "beta_pt": "|β_PT|", "beta_ft": "|β_FT|"}
    return "fixed: " + ", ".join(f"{names[k]} = {cfg[k]:g}" for k in names if k not in on_axes)


def phase_figure(table: pd.DataFrame, cfg: dict):
    """ℓ-order, PD and ℓ+PD (columns) on each plane (rows), each row titled with what it holds fixed (`cfg`: the
    config's dln.phase)."""
    plotting.setup()
    quantities = {"l_order": ("ℓ-order", (1, 2), "viridis"), "pt_dependence": ("PD", (-1, 0), "magma"),
                  "l_plus_pd": ("ℓ + PD", (1, 2), "cividis")}
    fig, axes = plt.subplots(len(PLANES), 3, figsize=(10.5, 2.9 * len(PLANES)), squeeze=False)
    for row, plane in zip(axes, PLANES):
        sub = table[table["plane"] == plane]
        xs, ys = np.unique(sub["x"]), np.unique(sub["y"])
        for ax, (q, (title, lim, cmap)) in zip(row, quantities.items()):
            z = sub.pivot_table(index="y", columns="x", values=q).to_numpy()
            # rasterized: 9 meshes of num² quads as PDF vectors took ~9 s to write; as images, well under 1 s
            mesh = ax.pcolormesh(xs, ys, z, vmin=lim[0], vmax=lim[1], cmap=cmap, shading="auto", rasterized=True)
            fig.colorbar(mesh, ax=ax)
            ax.set(xlabel=plotting.label(sub["x_name"].iloc[0]), ylabel=plotting.label(sub["y_name"].iloc[0]))
            ax.set_title(f"{title} · {fixed_text(plane, cfg)}", fontsize=8)
    fig.tight_layout()
    return fig


def coincident(summary: pd.DataFrame, key: str, by: list) -> list[list]:
    """Values of `key` whose series (mean over `by`) are identical, grouped: drawn once, named together."""
    groups: list[list] = []
    for value, part in summary.groupby(key):
        series = part.sort_values(by)["mean"].to_numpy()
        for g in groups:
            if np.array_equal(g[1], series):
                g[0].append(value)
                break
        else:
            groups.append([[value], series])
    return [g[0] for g in groups]


def single_task_figure(summary: pd.DataFrame, replica: pd.DataFrame):
    """Exp 4: error vs α per λ (points) against the single-task replica curve per c (line): λ must not matter. λ
    values whose GD means coincide exactly are drawn once and named together; the axis stops at 1.5× the largest
    mean or replica value (a Student-t interval over few seeds can reach far above; the notes say so).
    Returns (figure, footer notes)."""
    plotting.setup()
    fig, ax = plt.subplots(figsize=(5.0, 3.6))
    for c, line in replica.groupby("c_pt"):
        ax.plot(line["alpha"], line["mse"], color="0.2", lw=1.2, label=f"replica, {_fmt('c_pt', c)}")
    notes, series = [], 0
    for c, part in summary.groupby("c_pt"):
        for lams in coincident(part, "lambda_pt", ["alpha"]):
            colour, series = f"C{series}", series + 1
            pts = part[np.isclose(part["lambda_pt"], lams[0])].sort_values("alpha")
            name = _fmt("lambda_pt", lams[0]) if len(lams) == 1 else (
                "$\\lambda_{\\mathrm{PT}}$ ∈ {" + ", ".join(f"{v:g}" for v in lams) + "} (identical)")
            ax.errorbar(pts["alpha"], pts["mean"], yerr=pts["ci95"], color=colour, marker="o", ls="none", ms=4,
                        capsize=2, label=f"GD {name}, {_fmt('c_pt', c)}")
            if len(lams) > 1:
                values = ", ".join(f"{v:g}" for v in lams)
                notes.append(f"c = {c:g}: λ ∈ {{{values}}} give identical GD errors, drawn once")
    top = 1.5 * max(summary["mean"].max(), replica["mse"].max())
    if (summary["mean"] + summary["ci95"].fillna(0) > top).any():
        notes.append(f"intervals cut at the axis top ({top:.2g})")
    ax.legend(fontsize=7, frameon=False)
    ax.set(xlabel=r"$\alpha = N/D$", ylabel=plotting.label("mse"), title="Training from scratch: error independent of λ",
           xlim=(0, None), ylim=(0, top))
    fig.tight_layout()
    return fig, notes


def effects_figure(effects: pd.DataFrame):
    """What the DLN knob claims decide (ptft.dln.effects), one small panel per knob and setting of the other keys:
    error at each knob value minus at the reference vs α, paired within seed, Student-t 95% CI, zero line."""
    plotting.setup()
    others = {knob: [k for k in PANEL_KEYS if k != knob] for knob in effects["knob"].unique()}
    cells = [(knob, key, part) for knob, rows in effects.groupby("knob", sort=False)
             for key, part in rows.groupby(others[knob])]
    ncol = min(3, len(cells))
    nrow = int(np.ceil(len(cells) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.5 * ncol, 2.8 * nrow), squeeze=False)
    for ax, (knob, key, part) in zip(axes.flat, cells):
        levels = sorted(part[knob].unique())
        for colour, level in zip(sns.color_palette("viridis", len(levels)), levels):
            e = part[np.isclose(part[knob], level)].sort_values("alpha")
            ax.errorbar(e["alpha"], e["effect"], yerr=[e["effect"] - e["ci_low"], e["ci_high"] - e["effect"]],
                        color=colour, marker="o", ms=4, capsize=2, label=_fmt(knob, level))
        ax.axhline(0, color="0.2", lw=0.8)
        lo, hi = ax.get_ylim()
        pad = 0.08 * (max(hi, 0) - min(lo, 0) or 1)
        ax.set_ylim(min(lo, -pad), max(hi, pad))  # zero inside, never on the frame
        fixed = ", ".join(_fmt(k, v) for k, v in zip(others[knob], key))
        ax.set_title(f"{_fmt(knob, part['reference'].iloc[0])} is the reference\n{fixed}", fontsize=7)
        ax.set(xlabel=plotting.label("alpha"), ylabel=r"$\Delta E_{\mathrm{gen}}$ (paired)")
        ax.legend(fontsize=6, frameon=False)
    for ax in axes.flat[len(cells):]:
        ax.remove()
    fig.tight_layout()
    return fig
