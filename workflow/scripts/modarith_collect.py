"""All FT (and PT) job tables as one tidy table each, checked against the run tables (nothing silently lost)."""

import pandas as pd

from ptft import io
from ptft.collect import check_complete
from ptft.modarith import figures
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    pt = pd.concat([pd.read_csv(f) for f in inp.pt], ignore_index=True)
    ft = pd.concat([pd.read_csv(f) for f in inp.ft], ignore_index=True)
    check_complete(pt, pd.DataFrame({"pt_run_id": p.pt_run_ids}), key="pt_run_id", what="PT runs")
    check_complete(ft, pd.DataFrame({"run_id": p.ft_run_ids}), what="FT runs")
    io.write_csv(out.finetune, figures.tidy_finetune(ft, pt))
    io.write_csv(out.pretrain, pt)
    io.write_csv(out.pretrain_ops, figures.with_pt_keys(pd.concat(map(pd.read_csv, inp.pt_ops)), pt))
    evals = pd.concat(map(pd.read_csv, inp.pt_evals)).rename(columns={"run_id": "pt_run_id"})
    io.write_csv(out.pretrain_evals, figures.with_pt_keys(evals, pt))
    prov.update(seeds=sorted(int(s) for s in ft["seed"].unique()), data_source="generated")
