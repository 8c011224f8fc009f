"""Single-task replica limit (K ≡ 4c²) for the λ-independence check."""

from ptft import io
from ptft.dln.analysis import single_task_curves
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    p = snakemake.params
    io.write_csv(snakemake.output[0], single_task_curves(p.c_pt, p.rho, p.alpha))
