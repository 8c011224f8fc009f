"""Reproduction scorecard: every claim of the paper with its verdict and numbers, from the enabled arms' tables."""

import pandas as pd

from ptft import collect, io, plotting, report, scorecard, scorecard_figure
from ptft.arms import CLAIMS
from ptft.dln.analysis import FINITE_SIZE_KEY, finite_size_keys
from ptft.provenance import input_source, tracked

with tracked(snakemake, data_source="generated"):
    checked, keys, inputs = snakemake.params.run_ids, snakemake.params.id_columns, dict(snakemake.input.items())
    finite_size = inputs.pop("dln_finite_size", None)
    tables = {name: collect.read_checked(path, checked[name], key=keys.get(name, "run_id"))
              for name, path in inputs.items()}
    if finite_size:  # its rows are those of the (checked) points it was made from
        points = pd.concat([tables[n] for n in ("dln_simulations", "dln_minimiser") if n in tables])
        tables["dln_finite_size"] = collect.read_checked(finite_size, finite_size_keys(points), key=FINITE_SIZE_KEY)
    sources = {name: input_source(path) for name, path in snakemake.input.items()}
    card = scorecard.evaluate(tables, CLAIMS, sources)
    io.write_csv(snakemake.output.csv, card)
    io.write_text(snakemake.output.md, scorecard.to_markdown(card))
    io.write_text(snakemake.output.html, scorecard.to_html(card))
    plotting.save(scorecard_figure.figure(card), snakemake.output.figure,
                  data_source=scorecard_figure.data_source(card), note=scorecard_figure.NOTE)
    needs = {claim.id: claim.needs for claim in CLAIMS}
    links = report.claim_links(card, needs, dict(snakemake.params.report_items))
    io.write_text(snakemake.output.landing, report.landing(card, links))
    print(scorecard.headline(card))
    print(card[["claim_id", "kind", "verdict_holm", "verdict", "effect", "ci_low", "ci_high", "unit", "n_seeds"]]
          .to_string(index=False))
