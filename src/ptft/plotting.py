"""Figure conventions shared by every arm: seaborn style, PDF+PNG, and a visible data-source label."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from ptft import io  # noqa: E402
from ptft.provenance import SYNTHETIC  # noqa: E402

LABELS = {
    "alpha": "α = N_FT / D",
    "mse": "generalisation error (MSE)",
    "c_pt": "absolute scale c_pt",
    "lambda_pt": "relative scale λ_pt",
    "gamma_ft": "readout scale γ_ft",
    "rho_ft": "FT sparsity ρ_ft",
    "omega": "overlap ω",
    "alpha_rel": "relative scale α_rel",
    "n": "FT train images n",
    "test_acc": "FT test accuracy",
    "ft_train_frac": "FT train fraction",
    "log10_beta_pt": "log10 |β_PT|",
    "log10_c_over_beta_ft": "log10 c_pt / |β_FT|",
    "log10_gamma_ft": "log10 γ_ft",
}


def setup():
    sns.set_theme(context="paper", style="whitegrid", font_scale=1.1)


def label(name: str) -> str:
    return LABELS.get(name, name)


def stamp(fig, data_source: str | None, note: str = "") -> None:
    """Write the data source (and any reduced-scale note) on the figure itself, never only in a caption."""
    text = " · ".join(s for s in (note,) if s)
    if data_source == SYNTHETIC:
        text = f"SYNTHETIC STAND-IN DATA — not the paper's dataset. {text}".strip()
    if text:
        fig.text(0.5, -0.02, text, ha="center", va="top", fontsize=8, color="firebrick" if data_source == SYNTHETIC else "0.3")


def save(fig, paths, *, data_source: str | None = None, note: str = "") -> None:
    stamp(fig, data_source, note)
    io.save_figure(fig, *paths)
    plt.close(fig)
