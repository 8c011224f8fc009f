"""Pretraining and fine-tuning of ResNet-18 through the shared training loop (ptft.deep.trainer).

Dataset tensors stay on the device as uint8 and are normalised per batch (mean = std = 0.5 per channel, no
augmentation, REFERENCE §5). On GPU, channels_last and bf16 autocast are optional (`Runtime`); on CPU the
arithmetic is exact fp32.
"""

import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ptft import io, seeding
from ptft.deep import knobs
from ptft.deep.ensd import activations, ensd_terms
from ptft.deep.trainer import fit, init_from
from ptft.vision import model as resnet
from ptft.vision import tasks


@dataclass(frozen=True)
class Runtime:
    """How a job computes, not what: none of these change a result beyond floating-point rounding."""

    device: torch.device
    channels_last: bool = False
    bf16: bool = False
    eval_batch: int = 512
    checkpoint_every: int = 1


@dataclass(frozen=True)
class Optim:
    """SGD and stopping rule of one phase (PT or FT); REFERENCE §5 gives the authors' values."""

    lr: float
    momentum: float
    batch_size: int
    max_epochs: int
    stop_loss: float


def to_input(x: torch.Tensor, runtime: Runtime, mean: float = 0.5, std: float = 0.5) -> torch.Tensor:
    """uint8 (B, 3, H, W) on the device -> normalised float32 (channels_last if asked)."""
    out = (x.float() / 255.0 - mean) / std
    return out.contiguous(memory_format=torch.channels_last) if runtime.channels_last else out


def _autocast(runtime: Runtime):
    return torch.autocast(device_type=runtime.device.type, dtype=torch.bfloat16,
                          enabled=runtime.bf16 and runtime.device.type == "cuda")


def batches(order: torch.Tensor, batch_size: int) -> list:
    """Minibatches of a permutation; a trailing batch of 1 joins the previous one (train-mode BN needs ≥ 2)."""
    out = list(order.split(batch_size))
    if len(out) > 1 and len(out[-1]) == 1:
        out[-2:] = [torch.cat(out[-2:])]
    return out


