"""The experiment design of the vision arm (`DESIGN`, ptft.deep.design): pure functions of the config section; ids
name every output path.

Knob settings one sweep at a time around `base` (ptft.deep.runs), `pt_id` / `ft_id` per run, `pt_job` / `ft_job` per
scheduled job. Here the PT runs of one PT knob setting (its seeds) are dealt into jobs of `pt_runs_per_job` runs, and
the FT runs of one seed (from every PT checkpoint of that seed) into `ft_jobs_per_seed` jobs, each job running its
runs one after another: a job's start-up (importing torch, loading the data) is paid per job, not per run.
"""

import pandas as pd

from ptft import grid
from ptft.deep.design import Design
from ptft.deep.runs import Axes, knob_settings

# FT data size: images; panels and within-seed matching: datasets.
AXES = Axes(size="n", panel="dataset")

# alpha_rel policy -> parameter-name prefixes divided by α at PT init. The authors': `first_vs_rest` (conv1 weight
# and bias; torchvision's conv1 has no bias), `fr_gamma_alpha` (also bn1's weight, "so the scaling is not reset by
# normalisation"; bn1's bias is left alone, as theirs), `fr_block_*` (whole residual stages). `early_layers` [ours]
# takes the config's own list (every parameter of those modules, BN weights and biases included).
RELATIVE_POLICIES = {
    "first_vs_rest": ("conv1",),
    "fr_gamma_alpha": ("conv1", "bn1.weight"),
    "fr_block_1": ("layer1",),
    "fr_block_12": ("layer1", "layer2"),
    "fr_block_123": ("layer1", "layer2", "layer3"),
    "fr_block_1234": ("layer1", "layer2", "layer3", "layer4"),
}


def relative_prefixes(policy: str, early_layers=()) -> list[str]:
    """The prefixes an alpha_rel `policy` divides by α (`early_layers`: the config's list, for that policy)."""
    if policy == "early_layers":
        return list(early_layers)
    if policy not in RELATIVE_POLICIES:
        raise ValueError(f"unknown alpha_rel policy {policy!r} (expected one of {[*RELATIVE_POLICIES, 'early_layers']})")
    return list(RELATIVE_POLICIES[policy])


def ft_grid(section: dict) -> pd.DataFrame:
    """Every FT run once: run_datasets × seed × the knob settings (base + one sweep's knob at a time) × n."""
    axes = grid.expand({"dataset": section["run_datasets"], "seed": section["seeds"]})
    knobs = knob_settings(section["base"], section["sweeps"])
    return axes.merge(knobs, how="cross").merge(pd.DataFrame({"n": section["n"]}), how="cross")


def settings(section: dict, phase: str, job: str | None = None) -> dict:
    """What a PT or FT job reads of the section besides its runs (the same for every `job` of a phase), and all an id
    changes with (a changed value never resumes an old checkpoint; an unread one reruns nothing). PT: its optimiser
    and PT set size (`pt`, every key read), the stem and the parameters the alpha_rel policy divides (the FT-time
    c_pt / gamma_ft policies and `early_layers` under another policy are not read). FT: its optimiser, BN statistics
    and evaluation images (`ft`, every key read), the stem, the FT-time policies, the ENSD it measures (not the
    figure's `sweep`) and, under eval_images = held_out, the seed's FT sizes (they decide which images are held out
    for evaluation)."""
    if phase == "pt":
        prefixes = relative_prefixes(section["policies"]["alpha_rel"], section["early_layers"])
        return {"pt": section["pt"], "stem": section["stem"], "relative_prefixes": prefixes}
    out = {"ft": section["ft"], "stem": section["stem"],
           "policies": {k: section["policies"][k] for k in ("c_pt", "gamma_ft")},
           "ensd": {k: section["ensd"][k] for k in ("layers", "images", "max_images")}}
    if section["ft"]["eval_images"] == "held_out":
        out["n_grid"] = sorted(section["n"])
    return out


