# ptft: the paper's figures and tables as one DAG. This file is the table of contents; rules live in workflow/rules/.
from snakemake.utils import min_version

from ptft.config import check_yaml

min_version("9.0")

# A YAML mistake is named here with file:line:column (Snakemake's own message names neither). A --configfile that is
# not YAML at all is refused by Snakemake before this file is read: docs/running.md, "Configuration and its checks".
check_yaml(f"{workflow.basedir}/config/config.yaml", *workflow.overwrite_configfiles)


# The default config beside this file, so a run in its own folder (--directory) finds it too.
configfile: f"{workflow.basedir}/config/config.yaml"


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
