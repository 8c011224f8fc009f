"""Several ResNet-18 training jobs on one GPU: does the GPU take more images/s in all than one job alone?

A ResNet-18 step at batch 128 and 32 px is too small to fill a large GPU (launches and small kernels bound it), so
jobs sharing a device might add up. Each of `--jobs` processes builds the model and data as bench/vision_step.py
does (the pipeline's epoch function, GPU-resident uint8 images), warms up, waits for a common start time, then trains
for `--seconds`, counting images; the aggregate is all images over the common window.

    python bench/gpu_packing.py --jobs 1 2 4 --seconds 20      # prints one JSON line per job count, then a table
"""

import argparse
import json
import subprocess
import sys
import time

import torch
from vision_step import add_setup_arguments, setup  # beside this script


def worker(args) -> None:
    from ptft.vision import steps

    runtime, x, y, model = setup(args)
    n = len(x)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    epoch = steps.make_epoch_fn(x, y, batch_size=args.batch, seed=0, purpose="bench", runtime=runtime)
    epoch(model, opt, 0)  # warm-up: cuDNN autotuning, allocator; returns a Python float: synchronised
    time.sleep(max(0.0, args.start_at - time.time()))
    start, images, e = time.time(), 0, 1
    while time.time() < args.start_at + args.seconds:
        epoch(model, opt, e)  # synchronised likewise
        images, e = images + n, e + 1
    print(json.dumps({"start": start, "end": time.time(), "images": images}))


def run(args, jobs: int) -> dict:
    start_at = time.time() + args.startup_s
    cmd = [sys.executable, __file__, "--worker", "--start-at", str(start_at), "--seconds", str(args.seconds),
           "--batch", str(args.batch), "--steps", str(args.steps), "--image-size", str(args.image_size),
           "--threads", str(args.threads), "--device", args.device, "--in-channels", str(args.in_channels),
           "--stem", args.stem] + \
        (["--channels-last"] if args.channels_last else []) + (["--bf16"] if args.bf16 else [])
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(jobs)]
    rows = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    late = max(r["start"] for r in rows) - start_at  # > 0: a job was still warming up at the common start
    window = max(r["end"] for r in rows) - start_at
    total = sum(r["images"] for r in rows)
    return {"jobs": jobs, "img_s_total": round(total / window, 1), "img_s_per_job": round(total / window / jobs, 1),
            "window_s": round(window, 2), "late_start_s": round(late, 2)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--startup-s", type=float, default=25.0, help="time every job gets to start and warm up")
    add_setup_arguments(ap, device="cuda", image_size=32, steps=20, threads=2)  # one device sync per epoch
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    rows = []
    for jobs in args.jobs:
        rows.append(run(args, jobs))
        print(json.dumps(rows[-1]), flush=True)
    base = rows[0]["img_s_total"] / rows[0]["jobs"]
    for r in rows:
        print(f"{r['jobs']} job(s): {r['img_s_total']:9.1f} img/s in all, {r['img_s_total'] / base:4.2f}× one job "
              f"alone (late start {r['late_start_s']} s)")


if __name__ == "__main__":
    main()