def make_epoch_fn(x, y, *, batch_size: int, seed: int, purpose: str, runtime: Runtime):
    """One SGD epoch over (x uint8, y int64) in an order drawn from stream (seed, purpose/epoch)."""

    def epoch_fn(model, optimizer, epoch):
        g = torch.Generator().manual_seed(seeding.torch_seed(seed, f"{purpose}/epoch{epoch}"))
        model.train()
        total = torch.zeros((), device=x.device)
        for idx in batches(torch.randperm(len(x), generator=g).to(x.device), batch_size):
            with _autocast(runtime):
                loss = F.cross_entropy(model(to_input(x[idx], runtime)), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach().float() * len(idx)
        return (total / len(x)).item()  # one device sync per epoch

    return epoch_fn


@torch.no_grad()
def evaluate(model, x, y, runtime: Runtime) -> dict:
    """Accuracy and mean cross-entropy in eval mode (BN running statistics)."""
    model.eval()
    correct, loss = torch.zeros((), device=x.device), torch.zeros((), device=x.device)
    for i in range(0, len(x), runtime.eval_batch):
        with _autocast(runtime):
            logits = model(to_input(x[i:i + runtime.eval_batch], runtime)).float()
        target = y[i:i + runtime.eval_batch]
        loss += F.cross_entropy(logits, target, reduction="sum")
        correct += (logits.argmax(1) == target).sum()
    return {"acc": correct.item() / len(x), "loss": loss.item() / len(x)}


def _prepare_model(model, runtime: Runtime):
    model = model.to(runtime.device)
    return model.to(memory_format=torch.channels_last) if runtime.channels_last else model


def _sgd(model, opt: Optim):
    return torch.optim.SGD(model.parameters(), lr=opt.lr, momentum=opt.momentum, weight_decay=0.0)


def _subset(data: dict, split: str, idx: np.ndarray, classes) -> tuple:
    y = data[f"{split}_y"].cpu().numpy()
    labels = torch.from_numpy(tasks.relabel(y[idx], classes)).to(data[f"{split}_y"].device)
    return data[f"{split}_x"][torch.from_numpy(idx).to(data[f"{split}_x"].device)], labels


def pretrain(data: dict, *, seed: int, alpha_rel: float, c_pt: float, stem: str, early_layers, opt: Optim,
             max_images: int | None, runtime: Runtime, workdir) -> tuple:
    """Pretrain on the seed's PT classes from the knob-scaled init. Returns (model, metrics);
    resumes from workdir/checkpoint.pt if an earlier attempt was interrupted."""
    split = tasks.label_split(data["n_classes"], seed)
    idx = tasks.pt_indices(data["train_y"].cpu().numpy(), split["pt_classes"], seed, max_images)
    x, y = _subset(data, "train", idx, split["pt_classes"])
    model = resnet.build(len(split["pt_classes"]), stem=stem, seed=seed)
    knobs.apply_pt_init(model, early_prefixes=early_layers, alpha_rel=alpha_rel, c_pt=c_pt)
    model = _prepare_model(model, runtime)
    workdir = Path(workdir)
    result = fit(model, epoch_fn=make_epoch_fn(x, y, batch_size=min(len(x), opt.batch_size), seed=seed,
                                               purpose="vision_pt_order", runtime=runtime),
                 optimizer=_sgd(model, opt), max_epochs=opt.max_epochs, stop_loss=opt.stop_loss,
                 checkpoint=workdir / "checkpoint.pt", history=workdir / "history.jsonl",
                 checkpoint_every=runtime.checkpoint_every, progress_desc=f"PT seed {seed}")
    return model, {**result, "n_pt_images": len(idx), **split}


def save_pretrained(path, model, metrics: dict) -> None:
    io.save_torch(path, {"model": model.state_dict(), "epoch": metrics["epochs"]})


def finetune(data: dict, pt_path, runs, *, seed: int, stem: str, opt: Optim, ensd_layers, ensd_max_images: int,
             runtime: Runtime, workdir) -> tuple:
    """All FT runs of one PT checkpoint. `runs`: dicts with ft_id, gamma_ft, n. Returns (rows, ensd_rows):
    test metrics per run, and ENSD per layer between the FT starting point and the fine-tuned model on
    the FT task's test images (the same images for every n, so curves over n are comparable) [ours].
    A finished run leaves workdir/<ft_id>/result.json (its checkpoint is then deleted); a rerun skips it."""
    split = tasks.label_split(data["n_classes"], seed)
    test_idx = tasks.ft_indices(data["test_y"].cpu().numpy(), split["ft_classes"], seed, None)
    task = {"split": split, "test": _subset(data, "test", test_idx, split["ft_classes"])}
    task["probe"] = to_input(task["test"][0][:ensd_max_images], runtime)
    start = _prepare_model(init_from(resnet.build(len(split["pt_classes"]), stem=stem, seed=seed), pt_path), runtime)
    task["pre"] = activations(start, task["probe"], ensd_layers)
    rows, ensd_rows = [], []
    for run in runs:
        done = Path(workdir) / run["ft_id"] / "result.json"
        if not done.exists():
            io.write_json(done, _finetune_one(data, start, task, run, seed=seed, opt=opt, runtime=runtime,
                                              work=done.parent))
            (done.parent / "checkpoint.pt").unlink(missing_ok=True)  # 2 × model size; the result is kept
        result = io.read_json(done)
        rows.append(result["row"])
        ensd_rows += result["ensd"]
    return rows, ensd_rows


def _finetune_one(data: dict, start, task: dict, run: dict, *, seed: int, opt: Optim, runtime: Runtime, work) -> dict:
    """One FT run from the PT model `start`: {row: test metrics, ensd: one record per layer}."""
    split, (x_test, y_test) = task["split"], task["test"]
    model = resnet.replace_head(copy.deepcopy(start), len(split["ft_classes"]))
    knobs.reset_head(model, resnet.HEAD, run["gamma_ft"], seed=seed)
    idx = tasks.ft_indices(data["train_y"].cpu().numpy(), split["ft_classes"], seed, run["n"])
    x, y = _subset(data, "train", idx, split["ft_classes"])
    epoch_fn = make_epoch_fn(x, y, batch_size=min(len(x), opt.batch_size), seed=seed,
                             purpose=f"vision_ft_order/n{run['n']}", runtime=runtime)
    result = fit(model, epoch_fn=epoch_fn, optimizer=_sgd(model, opt), max_epochs=opt.max_epochs,
                 stop_loss=opt.stop_loss, checkpoint=Path(work) / "checkpoint.pt",
                 history=Path(work) / "history.jsonl", checkpoint_every=runtime.checkpoint_every,
                 progress_desc=f"FT n={run['n']} gamma_ft={run['gamma_ft']}")
    test = evaluate(model, x_test, y_test, runtime)
    post = activations(model, task["probe"], list(task["pre"]))
    row = {"ft_id": run["ft_id"], "test_acc": test["acc"], "test_loss": test["loss"], "n_test": len(x_test), **result}
    return {"row": row, "ensd": [{"ft_id": run["ft_id"], "layer": name, **ensd_terms(task["pre"][name], post[name])}
                                 for name in task["pre"]]}


def runtime_from(compute: dict) -> Runtime:
    """The Runtime of the config's `compute` entry (device `auto` = cuda if available, else cpu)."""
    from ptft.deep.device import pick

    return Runtime(device=pick(compute["device"]), channels_last=compute["channels_last"], bf16=compute["bf16"],
                   eval_batch=compute["eval_batch"], checkpoint_every=compute["checkpoint_every"])


def optim_from(cfg: dict) -> Optim:
    """The Optim of a config's `pt` / `ft` entry (extra keys such as max_images are not optimiser settings)."""
    return Optim(**{k: cfg[k] for k in Optim.__dataclass_fields__})
