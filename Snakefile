# ptft: the paper's figures and tables as one DAG. This file is the table of contents; rules live in workflow/rules/.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/dln.smk"
include: "workflow/rules/replica.smk"
include: "workflow/rules/vision.smk"
include: "workflow/rules/modarith.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),
