"""Join every FT job's results with the run table: results/vision/{finetune,ensd,pretrain}.csv + run status."""

import pandas as pd

from ptft import io
from ptft.provenance import tracked
from ptft.tables import write_table
from ptft.vision import figures, results

with tracked(snakemake) as prov:
    section, inp, out = snakemake.params.section, snakemake.input, snakemake.output
    finetune = results.finetune_table(section, pd.concat(map(pd.read_csv, inp.runs), ignore_index=True))
    ensd = results.ensd_table(finetune, pd.concat(map(pd.read_csv, inp.ensd), ignore_index=True))
    pretrain = pd.DataFrame([io.read_json(p) for p in inp.pt]).drop(columns=["ft_classes", "pt_classes"])
    io.write_csv(out.finetune, finetune)
    io.write_csv(out.ensd, ensd)
    io.write_csv(out.pretrain, pretrain)
    status = figures.summary(finetune, results.KEYS).assign(data_source=results.data_source(finetune))
    write_table(status, out.status, caption="Vision FT runs per cell", note=results.source_note(finetune))
    prov.update(seeds=sorted(set(finetune["seed"])), data_source=results.data_source(finetune))
