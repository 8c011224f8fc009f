"""Images/s of a ResNet-18 training step through the pipeline's data path vs the bare model step.

Pipeline: ptft.vision.steps.make_epoch_fn over uint8 images resident on the device (seeded shuffle, per-batch
normalisation, optional channels_last / bf16). Bare: forward + backward + SGD step on pre-normalised float
tensors sliced in order. Same model, optimiser, batch and device; the two alternate for `--repeats` rounds and
the best round of each counts. Target ratio pipeline / bare >= 0.9.

  .venv/bin/python bench/vision_step.py --image-size 16 --batch 128 --steps 8 --threads 1
  .venv/bin/python bench/vision_step.py --in-channels 1 --image-size 28 --batch 10 --steps 8   # default FT, MNIST
  .venv/bin/python bench/vision_step.py --device cuda --image-size 32 --steps 50 --bf16 --channels-last
"""

import argparse
import json
import time

import torch
import torch.nn.functional as F

from ptft.deep.device import pick
from ptft.vision import model as resnet
from ptft.vision import steps


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def bare_epoch(model, opt, x_float, y, batch, runtime):
    model.train()
    for i in range(0, len(x_float), batch):
        with steps.autocast(runtime):
            loss = F.cross_entropy(model(x_float[i:i + batch]), y[i:i + batch])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return loss.item()


def timed(fn, device):
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


def add_setup_arguments(ap, **defaults) -> None:
    """The options `setup` reads, with these scripts' defaults unless `defaults` overrides them."""
    d = {"device": "auto", "image_size": 16, "batch": 128, "steps": 8, "threads": 1} | defaults
    ap.add_argument("--device", default=d["device"])
    ap.add_argument("--image-size", type=int, default=d["image_size"])
    ap.add_argument("--in-channels", type=int, default=3, help="1: MNIST's grey images (1-channel conv1)")
    ap.add_argument("--batch", type=int, default=d["batch"])
    ap.add_argument("--steps", type=int, default=d["steps"], help="steps per epoch")
    ap.add_argument("--threads", type=int, default=d["threads"])
    ap.add_argument("--stem", default="imagenet", choices=["imagenet", "cifar"])
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--bf16", action="store_true")


def setup(args):
    """The runtime, `args.batch × args.steps` random uint8 images with labels on its device, and the ResNet-18
    (bench/gpu_packing.py builds its jobs with this too)."""
    torch.set_num_threads(args.threads)
    runtime = steps.runtime_from({"channels_last": args.channels_last, "bf16": args.bf16, "eval_batch": 512,
                                  "checkpoint_every": 1}, pick(args.device))
    n = args.batch * args.steps
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (n, args.in_channels, args.image_size, args.image_size), dtype=torch.uint8,
                      generator=g).to(runtime.device)
    y = torch.randint(0, 98, (n,), generator=g).to(runtime.device)
    model = steps.prepare_model(resnet.build(98, stem=args.stem, seed=0, in_channels=args.in_channels), runtime)
    return runtime, x, y, model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_setup_arguments(ap)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--compile", action="store_true", help="torch.compile the model (both paths)")
    ap.add_argument("--label", default="")
    args = ap.parse_args(argv)
    runtime, x, y, model = setup(args)
    dev, n = runtime.device, len(x)
    x_float = steps.to_input(x, runtime)
    net = torch.compile(model) if args.compile else model
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    pipeline = steps.make_epoch_fn(x, y, batch_size=args.batch, seed=0, purpose="bench", runtime=runtime)
    pipeline(net, opt, 0)  # warm-up (and compilation)
    bare_epoch(net, opt, x_float, y, args.batch, runtime)
    best = {"pipeline": float("inf"), "bare": float("inf")}
    for r in range(args.repeats):
        best["pipeline"] = min(best["pipeline"], timed(lambda: pipeline(net, opt, r + 1), dev))
        best["bare"] = min(best["bare"], timed(lambda: bare_epoch(net, opt, x_float, y, args.batch, runtime), dev))
    result = {"label": args.label, "device": str(dev), "image_size": args.image_size, "in_channels": args.in_channels,
              "batch": args.batch,
              "threads": args.threads, "channels_last": args.channels_last, "bf16": args.bf16, "compile": args.compile,
              "pipeline_img_s": round(n / best["pipeline"], 1), "bare_img_s": round(n / best["bare"], 1),
              "ratio": round(best["bare"] / best["pipeline"], 3)}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
