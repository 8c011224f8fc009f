"""Summary tables of the FT runs (mean, 95% CI and n_runs per cell, probe baseline beside) and of the PT runs."""

from ptft.collect import read_checked
from ptft.deep.results import summary
from ptft.deep.runs import sweep_rows
from ptft.modarith import results
from ptft.modarith.claims import PT_ACC
from ptft.modarith.runs import AXES
from ptft.provenance import tracked
from ptft.tables import write_table

BASELINES = ["probe_test_acc", "pt_ft_task_acc", "pt_retained_acc"]

with tracked(snakemake) as prov:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    ops = read_checked(inp.pretrain_ops, p.pt_ops, key=["pt_id", "op"])
    ft = read_checked(inp.finetune, p.ft_ids, key="ft_id")
    long = sweep_rows(ft, dict(p.base), dict(p.sweeps))
    write_table(summary(long, AXES.cell, "test_acc", BASELINES), out.summary,
                caption="FT test accuracy per family, sweep, knob value and FT fraction (mean ± Student-t 95% CI, "
                "n_runs); beside it the means of the linear probe of the frozen PT model (probe_test_acc), the PT "
                "model's own accuracy on the FT task (pt_ft_task_acc) and the PT task's accuracy of the fine-tuned "
                "body read by the PT readout (pt_retained_acc).")
    write_table(summary(long, AXES.cell, "steps_to_generalise"), out.generalise,
                caption="FT steps until test accuracy ≥ generalise_acc (runs that never got there: n_runs − "
                "n_finite).")
    write_table(results.pt_summary(ops, PT_ACC), out.pretrain,
                caption="PT test accuracy on the symmetric-held-out pairs, per PT task, operation and knobs "
                f"(mean ± Student-t 95% CI over seeds, n_runs, worst run, n_below: runs under {PT_ACC:g}).")
    write_table(results.pt_seeds(ops), out.pretrain_seeds,
                caption="PT test accuracy on the symmetric-held-out pairs of every PT run, one column per "
                f"operation (the scorecard's guard counts the reference-knob runs under {PT_ACC:g}).")
    prov.update(seeds=sorted(int(s) for s in ft["seed"].unique()), data_source="generated")
