"""ENSD per layer (FT start vs fine-tuned) vs n for each value of the chosen sweep's knob, and its table."""

import pandas as pd

from ptft import plotting
from ptft.provenance import tracked
from ptft.tables import write_table
from ptft.vision import figures, results, runs

with tracked(snakemake) as prov:
    section, out = snakemake.params.section, snakemake.output
    sweep = section["ensd"]["sweep"]
    df = runs.sweep_rows(pd.read_csv(snakemake.input.ensd), section, sweep)
    knob = runs.sweep_knob(section, sweep)
    stats = figures.summary(df, ["dataset", "layer", knob, "n"], "ensd")
    source = results.data_source(df)
    write_table(stats.assign(data_source=source), out.table, caption=f"ENSD per layer, sweep {sweep}",
                note=results.source_note(df))
    plotting.save(figures.ensd_vs_n(stats, knob, section["ensd"]["layers"]), [out.pdf, out.png],
                  data_source=source, note=results.scale_note(section))
    results.warn_if_synthetic(df, "results/vision ENSD")
    prov.update(seeds=sorted(set(df["seed"])), data_source=source)
