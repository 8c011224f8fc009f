"""DLN figures: Figure 3 (GD points vs replica lines), Figure 4, phase diagrams and the λ-independence check."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ptft import plotting
from ptft.dln.experiments import KNOBS, PANEL_KEYS
from ptft.dln.phase import PLANES
from ptft.dln.regimes import REGIME_NAMES
from ptft.tables import mean_ci

MARKERS = ["o", "s", "^", "D", "v", "P"]
LINESTYLES = ["-", "--", ":", "-."]


def gd_summary(sims: pd.DataFrame) -> pd.DataFrame:
    """GD mean ± 95% CI over seeds per setting and α, with n, converged and diverged counts and the argmin mean."""
    by = PANEL_KEYS + ["alpha"]
    out = mean_ci(sims, by, "mse")
    extra = sims.groupby(by).agg(mse_argmin=("mse_argmin", "mean"), n_converged=("converged", "sum"),
                                 n_diverged=("diverged", "sum")).reset_index()
    return out.merge(extra, on=by)


def _fmt(name: str, value) -> str:
    return f"{name}={value:g}"


def draw_panel(ax, panel: pd.DataFrame, summary: pd.DataFrame, replica: pd.DataFrame) -> None:
    """One Figure 3 panel: replica lines, GD mean ± 95% CI points, finite-D argmin as open markers."""
    hue, style = panel["hue"].iloc[0], panel["style"].iloc[0]
    hues = sorted(panel[hue].unique())
    styles = sorted(panel[style].unique())
    colors = dict(zip(hues, sns.color_palette("viridis", len(hues))))
    for _, row in panel.iterrows():
        key = {k: row[k] for k in PANEL_KEYS}
        color, i = colors[row[hue]], styles.index(row[style])
        sel = lambda df: df.loc[np.logical_and.reduce([np.isclose(df[k], v) for k, v in key.items()])]
        line = sel(replica).sort_values("alpha")
        ax.plot(line["alpha"], line["mse"], color=color, ls=LINESTYLES[i % 4], lw=1.4)
        pts = sel(summary).sort_values("alpha")
        x = pts["alpha"] + 0.004 * (i - (len(styles) - 1) / 2)  # dodge the styles so their error bars stay apart
        ax.errorbar(x, pts["mean"], yerr=pts["ci95"], color=color, marker=MARKERS[i % 6], ls="none",
                    ms=4, capsize=2)
        ax.plot(x, pts["mse_argmin"], color=color, marker=MARKERS[i % 6], mfc="none", ls="none", ms=7,
                alpha=0.6)
    handles = [plt.Line2D([], [], color=colors[h], lw=2, label=_fmt(hue, h)) for h in hues]
    handles += [plt.Line2D([], [], color="0.3", ls=LINESTYLES[i % 4], marker=MARKERS[i % 6], label=_fmt(style, s))
                for i, s in enumerate(styles)]
    ax.legend(handles=handles, fontsize=7, frameon=False)
    fixed = [_fmt(k, panel[k].iloc[0]) for k in KNOBS + ["rho_ft", "omega"] if k not in (hue, style)]
    ax.set_title(f"({panel['panel'].iloc[0]}) " + ", ".join(fixed), fontsize=8)
    ax.set(xlabel=plotting.label("alpha"), ylabel=plotting.label("mse"), xlim=(0, None), ylim=(0, None))


def figure3(panels: pd.DataFrame, sims: pd.DataFrame, replica: pd.DataFrame, dim: int):
    """Figure 3 (2×3): lines = replica (D → ∞), filled points = GD mean ± 95% CI, open = finite-D argmin."""
    plotting.setup()
    names = list(dict.fromkeys(panels["panel"]))
    ncol = min(3, len(names))
    nrow = int(np.ceil(len(names) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.4 * nrow), squeeze=False)
    summary = gd_summary(sims)
    for ax, name in zip(axes.flat, names):
        draw_panel(ax, panels[panels["panel"] == name], summary, replica[replica["group"] == name])
    for ax in axes.flat[len(names):]:
        ax.remove()
    fig.suptitle(f"Fine-tuning error: replica (lines), GD at D = {dim} (points, mean ± 95% CI), "
                 "finite-D min-penalty interpolator (open)", fontsize=9)
    fig.tight_layout()
    return fig


def figure4(curves: pd.DataFrame):
    """Figure 4 (theory): the four regimes' error curves on each task type."""
    plotting.setup()
    curves = curves.assign(regime=[f"{r} ({REGIME_NAMES.get(r, '')})" for r in curves["regime"]])
    types = list(dict.fromkeys(curves["task_type"]))
    fig, axes = plt.subplots(1, len(types), figsize=(4.2 * len(types), 3.4), squeeze=False)
    for ax, name in zip(axes.flat, types):
        sub = curves[curves["task_type"] == name]
        sns.lineplot(sub, x="alpha", y="mse", hue="regime", ax=ax, palette="colorblind", hue_order=sorted(set(curves["regime"])))
        t = sub.iloc[0]
        ax.set_title(f"{name}: ρ_ft={t['rho_ft']:g}, ω={t['omega']:g}", fontsize=9)
        ax.set(xlabel=plotting.label("alpha"), ylabel=plotting.label("mse"), xlim=(0, None), ylim=(0, None))
        ax.get_legend().remove()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, bbox_to_anchor=(0.5, -0.06))
    fig.tight_layout()
    return fig


