"""FT test accuracy vs FT train fraction per knob sweep (probe baseline dashed); steps to generalise; PT grokking."""

import pandas as pd

from ptft.collect import read_checked
from ptft.deep.runs import sweep_rows
from ptft.modarith import figures
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    p, out = snakemake.params, snakemake.output
    ft = read_checked(snakemake.input.finetune, p.ft_ids, key="ft_id")
    long = sweep_rows(ft, dict(p.base), dict(p.sweeps))
    for i, name in enumerate(p.sweeps):  # out.acc is expand(sweep, ext=[pdf, png]): two paths per sweep
        figures.save(figures.acc_vs_frac(long, name, list(p.families)), out.acc[2 * i : 2 * i + 2], note=p.note)
    figures.save(figures.steps_vs_knob(long, p.generalise_acc, list(p.families)), list(out.steps), note=p.note)
    evals = pd.read_csv(snakemake.input.pretrain_evals)
    figures.save(figures.pt_grokking(evals, dict(p.base), p.pt_train_frac), list(out.grokking), note=p.note)
    prov.update(seeds=sorted(int(s) for s in ft["seed"].unique()), data_source="generated")
