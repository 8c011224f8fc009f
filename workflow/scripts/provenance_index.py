"""One row per final output: where its numbers come from (rule, data source, commit, seeds, inputs)."""

from ptft import io
from ptft.audit import index_table
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    io.write_csv(snakemake.output[0], index_table(list(snakemake.input)))
