"""results/plan.md: the cost plan of this run's config (ptft plan), from the benchmarks' unit costs."""

from ptft import io, plan
from ptft.arms import PLAN_ROWS
from ptft.provenance import tracked

with tracked(snakemake, data_source="generated"):
    costs = plan.load_costs(snakemake.input.costs)
    io.write_text(snakemake.output[0], plan.to_markdown(plan.plan(snakemake.config, costs, PLAN_ROWS), costs))
