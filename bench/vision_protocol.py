"""Search for a vision protocol where fine-tuning beats its linear probe: per candidate PT setting and seed, one PT
run and the FT runs at the reference knobs (α_rel = c_pt = γ_ft = 1) for each n, scored on the held-out images
(ptft.vision.tasks.held_out). Writes one JSON line per FT run (FT and probe accuracy, CPU seconds of the PT run and
of the FT run) and prints FT − probe per n and pooled over n, paired within seed, with its Student-t interval.

CPU seconds are this process's time (time.process_time, 1 torch thread), not wall time: other work on the machine
inflates wall time but barely the process's own CPU time.

    .venv/bin/python bench/vision_protocol.py --seeds 0 1 2 3 --n 10 20 40 80 160 --pt-images 800 --out bench/out/x.jsonl
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

from ptft import config
from ptft.stats import paired_effect
from ptft.vision import data as vdata
from ptft.vision import steps, train

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_RUN = {"c_pt": 1.0, "gamma_ft": 1.0}


def mnist(section: dict) -> dict:
    ds = section["datasets"]["mnist"]
    info = vdata.obtain("mnist", source="package", root=ROOT / "resources/vision/mnist/raw", allow_synthetic=False)
    return vdata.prepare("mnist", info, synthetic=section["synthetic"], test_per_class=ds["test_per_class"])


def one_seed(prepared: dict, section: dict, seed: int, args, work: Path) -> list[dict]:
    runtime = steps.Runtime(device=torch.device("cpu"), eval_batch=512, checkpoint_every=1000)
    pt_cfg = {**section["pt"], "max_images": args.pt_images, "max_epochs": args.pt_epochs}
    ft_cfg = {**section["ft"], "max_epochs": args.ft_epochs, "lr": args.ft_lr}
    t0 = time.process_time()
    model, metrics = train.pretrain(prepared, seed=seed, alpha_rel=1.0, c_pt=1.0, stem=section["stem"],
                                    relative_prefixes=[], opt=steps.optim_from(pt_cfg), max_images=args.pt_images,
                                    runtime=runtime, workdir=work / f"pt{seed}")
    pt_cpu = time.process_time() - t0
    rows = []
    for n in args.n:
        run = {"ft_id": f"s{seed}n{n}", "n": n, **REFERENCE_RUN}
        t0 = time.process_time()
        (row,), _ = train.finetune(prepared, model.state_dict(), [run], seed=seed, stem=section["stem"],
                                   opt=steps.optim_from(ft_cfg), policies=ft_policies(section),
                                   ensd=section["ensd"], runtime=runtime, workdir=work / "ft",
                                   eval_images="held_out", n_grid=args.n)
        rows.append({"seed": seed, "n": n, "test_acc": row["test_acc"], "probe_test_acc": row["probe_test_acc"],
                     "n_test": row["n_test"], "epochs": row["epochs"], "ft_cpu_s": time.process_time() - t0,
                     "pt_cpu_s": pt_cpu, "pt_test_acc": metrics["pt_test_acc"], "pt_epochs": metrics["epochs"]})
    return rows


def ft_policies(section: dict) -> dict:
    """The FT-time knob policies an FT job reads."""
    return {k: section["policies"][k] for k in ("c_pt", "gamma_ft")}


def report(df: pd.DataFrame) -> str:
    d = df.assign(diff=df["test_acc"] - df["probe_test_acc"])
    lines = []
    for n, g in d.groupby("n"):
        e = paired_effect(g.set_index("seed")["diff"].to_numpy())
        lines.append(f"n = {n}: FT {g.test_acc.mean():.3f}, probe {g.probe_test_acc.mean():.3f}, FT − probe "
                     f"{e.describe()}; FT CPU-s per run {g.ft_cpu_s.mean():.1f}")
    pooled = paired_effect(d.groupby("seed")["diff"].mean().to_numpy())
    lines.append(f"pooled over n: FT − probe {pooled.describe()}; PT CPU-s per run {d.groupby('seed').pt_cpu_s.first().mean():.1f}, "
                 f"PT test acc {d.groupby('seed').pt_test_acc.first().mean():.3f}; n_test {d.n_test.min()}–{d.n_test.max()}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--n", type=int, nargs="+", default=[10, 20, 40, 80, 160])
    parser.add_argument("--pt-images", type=int, default=None, help="PT images (default: all 3,200)")
    parser.add_argument("--pt-epochs", type=int, default=2)
    parser.add_argument("--ft-epochs", type=int, default=30)
    parser.add_argument("--ft-lr", type=float, default=0.01)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    section = config.load(ROOT / "config/config.yaml")["vision"]
    prepared = mnist(section)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            rows += one_seed(prepared, section, seed, args, Path(tmp))
            print(f"seed {seed} done", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write(json.dumps({"settings": {k: str(v) for k, v in vars(args).items()}}) + "\n")
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    print(report(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
