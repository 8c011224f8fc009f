"""Pretraining and fine-tuning of ResNet-18 through the shared training loop (ptft.deep.trainer), with the knob
policies of REFERENCE §5 (`policies`: knob -> where and on what it acts): which images, which runs, which
evaluation. How each step computes on the device is ptft.vision.steps.
"""

import copy
import json
from pathlib import Path

import numpy as np
import torch

from ptft import io
from ptft.deep import knobs
from ptft.deep.ensd import activations, ensd_terms
from ptft.deep.probe import linear_probe
from ptft.deep.trainer import fit, load_state
from ptft.vision import model as resnet
from ptft.vision import tasks
from ptft.vision.steps import (Optim, Runtime, evaluate, make_epoch_fn, prepare_model, recompute_bn_stats, sgd,
                               to_input)


PT_OUTPUTS = slice(resnet.N_FT_OUTPUTS, None)  # PT reads logits 2.., so head rows 0–1 are never trained in PT


def _subset(data: dict, split: str, idx: np.ndarray, classes) -> tuple:
    y = data[f"{split}_y"].cpu().numpy()
    labels = torch.from_numpy(tasks.relabel(y[idx], classes)).to(data[f"{split}_y"].device)
    return data[f"{split}_x"][torch.from_numpy(idx).to(data[f"{split}_x"].device)], labels


def _network(data: dict, stem: str, seed: int):
    """The seed's ResNet-18 with one output per class of the dataset (PT reads PT_OUTPUTS, FT the first 2)."""
    return resnet.build(data["n_classes"], stem=stem, seed=seed, in_channels=data["train_x"].shape[1])


def pretrain(data: dict, *, seed: int, alpha_rel: float, c_pt: float, stem: str, relative_prefixes, opt: Optim,
             max_images: int | None, runtime: Runtime, workdir) -> tuple:
    """Pretrain on the seed's PT classes from the knob-scaled init (parameters under `relative_prefixes` ÷
    alpha_rel, then all × c_pt; c_pt = 1 where the absolute scale is applied at FT start instead). PT reads logits
    2.. of the full head, as the authors, so rows 0–1 keep their init. Returns (model, metrics incl. the PT test
    accuracy); resumes from workdir/checkpoint.pt if an earlier attempt was interrupted."""
    split = tasks.label_split(data["n_classes"], seed)
    idx = tasks.pt_indices(data["train_y"].cpu().numpy(), split["pt_classes"], seed, max_images)
    x, y = _subset(data, "train", idx, split["pt_classes"])
    model = _network(data, stem, seed)
    knobs.apply_pt_init(model, early_prefixes=relative_prefixes, alpha_rel=alpha_rel, c_pt=c_pt)
    model = prepare_model(model, runtime)
    workdir = Path(workdir)
    result = fit(model, epoch_fn=make_epoch_fn(x, y, batch_size=min(len(x), opt.batch_size), seed=seed,
                                               purpose="vision_pt_order", runtime=runtime, outputs=PT_OUTPUTS),
                 optimizer=sgd(model, opt), max_epochs=opt.max_epochs, stop_loss=opt.stop_loss,
                 checkpoint=workdir / "checkpoint.pt", history=workdir / "history.jsonl",
                 checkpoint_every=runtime.checkpoint_every, progress_desc=f"PT seed {seed}")
    test_idx = np.flatnonzero(np.isin(data["test_y"].cpu().numpy(), split["pt_classes"]))
    test = evaluate(model, *_subset(data, "test", test_idx, split["pt_classes"]), runtime, outputs=PT_OUTPUTS)
    return model, {**result, "pt_test_acc": test["acc"], "n_pt_images": len(idx), **split}


def pretrain_runs(data: dict, runs, *, workdir, **kwargs) -> tuple[dict, list[dict], list[dict]]:
    """The PT runs of one job (dicts with pt_id, seed, alpha_rel and, under policy pt_init, c_pt), one after
    another; kwargs as `pretrain`. Returns ({pt_id: state_dict}, one metrics dict per run with its run keys, the
    history lines of every run with its pt_id). A finished run leaves workdir/<pt_id>/model.pt and result.json (its
    checkpoint is then deleted); a rerun skips it."""
    states, rows, history = {}, [], []
    for run in runs:
        work = Path(workdir) / run["pt_id"]
        done = work / "result.json"
        if not done.exists():
            model, metrics = pretrain(data, seed=run["seed"], alpha_rel=run["alpha_rel"], c_pt=run.get("c_pt", 1.0),
                                      workdir=work, **kwargs)
            io.save_torch(work / "model.pt", model.state_dict())
            io.write_json(done, metrics)
            (work / "checkpoint.pt").unlink(missing_ok=True)  # 2 × model size; model.pt holds the result
        states[run["pt_id"]] = load_state(work / "model.pt")
        rows.append({**run, **io.read_json(done)})
        history += [{"pt_id": run["pt_id"], **json.loads(line)}
                    for line in (work / "history.jsonl").read_text().splitlines()]
    return states, rows, history


