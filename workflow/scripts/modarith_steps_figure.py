"""FT steps until test accuracy first reaches generalise_acc, vs each sweep's knob (one panel per family and sweep)."""

from ptft import plotting
from ptft.collect import read_checked
from ptft.deep.runs import sweep_rows
from ptft.modarith import figures
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    p = snakemake.params
    ft = read_checked(snakemake.input[0], p.ft_ids, key="ft_id")
    long = sweep_rows(ft, dict(p.base), dict(p.sweeps))
    fig, notes = figures.steps_vs_knob(long, p.generalise_acc, list(p.families))
    figures.save(fig, list(snakemake.output), note=plotting.footer(
        plotting.seeds(ft["seed"]), "bars: mean ± Student-t 95% CI over the runs that reached it, dots: runs", *notes,
        p.note))
    prov.update(seeds=sorted(int(s) for s in ft["seed"].unique()), data_source="generated")
