"""FT test accuracy vs n for one sweep (one panel per dataset), and its table with n per cell."""

import pandas as pd

from ptft import plotting
from ptft.provenance import tracked
from ptft.tables import write_table
from ptft.vision import figures, results, runs

with tracked(snakemake) as prov:
    section, sweep, out = snakemake.params.section, snakemake.wildcards.sweep, snakemake.output
    df = runs.sweep_rows(pd.read_csv(snakemake.input[0]), section, sweep)
    knob = runs.sweep_knob(section, sweep)
    stats = figures.summary(df, ["dataset", knob, "n"], "test_acc")
    source = results.data_source(df)
    write_table(stats.assign(data_source=source), out.table, caption=f"FT test accuracy, sweep {sweep}",
                note=results.source_note(df))
    base = df[df["alpha_rel"] == section["base"]["alpha_rel"]]  # the probe reads the PT checkpoint at base α
    probe = figures.summary(base, ["dataset", "n"], "probe_acc")
    plotting.save(figures.accuracy_vs_n(stats, knob, probe), [out.pdf, out.png], data_source=source,
                  note=results.scale_note(section))
    results.warn_if_synthetic(df, f"results/vision sweep {sweep}")
    prov.update(seeds=sorted(set(df["seed"])), data_source=source)
