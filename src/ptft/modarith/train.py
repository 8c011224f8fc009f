"""Pretraining and fine-tuning ensembles of Transformers on modular arithmetic, full batch, through trainer.fit.

Each member has its own seed, knobs, data and stopping state; one optimizer step updates them all at once.
Member e's result equals a run of member e alone (AdamW acts elementwise, the loss is a sum of per-member
means, and a member that stopped or diverged is restored after every later step).
"""

import json
import math
from pathlib import Path

import numpy as np
import torch

from ptft import io, seeding
from ptft.deep import knobs, trainer
from ptft.modarith import tasks
from ptft.modarith.ensemble import Ensemble, member_accuracy, member_losses
from ptft.modarith.model import Transformer

# steps_to_generalise is not a status: it depends on generalise_acc, a reading of evals.jsonl (ptft.modarith.figures).
STATUS = ("steps", "converged", "diverged", "train_loss", "train_acc", "test_loss", "test_acc")


def build(p: int, arch: dict, seed: int) -> Transformer:
    """The arm's Transformer for prime p; `arch` = {d_model, n_heads, d_mlp, n_layers}."""
    return Transformer(vocab=tasks.vocab_size(p), n_out=p, n_ctx=tasks.N_CTX, seed=seed, **arch)


def pt_member(p: int, arch: dict, *, seed: int, alpha_rel: float, c_pt: float, early_prefixes) -> Transformer:
    """A freshly initialised PT model with the relative (alpha_rel) and absolute (c_pt) scale knobs applied."""
    model = build(p, arch, seeding.torch_seed(seed, "modarith_init"))
    knobs.apply_pt_init(model, early_prefixes=early_prefixes, alpha_rel=alpha_rel, c_pt=c_pt)
    return model


def ft_member(p: int, arch: dict, pt_state: dict, *, seed: int, gamma_ft: float, head: str,
              c_pt: float = 1.0) -> Transformer:
    """A PT model (`pt_state`) with every parameter × c_pt (the absolute scale at FT start, policy `ft_start`; 1
    where c_pt scaled the PT initialisation instead), whose readout `head` is then re-initialised at scale gamma_ft
    (stream ("ft_head", seed)).

    Scale all, then reset the head: the fresh draw replaces the scaled head, so c_pt scales the body only and γ_ft
    alone sets the readout, as under `pt_init` (whose fresh head is not scaled by c_pt either); the two policies
    then differ only in when the body is scaled. (The authors' readout is the PT head's own rows, so their c_pt
    scales it too; a fresh head has no PT value to scale.)"""
    model = build(p, arch, seeding.torch_seed(seed, "modarith_init"))
    model.load_state_dict(pt_state)
    knobs.scale_all(model, c_pt)
    knobs.reset_head(model, head, gamma_ft, seed)
    return model


def member_data(p: int, task: str, seed: int, *, part: str, pt_train_frac: float, ft_train_frac: float):
    """(tokens, labels) of `task` on the seed's `part` ("pt_train", "ft_train" or "test") of the pairs."""
    idx = tasks.split(p, seed, pt_train_frac, ft_train_frac)[part]
    return tasks.dataset(p, task, idx)


