"""Reproduction scorecard: every claim of the paper with its verdict and numbers, from the enabled arms' tables."""

import pandas as pd

from ptft import collect, io, scorecard
from ptft.provenance import input_source, tracked

with tracked(snakemake, data_source="generated"):
    checked, keys = snakemake.params.run_ids, snakemake.params.id_columns
    tables = {name: collect.read_checked(path, checked[name], key=keys.get(name, "run_id")) if name in checked
              else pd.read_csv(path) for name, path in snakemake.input.items()}
    sources = {name: input_source(path) for name, path in snakemake.input.items()}
    card = scorecard.evaluate(tables, sources)
    io.write_csv(snakemake.output.csv, card)
    io.write_text(snakemake.output.md, scorecard.to_markdown(card))
    io.write_text(snakemake.output.html, scorecard.to_html(card))
    print(card[["claim_id", "verdict", "effect", "ci_low", "ci_high", "n_seeds"]].to_string(index=False))
