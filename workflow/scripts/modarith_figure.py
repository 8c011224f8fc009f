"""FT test accuracy vs FT train fraction for one sweep with the claims' paired effects (one row per family)."""

from ptft import plotting
from ptft.collect import read_checked
from ptft.deep.figures import INTERVALS
from ptft.deep.runs import sweep_rows
from ptft.modarith import figures
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    p, sweep, out = snakemake.params, snakemake.wildcards.sweep, snakemake.output
    ft = read_checked(snakemake.input[0], p.ft_ids, key="ft_id")
    long = sweep_rows(ft, dict(p.base), dict(p.sweeps))
    fig, notes = figures.acc_vs_frac(long, sweep, list(p.families))
    figures.save(fig, [out.pdf, out.png], note=plotting.footer(plotting.seeds(ft["seed"]), INTERVALS, *notes, p.note))
    prov.update(seeds=sorted(int(s) for s in ft["seed"].unique()), data_source="generated")
