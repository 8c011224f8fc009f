"""Steps/s of E modarith members trained as one vmapped ensemble vs the same E runs one after another.

    .venv/bin/python bench/modarith_step.py [--config config/config.yaml] [--members 14] [--steps 30]
        [--part pt_train|ft_train] [--device auto] [--threads 1]

p, the model and the PT fraction come from the config's `modarith` section (FT: its largest ft_train_frac).
Prints member-steps/s of both and their ratio; results: bench/README.md, section "modarith".
"""

import argparse
import tempfile
import time
from pathlib import Path

import torch

from ptft import config, threads
from ptft.deep import device as devices
from ptft.modarith import train

ROOT = Path(__file__).resolve().parents[1]


def member_steps_per_s(section, seeds, part, steps, device) -> float:
    p, frac = section["p"], section["pt_train_frac"]
    task = "add"
    models = [train.pt_member(p, section["model"], seed=s, alpha_rel=1.0, c_pt=1.0,
                              early_prefixes=section["early_layers"]) for s in seeds]
    data = [train.member_data(p, task, s, part=part, pt_train_frac=frac, ft_train_frac=max(section["ft_train_frac"]))
            for s in seeds]
    test = [train.member_data(p, task, s, part="test", pt_train_frac=frac, ft_train_frac=frac) for s in seeds]
    with tempfile.TemporaryDirectory() as work:
        start = time.perf_counter()
        train.train(models, run_ids=[str(s) for s in seeds], train_data=data, test_data=test, steps=steps, lr=1e-3,
                    weight_decay=1.0, betas=(0.9, 0.98), eval_every=steps, stop_loss=1e-3, stop_early=False,
                    workdir=work, device=device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return len(seeds) * steps / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", nargs="+", default=[str(ROOT / "config/config.yaml")])
    ap.add_argument("--members", type=int, default=14)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--part", default="pt_train", choices=["pt_train", "ft_train"])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    threads.pin(args.threads)
    section, device = config.load(*args.config)["modarith"], devices.pick(args.device)
    seeds = list(range(args.members))
    member_steps_per_s(section, seeds[:2], args.part, 3, device)  # warm-up (allocator, first vmap trace)
    batched = member_steps_per_s(section, seeds, args.part, args.steps, device)
    single = args.members / sum(1 / member_steps_per_s(section, [s], args.part, args.steps, device) for s in seeds)
    m = section["model"]
    print(f"p={section['p']} d_model={m['d_model']} part={args.part} members={args.members} device={device} "
          f"threads={args.threads}")
    print(f"one by one: {single:8.1f} member-steps/s")
    print(f"batched   : {batched:8.1f} member-steps/s")
    print(f"ratio     : {batched / single:8.2f}x")


if __name__ == "__main__":
    main()
