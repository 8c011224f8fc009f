"""One row per final output: where its numbers come from (rule, data source, commit, seeds, inputs); CSV + HTML."""

from ptft import io
from ptft.audit import index_html, index_table
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    table = index_table(list(snakemake.input))
    io.write_csv(snakemake.output.csv, table)
    io.write_text(snakemake.output.html, index_html(table))
