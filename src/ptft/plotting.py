"""Figure conventions shared by every arm: seaborn style, PDF+PNG, and a footer on the figure itself that says
where its data came from, at what scale (D or dataset, seeds) and how its intervals were computed."""

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from ptft import io  # noqa: E402
from ptft.provenance import SYNTHETIC  # noqa: E402

# Axis labels and legend names in the paper's notation (matplotlib mathtext).
LABELS = {
    "alpha": r"$\alpha = N_{\mathrm{FT}}/D$",
    "mse": r"generalisation error $E_{\mathrm{gen}}$",
    "c_pt": r"$c_{\mathrm{PT}}$",
    "lambda_pt": r"$\lambda_{\mathrm{PT}}$",
    "gamma_ft": r"$\gamma_{\mathrm{FT}}$",
    "rho_ft": r"$\rho_{\mathrm{FT}}$",
    "omega": r"$\omega$",
    "alpha_rel": r"$\alpha_{\mathrm{rel}}$",
    "n": "FT train images n",
    "test_acc": "FT test accuracy",
    "ft_train_frac": "FT train fraction",
    "log10_beta_pt": r"$\log_{10}|\beta_{\mathrm{PT}}|$",
    "log10_c_over_beta_ft": r"$\log_{10} c_{\mathrm{PT}}/|\beta_{\mathrm{FT}}|$",
    "log10_gamma_ft": r"$\log_{10}\gamma_{\mathrm{FT}}$",
    "l_order": r"$\ell$-order",
    "pt_dependence": "PD",
}


def setup():
    sns.set_theme(context="paper", style="whitegrid", font_scale=1.1)


def label(name: str) -> str:
    return LABELS.get(name, name)


def setting(name: str, value) -> str:
    """A legend entry "symbol = value" in the paper's notation, e.g. λ_PT = −0.99."""
    symbol = LABELS.get(name, name)
    return f"{symbol} = {value:g}" if symbol.startswith("$") else f"{name} = {value:g}"


def seeds(values) -> str:
    """"3 seeds (0–2)": how many seeds a figure averages, and which."""
    s = sorted({int(v) for v in values})
    if not s:
        return "no seeds"
    which = f"{s[0]}" if len(s) == 1 else (f"{s[0]}–{s[-1]}" if s == list(range(s[0], s[-1] + 1)) else
                                            ", ".join(map(str, s)))
    return f"{len(s)} seed{'s' if len(s) > 1 else ''} ({which})"


def footer(*parts) -> str:
    """The parts of a figure's footer that are set, joined by " · "."""
    return " · ".join(str(p) for p in parts if p)


FOOTER_CHARS_PER_INCH = 17  # characters of 8-pt text per inch of figure width


def stamp(fig, data_source: str | None, note: str = "") -> None:
    """Write the data source (and the scale, seeds, interval method) on the figure itself, never only in a caption;
    wrapped to the figure's width, so a long footer never widens the saved canvas."""
    text = " · ".join(s for s in (note, data_source and f"data: {data_source}") if s)
    if data_source == SYNTHETIC:
        text = f"SYNTHETIC STAND-IN DATA — not the paper's dataset. {text}".strip()
    if text:
        width = max(40, int(fig.get_figwidth() * FOOTER_CHARS_PER_INCH))
        fig.text(0.5, -0.01, "\n".join(textwrap.wrap(text, width)), ha="center", va="top", fontsize=8,
                 color="firebrick" if data_source == SYNTHETIC else "0.3")


def save(fig, paths, *, data_source: str | None = None, note: str = "") -> None:
    """Stamp the footer, write every path (PDF, PNG), close the figure."""
    stamp(fig, data_source, note)
    io.save_figure(fig, *paths)
    plt.close(fig)
