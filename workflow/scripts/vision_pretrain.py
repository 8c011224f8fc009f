"""One pretraining run: knob-scaled ResNet-18 trained on the seed's PT classes (resumes if interrupted)."""

from pathlib import Path

from ptft import io
from ptft.deep import device as devices
from ptft.gpu_slots import gpu_slot
from ptft.provenance import sha256, tracked
from ptft.vision import data, train

# The GPU slot comes first, so CUDA starts on this job's own device (a no-op without CUDA or under Slurm).
with tracked(snakemake) as prov, gpu_slot(snakemake.resources.get("gpu", 0)):
    p, out, compute = snakemake.params, snakemake.output, snakemake.config["vision"]["compute"]
    # How the job computes comes from the config, not from params: editing it must rerun nothing (ptft.deep.device).
    runtime = train.runtime_from(compute, devices.setup(compute, snakemake.threads))
    prepared = data.load_prepared(snakemake.input.data, runtime.device)
    workdir = Path(p.workdir) / sha256(snakemake.input.data)[:12]  # new data never resumes an old checkpoint
    (run,) = p.members  # one PT run per job (ptft.vision.runs.DESIGN)
    # c_pt is a PT key only where it scales the PT init (policy pt_init); under ft_start the PT init is unscaled.
    s = p.settings  # what PT reads of the config, all its pt_id changes with (ptft.vision.runs.settings)
    model, metrics = train.pretrain(prepared, seed=run["seed"], alpha_rel=run["alpha_rel"],
                                    c_pt=run.get("c_pt", 1.0), stem=s["stem"],
                                    relative_prefixes=list(s["relative_prefixes"]), opt=train.optim_from(s["pt"]),
                                    max_images=s["pt"]["max_images"], runtime=runtime, workdir=workdir)
    train.save_pretrained(out.model, model, metrics)
    io.write_json(out.metrics, {**run, **metrics, "data_source": prepared["data_source"]})
    io.write_text(out.history, (workdir / "history.jsonl").read_text())
    (workdir / "checkpoint.pt").unlink()  # 2 × model size; model.pt holds the result
    prov.update(seeds=[run["seed"]], device=str(runtime.device), data_source=prepared["data_source"])