def save_pretrained(path, states: dict) -> None:
    """A PT job's models, {pt_id: state_dict}, in one file (`load_pretrained` reads one of them)."""
    io.save_torch(path, states)


def load_pretrained(path, pt_id: str) -> dict:
    """The state dict of PT run `pt_id` from its job's model file (memory-mapped: the other runs are not read)."""
    return torch.load(path, map_location="cpu", weights_only=True, mmap=True)[pt_id]


def ft_start(pt_model, run: dict, *, policies: dict, seed: int):
    """The FT starting point of one run: a copy of the PT model with the absolute scale (policy `ft_start`: every
    parameter × c_pt, the authors'; `pt_init`: already in the PT init) and the readout (policy `pt_rows`: the PT
    head's rows 0–1 × gamma_ft, the authors'; `fresh` [ours]: a new 2-way head, stream "ft_head", × gamma_ft)."""
    model = copy.deepcopy(pt_model)
    if policies["c_pt"] == "ft_start":
        knobs.scale_all(model, run["c_pt"])
    if policies["gamma_ft"] == "pt_rows":
        knobs.head_from_rows(model, resnet.HEAD, range(resnet.N_FT_OUTPUTS), run["gamma_ft"])
    else:
        resnet.replace_head(model, resnet.N_FT_OUTPUTS)
        knobs.reset_head(model, resnet.HEAD, run["gamma_ft"], seed=seed)
    return model


def _ensd_images(data: dict, split: dict, seed: int, ensd: dict, test_x) -> torch.Tensor:
    """The ENSD probe images: `ft_train` (the authors': FT-class train images, balanced, ≤ max_images) or
    `ft_test` [ours] (the first max_images evaluation images, test images first); the same for every n."""
    if ensd["images"] == "ft_test":
        return test_x[:ensd["max_images"]]
    y = data["train_y"].cpu().numpy()
    pool = 2 * min(int((y == c).sum()) for c in split["ft_classes"])
    idx = tasks.ft_indices(y, split["ft_classes"], seed, min(ensd["max_images"], pool), purpose="vision_ensd_subset")
    return _subset(data, "train", idx, split["ft_classes"])[0]


def finetune(data: dict, pt_state: dict, runs, *, seed: int, stem: str, opt: Optim, policies: dict, ensd: dict,
             runtime: Runtime, workdir, eval_images: str = "test", n_grid=()) -> tuple:
    """All FT runs of one PT checkpoint (`pt_state`, its state dict). `runs`: dicts with ft_id, c_pt, gamma_ft, n.
    Returns (rows, ensd_rows):
    per run the test metrics and the linear-probe baseline on the frozen PT features (same n images, same
    evaluation images), and per layer of `ensd` the ENSD between the run's FT starting point and the fine-tuned
    model. eval_images: `test` (the authors': the FT classes' test images) or `held_out` [ours]: every FT-class
    image no FT run of the seed trains on, for the FT sizes `n_grid` of the seed (tasks.held_out).
    A finished run leaves workdir/<ft_id>/result.json (its checkpoint is then deleted); a rerun skips it."""
    split = tasks.label_split(data["n_classes"], seed)
    task = {"split": split, "test": evaluation_set(data, split, seed, eval_images, n_grid), "layers": ensd["layers"]}
    task["probe"] = to_input(_ensd_images(data, split, seed, ensd, task["test"][0]), runtime)
    pt_model = _network(data, stem, seed)
    pt_model.load_state_dict(pt_state)
    pt_model = prepare_model(pt_model, runtime)
    rows, ensd_rows, probes = [], [], {}
    for run in runs:
        done = Path(workdir) / run["ft_id"] / "result.json"
        if not done.exists():
            if run["n"] not in probes:
                probes[run["n"]] = _linear_probe(data, pt_model, task, run["n"], seed, runtime)
            io.write_json(done, _finetune_one(data, pt_model, task, run, seed=seed, opt=opt, policies=policies,
                                              runtime=runtime, work=done.parent) | {"probe": probes[run["n"]]})
            (done.parent / "checkpoint.pt").unlink(missing_ok=True)  # 2 × model size; the result is kept
        result = io.read_json(done)
        rows.append({**result["row"], "probe_test_acc": result["probe"]})
        ensd_rows += result["ensd"]
    return rows, ensd_rows


