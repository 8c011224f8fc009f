"""FT − probe of one modarith family under candidate FT protocols, and per-seed PT accuracy under a PT schedule.

    # pretrain the base members of a PT task (config schedule, keys overridden), states kept in --out:
    .venv/bin/python bench/modarith_protocol.py pt --pt-task add [--set steps=2000 lr_decay_frac=0.33] --out DIR
    # fine-tune one family from those states at the reference knobs, FT keys overridden:
    .venv/bin/python bench/modarith_protocol.py ft --family shared --pt DIR --frac 0.6 [--set steps=1000 lr=1e-2]

Both go through the pipeline's own job functions (ptft.modarith.jobs), one thread, and print the process CPU time
(other work on the machine does not count in it). `ft` prints FT test accuracy, the probe's (the same fresh readout
trained on the frozen body with the same optimizer and steps) and the per-seed FT − probe difference with its
Student-t 95% interval (ptft.stats). Results: bench/README.md, section "modarith protocol search".
"""

import argparse
import tempfile
import time
from pathlib import Path

import torch
import yaml

from ptft import config
from ptft.modarith import jobs, runs
from ptft.stats import paired_effect

ROOT = Path(__file__).resolve().parents[1]


def _value(text: str):
    """A number when it reads as one ("1e-2" too, which YAML 1.1 leaves a string), else YAML."""
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return yaml.safe_load(text)


def _overrides(pairs) -> dict:
    return {k: _value(v) for k, v in (s.split("=", 1) for s in pairs or [])}


def _section(args) -> dict:
    section = config.load(*args.config)["modarith"]
    section["seeds"] = list(range(args.seeds))
    return section


def _base_rows(section: dict, family: str, frac: float):
    section = {**section, "ft_train_frac": [frac], "sweep_families": []}
    pt, ft = runs.pt_table(section), runs.ft_table(section)
    ft = ft[ft["family"] == family]
    return pt[pt["pt_id"].isin(ft["pt_id"])], ft


def pretrain(args) -> None:
    section = _section(args)
    family = next(f for f, spec in section["families"].items() if spec["pt_task"] == args.pt_task)
    pt, _ = _base_rows(section, family, section["ft_train_frac"][0])
    settings = runs.settings(section, "pt", pt["pt_job"].iloc[0])
    settings["pt"].update(_overrides(args.set))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cpu = time.process_time()
    with tempfile.TemporaryDirectory() as work:
        states, status, ops = jobs.pretrain(pt.to_dict("records"), settings, workdir=work, device="cpu")
    cpu = time.process_time() - cpu
    torch.save(states, out / "model.pt")
    ops = ops.merge(pt[["pt_id", "seed"]], on="pt_id")
    ops.to_csv(out / "ops.csv", index=False)
    table = ops.pivot(index="seed", columns="op", values="test_acc")
    print(f"pt {args.pt_task} {settings['pt']}: CPU {cpu:.0f} s")
    print(table.round(3).to_string())
    print("mean", table.mean().round(3).to_dict(), "worst", table.min().round(3).to_dict(),
          "seeds < 0.95:", int((table < 0.95).any(axis=1).sum()))


def finetune(args) -> None:
    section = _section(args)
    states = torch.load(Path(args.pt) / "model.pt")
    for frac in args.frac:
        _, ft = _base_rows(section, args.family, frac)
        settings = runs.settings(section, "ft", ft["ft_job"].iloc[0])
        settings["ft"].update(_overrides(args.set))
        cpu = time.process_time()
        with tempfile.TemporaryDirectory() as work:
            res = jobs.finetune(ft.to_dict("records"), settings, states, workdir=work, device="cpu")
        cpu = time.process_time() - cpu
        e = paired_effect((res["test_acc"] - res["probe_test_acc"]).to_numpy())
        print(f"{args.family} frac {frac:g} ft {_overrides(args.set)}: FT {res['test_acc'].mean():.3f} probe "
              f"{res['probe_test_acc'].mean():.3f} FT−probe {e.describe()} retained "
              f"{res['pt_retained_acc'].mean():.3f} train {res['train_acc'].mean():.3f}; CPU {cpu:.0f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", nargs="+", default=[str(ROOT / "config/config.yaml")])
    ap.add_argument("--seeds", type=int, default=8)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pt")
    p.add_argument("--pt-task", required=True)
    p.add_argument("--set", nargs="*")
    p.add_argument("--out", required=True)
    f = sub.add_parser("ft")
    f.add_argument("--family", required=True)
    f.add_argument("--pt", required=True)
    f.add_argument("--frac", type=float, nargs="+", required=True)
    f.add_argument("--set", nargs="*")
    args = ap.parse_args()
    torch.set_num_threads(1)
    (pretrain if args.cmd == "pt" else finetune)(args)


if __name__ == "__main__":
    main()
