"""Every FT job's results checked against the run table: results/vision/{finetune,ensd,pretrain}.csv + run status."""

from ptft import io
from ptft.deep.results import gather, summary
from ptft.provenance import tracked
from ptft.tables import write_table
from ptft.vision import results

with tracked(snakemake) as prov:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output
    finetune = results.finetune_table(gather(inp.runs, p.ft_ids, key="ft_id", what="vision FT runs"))
    ensd = results.ensd_table(finetune, gather(inp.ensd, p.ensd_keys, key=["ft_id", "layer"],
                                               what="vision ENSD rows (FT run, layer)"))
    pretrain = gather(inp.pt, p.pt_ids, key="pt_id", what="vision PT runs")
    pretrain = pretrain.sort_values(["dataset", "seed", "alpha_rel", "pt_id"], ignore_index=True)
    io.write_csv(out.finetune, finetune)
    io.write_csv(out.ensd, ensd)
    io.write_csv(out.pretrain, pretrain)
    status = summary(finetune, results.KEYS).assign(data_source=results.data_source(finetune))
    write_table(status, out.status, caption="Vision FT runs per cell", note=results.source_note(finetune))
    prov.update(seeds=sorted(set(finetune["seed"])), data_source=results.data_source(finetune))