def _ft_train(data: dict, task: dict, n: int, seed: int) -> tuple:
    idx = tasks.ft_indices(data["train_y"].cpu().numpy(), task["split"]["ft_classes"], seed, n)
    return _subset(data, "train", idx, task["split"]["ft_classes"])


def evaluation_set(data: dict, split: dict, seed: int, eval_images: str, n_grid) -> tuple:
    """(x, y) of the images every FT run and probe of the seed is scored on: the FT classes' test images, then
    (eval_images = held_out) their train images that no FT set of `n_grid` contains."""
    classes = split["ft_classes"]
    test_y = data["test_y"].cpu().numpy()
    if eval_images == "test":
        return _subset(data, "test", tasks.ft_indices(test_y, classes, seed, None), classes)
    if eval_images != "held_out":
        raise ValueError(f"eval_images: {eval_images!r} (expected test or held_out)")
    if not n_grid:
        raise ValueError("eval_images = held_out needs the seed's FT sizes n_grid (else FT images could be scored)")
    idx = tasks.held_out(data["train_y"].cpu().numpy(), test_y, classes, seed, n_grid)
    parts = [_subset(data, "test", idx["test"], classes), _subset(data, "train", idx["train"], classes)]
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])


def _linear_probe(data: dict, pt_model, task: dict, n: int, seed: int, runtime: Runtime) -> float:
    """Accuracy on the evaluation images of a linear probe on the PT model's frozen avgpool features (eval mode),
    fit on the n FT images. The evaluation images' features are computed once per job (eval-mode BN: per image)."""
    x, y = _ft_train(data, task, n, seed)
    x_test, y_test = task["test"]
    if "test_features" not in task:
        task["test_features"] = activations(pt_model, to_input(x_test, runtime), ["avgpool"])["avgpool"]
    feats = activations(pt_model, to_input(x, runtime), ["avgpool"])["avgpool"]
    return linear_probe(feats, y, task["test_features"], y_test)["acc"]


def _finetune_one(data: dict, pt_model, task: dict, run: dict, *, seed: int, opt: Optim, policies: dict,
                  runtime: Runtime, work) -> dict:
    """One FT run from the PT model: {row: test metrics, ensd: one record per layer}."""
    x_test, y_test = task["test"]
    model = ft_start(pt_model, run, policies=policies, seed=seed)
    # The FT start depends on the run's (c_pt, gamma_ft) alone, not on n: its ENSD activations once per start.
    start = ("ensd_start", run["c_pt"], run["gamma_ft"])
    if start not in task:
        task[start] = activations(model, task["probe"], task["layers"])
    pre = task[start]
    x, y = _ft_train(data, task, run["n"], seed)
    epoch_fn = make_epoch_fn(x, y, batch_size=min(len(x), opt.batch_size), seed=seed,
                             purpose=f"vision_ft_order/n{run['n']}", runtime=runtime)
    result = fit(model, epoch_fn=epoch_fn, optimizer=sgd(model, opt), max_epochs=opt.max_epochs,
                 stop_loss=opt.stop_loss, checkpoint=Path(work) / "checkpoint.pt",
                 history=Path(work) / "history.jsonl", checkpoint_every=runtime.checkpoint_every,
                 checkpoint_at_end=False,  # finetune records the finished run (result.json) at once
                 progress_desc=f"FT n={run['n']} c_pt={run['c_pt']} gamma_ft={run['gamma_ft']}")
    if opt.bn_stats == "ft_train":
        recompute_bn_stats(model, x, opt.batch_size, runtime)
    test = evaluate(model, x_test, y_test, runtime)
    post = activations(model, task["probe"], task["layers"])
    row = {"ft_id": run["ft_id"], "test_acc": test["acc"], "test_loss": test["loss"], "n_test": len(x_test), **result}
    return {"row": row, "ensd": [{"ft_id": run["ft_id"], "layer": name, **ensd_terms(pre[name], post[name])}
                                 for name in task["layers"]]}
