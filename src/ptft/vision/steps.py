"""How a ResNet-18 computes on a device, whatever it trains: the runtime options (device, channels_last, bf16
autocast), SGD settings, input normalisation, one epoch of minibatch steps, evaluation and BatchNorm statistics.

Dataset tensors stay on the device as uint8 and are normalised per batch (mean = std = 0.5 per channel, no
augmentation, REFERENCE §5). On GPU, channels_last and bf16 autocast are optional (`Runtime`); on CPU the
arithmetic is exact fp32.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ptft import seeding


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
    bn_stats: str = "running"  # BN statistics of the final evaluation: running (authors) | ft_train [ours]


def to_input(x: torch.Tensor, runtime: Runtime, mean: float = 0.5, std: float = 0.5) -> torch.Tensor:
    """uint8 (B, 3, H, W) on the device -> normalised float32 (channels_last if asked)."""
    out = (x.float() / 255.0 - mean) / std
    return out.contiguous(memory_format=torch.channels_last) if runtime.channels_last else out


def autocast(runtime: Runtime):
    """bf16 autocast where the runtime asks for it on CUDA; a no-op otherwise."""
    return torch.autocast(device_type=runtime.device.type, dtype=torch.bfloat16,
                          enabled=runtime.bf16 and runtime.device.type == "cuda")


def batches(order: torch.Tensor, batch_size: int) -> list:
    """Minibatches of a permutation; a trailing batch of 1 joins the previous one (train-mode BN needs ≥ 2)."""
    out = list(order.split(batch_size))
    if len(out) > 1 and len(out[-1]) == 1:
        out[-2:] = [torch.cat(out[-2:])]
    return out


def _read(logits: torch.Tensor, outputs: slice | None) -> torch.Tensor:
    return logits if outputs is None else logits[:, outputs]


def make_epoch_fn(x, y, *, batch_size: int, seed: int, purpose: str, runtime: Runtime, outputs: slice | None = None):
    """One SGD epoch over (x uint8, y int64) in an order drawn from stream (seed, purpose/epoch).
    outputs: the logit columns the loss reads (PT: PT_OUTPUTS; None: all)."""

    def epoch_fn(model, optimizer, epoch):
        g = torch.Generator().manual_seed(seeding.torch_seed(seed, f"{purpose}/epoch{epoch}"))
        model.train()
        total = torch.zeros((), device=x.device)
        for idx in batches(torch.randperm(len(x), generator=g).to(x.device), batch_size):
            with autocast(runtime):
                loss = F.cross_entropy(_read(model(to_input(x[idx], runtime)), outputs), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach().float() * len(idx)
        return (total / len(x)).item()  # one device sync per epoch

    return epoch_fn


@torch.no_grad()
def evaluate(model, x, y, runtime: Runtime, outputs: slice | None = None) -> dict:
    """Accuracy and mean cross-entropy in eval mode (BN running statistics)."""
    model.eval()
    correct, loss = torch.zeros((), device=x.device), torch.zeros((), device=x.device)
    for i in range(0, len(x), runtime.eval_batch):
        with autocast(runtime):
            logits = _read(model(to_input(x[i:i + runtime.eval_batch], runtime)), outputs).float()
        target = y[i:i + runtime.eval_batch]
        loss += F.cross_entropy(logits, target, reduction="sum")
        correct += (logits.argmax(1) == target).sum()
    return {"acc": correct.item() / len(x), "loss": loss.item() / len(x)}


def prepare_model(model, runtime: Runtime):
    """The model on the runtime's device, channels_last if asked."""
    model = model.to(runtime.device)
    return model.to(memory_format=torch.channels_last) if runtime.channels_last else model


def sgd(model, opt: Optim):
    """SGD with the phase's learning rate and momentum, no weight decay (REFERENCE §5)."""
    return torch.optim.SGD(model.parameters(), lr=opt.lr, momentum=opt.momentum, weight_decay=0.0)


@torch.no_grad()
def recompute_bn_stats(model, x, batch_size: int, runtime: Runtime) -> None:
    """Replace every BatchNorm's running statistics by those of the images x (train-mode forward passes, equal
    weight per batch) [ours]. Under full-batch FT (n ≤ batch) these are the values the running statistics converge
    to in the authors' long runs; a run that stops after a few steps otherwise keeps mostly PT statistics, which no
    longer match a rescaled network (c_pt ≠ 1 at FT start puts eval-mode accuracy at chance)."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches below
    model.train()
    for idx in batches(torch.arange(len(x), device=x.device), batch_size):
        with autocast(runtime):
            model(to_input(x[idx], runtime))
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum


def runtime_from(compute: dict, device: torch.device) -> Runtime:
    """The Runtime of the config's `compute` entry on `device` (the training scripts: ptft.deep.device.setup)."""
    return Runtime(device=device, channels_last=compute["channels_last"],
                   bf16=compute["bf16"], eval_batch=compute["eval_batch"], checkpoint_every=compute["checkpoint_every"])


def optim_from(cfg: dict) -> Optim:
    """The Optim of a config's `pt` / `ft` entry (extra keys such as max_images are not optimiser settings)."""
    return Optim(**{k: cfg[k] for k in Optim.__dataclass_fields__ if k in cfg})