def phase_figure(table: pd.DataFrame):
    """ℓ-order, PD and ℓ+PD (columns) on each plane (rows)."""
    plotting.setup()
    quantities = {"l_order": ("ℓ-order", (1, 2), "viridis"), "pt_dependence": ("PT dependence", (-1, 0), "magma"),
                  "l_plus_pd": ("ℓ + PD", (1, 2), "cividis")}
    fig, axes = plt.subplots(len(PLANES), 3, figsize=(12, 3.2 * len(PLANES)), squeeze=False)
    for row, plane in zip(axes, PLANES):
        sub = table[table["plane"] == plane]
        xs, ys = np.unique(sub["x"]), np.unique(sub["y"])
        for ax, (q, (title, lim, cmap)) in zip(row, quantities.items()):
            z = sub.pivot_table(index="y", columns="x", values=q).to_numpy()
            mesh = ax.pcolormesh(xs, ys, z, vmin=lim[0], vmax=lim[1], cmap=cmap, shading="auto")
            fig.colorbar(mesh, ax=ax)
            ax.set(title=title, xlabel=plotting.label(sub["x_name"].iloc[0]), ylabel=plotting.label(sub["y_name"].iloc[0]))
    fig.tight_layout()
    return fig


def single_task_figure(summary: pd.DataFrame, replica: pd.DataFrame):
    """Exp 4: error vs α per λ (points) against the single-task replica curve per c (line): λ must not matter."""
    plotting.setup()
    fig, ax = plt.subplots(figsize=(4.6, 3.4))
    for c, line in replica.groupby("c_pt"):
        ax.plot(line["alpha"], line["mse"], color="0.2", lw=1.2, label=f"replica, c_pt={c:g}")
    palette = dict(zip(sorted(summary["lambda_pt"].unique()), sns.color_palette("coolwarm", summary["lambda_pt"].nunique())))
    for (c, lam), pts in summary.groupby(["c_pt", "lambda_pt"]):
        ax.errorbar(pts["alpha"], pts["mean"], yerr=pts["ci95"], color=palette[lam], marker="o", ls="none", ms=4,
                    capsize=2, label=f"GD λ_pt={lam:g}, c_pt={c:g}")
    ax.legend(fontsize=7, frameon=False)
    ax.set(xlabel="α = N / D", ylabel=plotting.label("mse"), title="Training from scratch: error independent of λ",
           xlim=(0, None), ylim=(0, None))
    fig.tight_layout()
    return fig
