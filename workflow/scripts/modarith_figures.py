"""FT test accuracy vs FT train fraction per knob sweep with the claims' paired effects; steps to generalise; PT
grokking."""

import pandas as pd

from ptft import plotting
from ptft.collect import read_checked
from ptft.deep.figures import INTERVALS
from ptft.deep.runs import sweep_rows
from ptft.modarith import figures
from ptft.provenance import tracked

with tracked(snakemake) as prov:
    p, out = snakemake.params, snakemake.output
    ft = read_checked(snakemake.input.finetune, p.ft_ids, key="ft_id")
    long = sweep_rows(ft, dict(p.base), dict(p.sweeps))
    seeds = plotting.seeds(ft["seed"])
    for i, name in enumerate(p.sweeps):  # out.acc is expand(sweep, ext=[pdf, png]): two paths per sweep
        fig, notes = figures.acc_vs_frac(long, name, list(p.families))
        figures.save(fig, out.acc[2 * i : 2 * i + 2], note=plotting.footer(seeds, INTERVALS, *notes, p.note))
    fig, notes = figures.steps_vs_knob(long, p.generalise_acc, list(p.families))
    figures.save(fig, list(out.steps), note=plotting.footer(seeds, "bars: mean ± Student-t 95% CI over the runs that "
                                                            "reached it, dots: runs", *notes, p.note))
    evals = pd.read_csv(snakemake.input.pretrain_evals)
    figures.save(figures.pt_grokking(evals, dict(p.base), p.pt_train_frac, 1 / ft["p"].iloc[0]), list(out.grokking),
                 note=plotting.footer(plotting.seeds(evals["seed"]), "band: Student-t 95% CI over seeds, cut at [0, 1]",
                                      p.note))
    prov.update(seeds=sorted(int(s) for s in ft["seed"].unique()), data_source="generated")
