"""Every FT job's results checked against the run table: results/vision/{finetune,ensd,pretrain}.csv + run status."""

import pandas as pd

from ptft import io
from ptft.collect import check_complete
from ptft.deep.results import gather, summary
from ptft.provenance import tracked
from ptft.tables import write_table
from ptft.vision import results

with tracked(snakemake) as prov:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    finetune = results.finetune_table(gather(inp.runs, p.ft_ids, key="ft_id", what="vision FT runs"))
    ensd = results.ensd_table(finetune, gather(inp.ensd, p.ensd_keys, key=["ft_id", "layer"],
                                               what="vision ENSD rows (FT run, layer)"))
    pretrain = pd.DataFrame([io.read_json(path) for path in inp.pt]).drop(columns=["ft_classes", "pt_classes"])
    check_complete(pretrain, pd.DataFrame({"pt_id": p.pt_ids}), key="pt_id", what="vision PT runs")
    io.write_csv(out.finetune, finetune)
    io.write_csv(out.ensd, ensd)
    io.write_csv(out.pretrain, pretrain)
    status = summary(finetune, results.KEYS).assign(data_source=results.data_source(finetune))
    write_table(status, out.status, caption="Vision FT runs per cell", note=results.source_note(finetune))
    prov.update(seeds=sorted(set(finetune["seed"])), data_source=results.data_source(finetune))
