"""ENSD per layer (FT start vs fine-tuned) vs n for each value of the chosen sweep's knob, and its table."""

from ptft import plotting
from ptft.collect import read_checked
from ptft.deep.results import summary
from ptft.deep.runs import sweep_rows
from ptft.provenance import tracked
from ptft.tables import write_table
from ptft.vision import figures, results, runs

with tracked(snakemake) as prov:
    p, out = snakemake.params, snakemake.output
    (sweep,) = p.sweeps
    ensd = read_checked(snakemake.input.ensd, p.ensd_keys, key=["ft_id", "layer"])
    long = sweep_rows(ensd, dict(p.base), dict(p.sweeps))
    source = results.data_source(long)
    stats = summary(long, [*runs.AXES.cell, "layer"], "ensd")
    write_table(stats.assign(data_source=source), out.table, caption=f"ENSD per layer, sweep {sweep}",
                note=results.source_note(long))
    fig, notes = figures.ensd_vs_n(long, sweep, list(p.layers))
    footer = plotting.footer(f"dataset {', '.join(sorted(long['dataset'].unique()))}", plotting.seeds(long["seed"]),
                             "bars: mean ± Student-t 95% CI over seeds", *notes, p.note)
    plotting.save(fig, [out.pdf, out.png], data_source=source, note=footer)
    results.warn_if_synthetic(long, "results/vision ENSD")
    prov.update(seeds=sorted(set(long["seed"])), data_source=source)
