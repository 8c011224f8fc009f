"""Where in a pretrained modarith model is an FT label linearly decodable? (the *shared* family's explanation)

    .venv/bin/python bench/modarith_decode.py [--config config/config.yaml] [--pt-task add] [--ft-task sub]

Reads the default run's PT models at the base knobs (results/modarith/pt/<pt_job>/model.pt, pretrain.csv) and,
per seed, fits a multinomial logistic probe (L-BFGS to convergence, standardised inputs) at four sites of the frozen
model on the FT task's sequences of the PT train pairs, for the label of the PT operation and of the FT operation;
prints mean (worst) test accuracy on the seed's symmetric-held-out pairs. Unlike the pipeline's probe (the FT
readout with the FT optimizer and steps), this one is fit as well as a linear read-out can be: an upper bound.
Results: bench/README.md, section "modarith".
"""

import argparse
from pathlib import Path

import pandas as pd
import torch
from torch.nn import functional as F

from ptft import config
from ptft.modarith import runs, tasks, train

ROOT = Path(__file__).resolve().parents[1]


@torch.no_grad()
def sites(model, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
    """Activations at "=" of a 1-layer model: (n, d) per site, plus the two operand embeddings side by side."""
    x = model.embed(tokens) + model.pos_embed
    block = model.blocks[0]
    mid = x[:, -1] + block.attn(x, last_only=True)[:, 0]
    hidden = F.relu(mid @ block.mlp.W_in + block.mlp.b_in)
    return {"operand embeddings": torch.cat([model.embed(tokens[:, 0]), model.embed(tokens[:, 2])], 1),
            "after attention": mid, "MLP hidden": hidden, "final (readout input)": mid + hidden @ block.mlp.W_out
            + block.mlp.b_out}


def probe_accuracy(x_train, y_train, x_test, y_test, p: int) -> float:
    mu, sd = x_train.mean(0), x_train.std(0) + 1e-6
    x_train, x_test = (x_train - mu) / sd, (x_test - mu) / sd
    W = torch.zeros(x_train.shape[1], p, requires_grad=True)
    b = torch.zeros(p, requires_grad=True)
    opt = torch.optim.LBFGS([W, b], max_iter=300, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(x_train @ W + b, y_train) + 1e-4 * (W**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return float(((x_test @ W + b).argmax(1) == y_test).float().mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", nargs="+", default=[str(ROOT / "config/config.yaml")])
    ap.add_argument("--pt-task", default="add")
    ap.add_argument("--ft-task", default="sub")
    args = ap.parse_args()
    torch.set_num_threads(1)
    section = config.load(*args.config)["modarith"]
    p, frac = section["p"], section["pt_train_frac"]
    base = section["base"]
    job = runs.pt_job(args.pt_task, base["alpha_rel"], base["c_pt"])
    states = torch.load(ROOT / f"results/modarith/pt/{job}/model.pt")
    pt = pd.read_csv(ROOT / "results/modarith/pretrain.csv")
    pt = pt[(pt["pt_task"] == args.pt_task) & (pt["alpha_rel"] == section["base"]["alpha_rel"])
            & (pt["c_pt"] == section["base"]["c_pt"])]
    rows = []
    for run in pt.itertuples():
        model = train.build(p, section["model"], 0)
        model.load_state_dict(states[run.pt_id])
        split = tasks.split(p, run.seed, frac, frac)
        data = {part: tasks.dataset(p, args.ft_task, split[part]) for part in ("pt_train", "test")}
        acts = {part: sites(model, torch.from_numpy(x)) for part, (x, _) in data.items()}
        pairs = {part: tasks.all_pairs(p)[split[part]] for part in data}
        for op in dict.fromkeys([*tasks.task_ops(args.pt_task), args.ft_task]):
            y = {part: torch.from_numpy(tasks.OPERATIONS[op](*pairs[part].T, p)) for part in data}
            for site in acts["test"]:
                rows.append({"label": op, "site": site, "seed": run.seed, "test_acc": probe_accuracy(
                    acts["pt_train"][site], y["pt_train"], acts["test"][site], y["test"], p)})
    table = pd.DataFrame(rows).groupby(["label", "site"], sort=False)["test_acc"].agg(["mean", "min", "count"])
    print(f"PT {args.pt_task}, sequences of {args.ft_task}, p = {p}, chance {1 / p:.3f}")
    print(table.round(3).to_markdown())


if __name__ == "__main__":
    main()
