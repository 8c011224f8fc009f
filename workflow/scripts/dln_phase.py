"""ℓ-order / PT-dependence phase diagrams (theory only)."""

from ptft import io, plotting
from ptft.dln.figures import phase_figure
from ptft.dln.phase import phase_table
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated") as prov:
    table = phase_table(snakemake.params.phase)
    io.write_csv(snakemake.output.data, table)
    plotting.save(phase_figure(table, snakemake.params.phase), snakemake.output.figure, data_source="generated",
                  note="theory (Theorem 4.1), no seeds")
