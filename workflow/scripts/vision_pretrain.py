"""One PT job: its PT runs (knob-scaled ResNet-18s trained on their seed's PT classes), one after another; each run
resumes if interrupted, and a finished run is not trained again."""

import json
import shutil
from pathlib import Path

import pandas as pd

from ptft import io
from ptft.deep import device as devices
from ptft.gpu_slots import gpu_slot
from ptft.provenance import sha256, tracked
from ptft.vision import data, steps, train

# The GPU slot comes first, so CUDA starts on this job's own device (a no-op without CUDA or under Slurm).
with tracked(snakemake) as prov, gpu_slot(snakemake.resources.get("gpu", 0)):
    p, out, compute = snakemake.params, snakemake.output, snakemake.config["vision"]["compute"]
    # How the job computes comes from the config, not from params: editing it must rerun nothing (ptft.deep.device).
    runtime = steps.runtime_from(compute, devices.setup(compute, snakemake.threads))
    prepared = data.load_prepared(snakemake.input.data, runtime.device)
    workdir = Path(p.workdir) / sha256(snakemake.input.data)[:12]  # new data never resumes an old checkpoint
    s = p.settings  # what PT reads of the config, all its pt_id changes with (ptft.vision.runs.settings)
    # c_pt is a PT key only where it scales the PT init (policy pt_init); under ft_start the PT init is unscaled.
    states, rows, history = train.pretrain_runs(
        prepared, list(p.members), stem=s["stem"], relative_prefixes=list(s["relative_prefixes"]),
        opt=steps.optim_from(s["pt"]), max_images=s["pt"]["max_images"], runtime=runtime, workdir=workdir)
    train.save_pretrained(out.model, states)
    runs = pd.DataFrame(rows).drop(columns=["pt_classes", "ft_classes"])  # the seed's label split, from its seed
    io.write_csv(out.runs, runs.assign(data_source=prepared["data_source"]))
    io.write_text(out.history, "".join(json.dumps(h) + "\n" for h in history))
    shutil.rmtree(workdir)  # each run's model, now in out.model (45 MB a run at 28 px): kept once, not twice
    prov.update(seeds=sorted(runs["seed"]), device=str(runtime.device), data_source=prepared["data_source"])
