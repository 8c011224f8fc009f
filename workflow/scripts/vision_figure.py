"""FT test accuracy vs n for one sweep with the claims' paired effects (one row per dataset), and its table."""

from ptft import plotting
from ptft.collect import read_checked
from ptft.deep.figures import INTERVALS
from ptft.deep.results import summary
from ptft.deep.runs import sweep_rows
from ptft.provenance import tracked
from ptft.tables import write_table
from ptft.vision import figures, results, runs

with tracked(snakemake) as prov:
    p, sweep, out = snakemake.params, snakemake.wildcards.sweep, snakemake.output
    long = sweep_rows(read_checked(snakemake.input[0], p.ft_ids, key="ft_id"), dict(p.base), dict(p.sweeps))
    source = results.data_source(long)
    stats = summary(long, runs.AXES.cell, "test_acc", ["probe_test_acc"])
    write_table(stats.assign(data_source=source), out.table, caption=f"FT test accuracy, sweep {sweep}",
                note=results.source_note(long))
    fig, notes = figures.accuracy_vs_n(long, sweep)
    footer = plotting.footer(f"dataset {', '.join(sorted(long['dataset'].unique()))}", plotting.seeds(long["seed"]),
                             INTERVALS, *notes, p.note)
    plotting.save(fig, [out.pdf, out.png], data_source=source, note=footer)
    results.warn_if_synthetic(long, f"results/vision sweep {sweep}")
    prov.update(seeds=sorted(set(long["seed"])), data_source=source)