def stack(parts, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-member (tokens, labels) of equal length -> (E, n, n_ctx), (E, n) tensors on `device`."""
    x = torch.from_numpy(np.stack([t for t, _ in parts])).to(device)
    return x, torch.from_numpy(np.stack([y for _, y in parts])).to(device)


def _init_status(ens: Ensemble) -> None:
    """Per-member status as buffers, so trainer.fit's checkpoints carry them and a resume restores them."""
    E = len(ens)
    for name in STATUS:
        dtype = torch.bool if name in ("converged", "diverged") else torch.float64
        ens.register_buffer(f"status_{name}", torch.zeros((E,), dtype=dtype))


def _evaluate(ens, test, ran: torch.Tensor, step: int, evals, run_ids) -> None:
    """Test loss/accuracy of the members that trained this step (`ran`); one evals.jsonl line each."""
    with torch.no_grad():
        logits = ens(test[0])
        loss, acc = member_losses(logits, test[1]).double().cpu(), member_accuracy(logits, test[1]).double().cpu()
    ens.status_test_loss[ran] = loss[ran]
    ens.status_test_acc[ran] = acc[ran]
    for e in ran.nonzero().flatten().tolist():
        io.append_jsonl(evals, {"step": step, "run_id": run_ids[e], **{
            k: float(getattr(ens, f"status_{k}")[e]) for k in ("train_loss", "train_acc", "test_loss", "test_acc")}})


def _truncate_evals(path: Path, step: int) -> None:
    """On resume, drop eval lines written after the checkpoint (they will be recomputed)."""
    if path.exists():
        keep = [ln for ln in path.read_text().splitlines(keepends=True) if json.loads(ln)["step"] <= step]
        io.write_text(path, "".join(keep))


def lr_factor(epoch: int, steps: int, lr_decay_frac: float) -> float:
    """Learning-rate multiplier at step `epoch` (0-based): 1, then linear to 0 over the last `lr_decay_frac` of the
    steps (0: constant). A function of the step alone, so a resumed run follows the same schedule."""
    if lr_decay_frac <= 0:
        return 1.0
    return min(1.0, (steps - epoch) / (lr_decay_frac * steps))


def _step_fn(*, train, test, steps: int, eval_every: int, stop_loss: float, stop_early: bool, evals: Path, run_ids,
             lr: float, lr_decay_frac: float):
    """trainer.fit's epoch_fn: one full-batch optimizer step of every active member, then the status update.

    Returns the scalar fit stops on: NaN once every member diverged; with `stop_early`, the largest train
    loss of the members still training (0 when none is), so fit stops when all have converged.
    """

    def step(ens, optimizer, epoch: int) -> float:
        for group in optimizer.param_groups:
            group["lr"] = lr * lr_factor(epoch, steps, lr_decay_frac)
        active = ~(ens.status_converged | ens.status_diverged)
        logits = ens(train[0])
        losses = member_losses(logits, train[1])
        finite = losses.detach().isfinite().cpu()
        keep = (~(active & finite)).to(losses.device)  # stopped or (just) diverged: parameters stay as they are
        before = [p.detach().clone() for p in ens.stacked] if bool(keep.any()) else None
        optimizer.zero_grad(set_to_none=True)
        losses[~keep].sum().backward()
        optimizer.step()
        if before is not None:  # momentum and weight decay would move them even without a gradient
            with torch.no_grad():
                for p, old in zip(ens.stacked, before):
                    p[keep] = old[keep]
        ens.status_steps[active] += 1
        ens.status_train_loss[active] = losses.detach().double().cpu()[active]
        ens.status_train_acc[active] = member_accuracy(logits.detach(), train[1]).double().cpu()[active]
        ens.status_diverged |= active & ~finite
        if stop_early:
            ens.status_converged |= active & finite & (ens.status_train_loss < stop_loss)
        if (epoch + 1) % eval_every == 0 or epoch + 1 == steps:
            _evaluate(ens, test, active, epoch + 1, evals, run_ids)
        return _fit_signal(ens, stop_early)

    return step


def _fit_signal(ens, stop_early: bool) -> float:
    if bool(ens.status_diverged.all()):
        return math.nan
    still = ~(ens.status_converged | ens.status_diverged)
    if stop_early:
        return float(ens.status_train_loss[still].max()) if bool(still.any()) else 0.0
    return float(ens.status_train_loss[~ens.status_diverged].mean())


def make_optimizer(params, *, optimizer: str, lr: float, weight_decay: float, betas=None, momentum: float = 0.0):
    """"adamw" (decoupled decay: θ ← θ(1 − lr·wd) per step) or "sgd" (heavy-ball momentum, L2 term wd·θ in the
    gradient). Both act elementwise, so a stacked ensemble's members stay independent."""
    if optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, betas=tuple(betas))
    if optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay, momentum=momentum)
    raise ValueError(f"optimizer {optimizer!r}; expected 'adamw' or 'sgd'")


def train(models, *, run_ids, train_data, test_data, steps: int, lr: float, weight_decay: float, eval_every: int,
          stop_loss: float, stop_early: bool, workdir, device, optimizer: str = "adamw", betas=(0.9, 0.98),
          momentum: float = 0.0, lr_decay_frac: float = 0.0, progress_desc: str = "") -> tuple[Ensemble, list[dict]]:
    """Train `models` (one per run id) as one ensemble; `train_data`/`test_data` = per-member (tokens, labels).

    `lr_decay_frac`: the last fraction of the steps over which lr falls linearly to 0 (0: constant lr).

    `workdir` holds checkpoint.pt, history.jsonl (fit's) and evals.jsonl (per member, every `eval_every`
    steps); an existing checkpoint is resumed. Returns the ensemble and one status dict per member.
    """
    workdir = Path(workdir)
    ens = Ensemble(models).to(device)
    _init_status(ens)  # on the CPU: small, and read every step
    checkpoint = workdir / "checkpoint.pt"
    _truncate_evals(workdir / "evals.jsonl", trainer.load_state(checkpoint)["epoch"] if checkpoint.exists() else 0)
    optimizer = make_optimizer(ens.parameters(), optimizer=optimizer, lr=lr, weight_decay=weight_decay, betas=betas,
                               momentum=momentum)
    step = _step_fn(train=stack(train_data, device), test=stack(test_data, device), steps=steps,
                    eval_every=eval_every, stop_loss=stop_loss, stop_early=stop_early, evals=workdir / "evals.jsonl",
                    run_ids=list(run_ids), lr=lr, lr_decay_frac=lr_decay_frac)
    out = trainer.fit(ens, epoch_fn=step, optimizer=optimizer, max_epochs=steps,
                      stop_loss=stop_loss if stop_early else 0.0, checkpoint=checkpoint,
                      history=workdir / "history.jsonl", checkpoint_every=eval_every, progress_desc=progress_desc,
                      unit="step")
    if not stop_early:  # the whole budget ran: converged means the train set is fit at the end
        ens.status_converged.copy_(~ens.status_diverged & (ens.status_train_loss < stop_loss))
    status = [{"run_id": r, "wall_s": out["wall_s"], **{k: _plain(getattr(ens, f"status_{k}")[e]) for k in STATUS}}
              for e, r in enumerate(run_ids)]
    return ens, status


def _plain(value: torch.Tensor):
    return bool(value) if value.dtype == torch.bool else float(value)
