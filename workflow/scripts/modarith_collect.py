"""All FT (and PT) job tables as one tidy table each, checked against the run tables (nothing silently lost)."""

import pandas as pd

from ptft import io
from ptft.deep.results import gather
from ptft.modarith import results
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    # steps_to_generalise is read here from the histories, so editing generalise_acc reruns no training job.
    pt_evals = pd.concat(map(pd.read_csv, inp.pt_evals))
    ft_evals = pd.concat(map(pd.read_csv, inp.ft_evals))
    pt = results.with_steps_to_generalise(gather(inp.pt, p.pt_ids, key="pt_id", what="modarith PT runs"), pt_evals,
                                          "pt_id", p.generalise_acc)
    ft = results.with_steps_to_generalise(gather(inp.ft, p.ft_ids, key="ft_id", what="modarith FT runs"), ft_evals,
                                          "ft_id", p.generalise_acc)
    # One row per PT run and operation, every run present; the evaluation history may be empty for a run that
    # stopped before its first evaluation (stop_early), so it is only concatenated.
    ops = gather(inp.pt_ops, p.pt_ops, key=["pt_id", "op"], what="modarith PT per-operation accuracies")
    io.write_csv(out.finetune, results.tidy_finetune(ft, pt, ops))
    io.write_csv(out.pretrain, pt)
    io.write_csv(out.pretrain_ops, results.with_pt_keys(ops, pt))
    io.write_csv(out.pretrain_evals, results.with_pt_keys(pt_evals, pt))
    prov.update(seeds=sorted(int(s) for s in ft["seed"].unique()), data_source="generated")
