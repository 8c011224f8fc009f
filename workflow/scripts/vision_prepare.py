"""Parse the verified archives (or draw the synthetic stand-in) once into uint8 tensors."""

from ptft import io
from ptft.provenance import tracked
from ptft.vision import data

with tracked(snakemake) as prov:
    info = io.read_json(snakemake.input[0])
    prepared = data.prepare(snakemake.wildcards.dataset, info, synthetic=dict(snakemake.params.synthetic),
                            test_per_class=snakemake.params.test_per_class)
    prov["data_source"] = prepared["data_source"]
    prov["seeds"] = [snakemake.params.synthetic["seed"]] if prepared["data_source"] != "real" else []
    io.save_torch(snakemake.output[0], prepared)