def pt_keys(section: dict) -> list[str]:
    """The columns a PT run is keyed by: c_pt only where it scales the PT init (policy `pt_init` [ours]); under the
    authors' `ft_start` every c_pt fine-tunes from the same checkpoint."""
    return ["dataset", "seed", "alpha_rel"] + (["c_pt"] if section["policies"]["c_pt"] == "pt_init" else [])


def pt_table(section: dict) -> pd.DataFrame:
    """One row per PT run: the pt_keys, pt_id and pt_job, the job that runs it, "<dataset>-<PT knobs>-<part>": the
    runs of one PT knob setting, in seed order, in parts of `pt_runs_per_job` runs."""
    keys = pt_keys(section)
    pt = ft_grid(section)[keys].drop_duplicates(ignore_index=True).sort_values(keys, ignore_index=True)
    ids = [grid.run_id({**row, "settings": settings(section, "pt")}) for row in pt.to_dict("records")]
    knobs = [k for k in keys if k not in ("dataset", "seed")]
    part = pt.groupby(["dataset", *knobs]).cumcount() // section["pt_runs_per_job"]
    name = pt["dataset"].str.cat([k + pt[k].map("{:g}".format) for k in knobs], sep="-")
    return pt.assign(pt_id=ids, pt_job=name + "-" + part.astype(str))


def pt_jobs(pt: pd.DataFrame) -> pd.DataFrame:
    """One row per PT job of the PT table `pt`: dataset, pt_job."""
    return pt[["dataset", "pt_job"]].drop_duplicates(ignore_index=True)


def ft_table(section: dict) -> pd.DataFrame:
    """One row per FT run: the PT keys, gamma_ft, n, pt_id, pt_job, ft_id, and ft_job (the job that runs it,
    "<dataset>-seed<seed>-<part>").

    The FT runs of one seed, checkpoint by checkpoint and by n, are dealt round robin into `ft_jobs_per_seed` jobs
    of similar cost.
    """
    ft = ft_grid(section).merge(pt_table(section), on=pt_keys(section))
    ft["ft_id"] = [grid.run_id({"pt_id": r["pt_id"], "c_pt": r["c_pt"], "gamma_ft": r["gamma_ft"], "n": r["n"],
                                "settings": settings(section, "ft")}) for r in ft.to_dict("records")]
    ft = ft.sort_values(["dataset", "seed", "pt_id", "n", "c_pt", "gamma_ft"], ignore_index=True)
    part = ft.groupby(["dataset", "seed"]).cumcount() % section["ft_jobs_per_seed"]
    return ft.assign(ft_job=ft["dataset"] + "-seed" + ft["seed"].astype(str) + "-" + part.astype(str))


def ft_jobs(ft: pd.DataFrame) -> pd.DataFrame:
    """One row per FT job of the FT table `ft`: dataset, ft_job, pt_ids, the PT checkpoints its runs start from (in
    the order the job runs them), and pt_jobs, the PT job that made each of them."""
    pairs = ft[["dataset", "ft_job", "pt_id", "pt_job"]].drop_duplicates()
    return pairs.groupby(["dataset", "ft_job"], sort=False).agg(pt_ids=("pt_id", list), pt_jobs=("pt_job", list)
                                                                ).reset_index()


def data_root(section: dict, dataset: str) -> str:
    """The folder holding (or receiving) a dataset's original archives."""
    return section["datasets"][dataset].get("path") or f"resources/vision/{dataset}/raw"


# One run after another in each job, each run resumable on its own; the probe is fit to its optimum.
DESIGN = Design(arm="vision", axes=AXES, pt_table=pt_table, ft_table=ft_table, settings=settings,
                order={"pt": ["seed", "pt_id"], "ft": ["pt_id", "n", "c_pt", "gamma_ft"]}, batching="sequential",
                resume="per_run", probe="fitted_optimum")
