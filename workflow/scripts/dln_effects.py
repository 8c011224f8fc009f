"""What the DLN knob claims decide, per α: λ and c_pt effects on the error, paired within seed; figure and table."""

from ptft import collect, plotting, tables
from ptft.dln.effects import all_effects
from ptft.dln.figures import effects_figure
from ptft.provenance import tracked
from ptft.stats import METHOD

with tracked(snakemake, data_source="generated") as prov:
    # As the claims: the minimiser points at their larger D where they exist, else the GD runs' own argmin.
    name, ids = ("minimiser", snakemake.params.minimiser_ids) if "minimiser" in snakemake.input.keys() else (
        "simulations", snakemake.params.gd_ids)
    points = collect.read_checked(snakemake.input[name], ids, columns=["mse_argmin", "seed"])
    effects = all_effects(points)
    tables.write_table(effects, snakemake.output.table,
                       caption=f"Knob effects on the error of the Theorem 4.1 minimiser ({name}), per α: value minus "
                               f"reference within seed, 95% CI ({METHOD}), n_seeds.")
    plotting.save(effects_figure(effects), snakemake.output.figure, data_source="generated",
                  note=plotting.footer(f"{name} at D = {int(points['dim'].iloc[0])}", plotting.seeds(points["seed"]),
                                       f"bars: 95% CI, {METHOD}", "Δ > 0: the moved knob raises the error"))
    prov["seeds"] = sorted(int(s) for s in points["seed"].unique())
