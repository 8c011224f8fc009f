"""Phase diagrams of the FT implicit bias: ℓ-order, PT dependence and their sum over planes of (β_PT, c, λ, γ)."""

import numpy as np
import pandas as pd

from ptft.dln.theory import l_order, pt_dependence

# plane name -> (x axis, y axis); x is log10-spaced, y linear in λ or log10-spaced in γ.
PLANES = {
    "beta_pt_vs_lambda": ("log10_beta_pt", "lambda_pt"),
    "c_vs_lambda": ("log10_c_over_beta_ft", "lambda_pt"),
    "beta_pt_vs_gamma": ("log10_beta_pt", "log10_gamma_ft"),
}


def _axis(name: str, cfg: dict) -> np.ndarray:
    if name == "lambda_pt":
        return np.linspace(-1.0, 1.0, cfg["num"])
    return np.linspace(*cfg[name], cfg["num"])


def plane(name: str, cfg: dict) -> pd.DataFrame:
    """ℓ, PD and ℓ+PD on one plane; the other quantities fixed at cfg's values (REFERENCE §4, phase diagrams)."""
    xname, yname = PLANES[name]
    x, y = np.meshgrid(_axis(xname, cfg), _axis(yname, cfg), indexing="xy")
    p = {"beta_pt": cfg["beta_pt"], "c_pt": cfg["c_pt"], "lambda_pt": cfg["lambda_pt"], "gamma_ft": cfg["gamma_ft"]}
    for axis, values in ((xname, x), (yname, y)):
        if axis == "log10_beta_pt":
            p["beta_pt"] = 10.0**values
        elif axis == "log10_c_over_beta_ft":
            p["c_pt"] = cfg["beta_ft"] * 10.0**values
        elif axis == "log10_gamma_ft":
            p["gamma_ft"] = 10.0**values
        else:
            p["lambda_pt"] = values
    args = (cfg["beta_ft"], p["beta_pt"], p["c_pt"], p["lambda_pt"], p["gamma_ft"])
    ell, pd_ = np.broadcast_arrays(l_order(*args), pt_dependence(*args))
    return pd.DataFrame({"plane": name, "x_name": xname, "x": x.ravel(), "y_name": yname, "y": y.ravel(),
                         "l_order": ell.ravel(), "pt_dependence": pd_.ravel(), "l_plus_pd": (ell + pd_).ravel()})


def phase_table(cfg: dict) -> pd.DataFrame:
    return pd.concat([plane(name, cfg) for name in PLANES], ignore_index=True)
