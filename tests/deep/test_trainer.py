"""The shared training loop: stopping rules, divergence, resume equal to an uninterrupted run, init_from.
Tolerance: exact equality (resume replays the same float operations)."""

import json
import math

import pytest
import torch
from torch import nn

from ptft.deep.device import pick
from ptft.deep.trainer import fit, init_from, load_state

X = torch.randn(64, 5, generator=torch.Generator().manual_seed(0))
Y = X @ torch.arange(1.0, 6.0)[:, None]


def make(seed=0, lr=0.05):
    torch.manual_seed(seed)
    model = nn.Linear(5, 1)
    return model, torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def epoch_fn(model, opt, epoch):
    """Minibatches in an order drawn from the global torch RNG, so resume must restore it."""
    losses = []
    for idx in torch.randperm(len(X)).split(16):
        loss = nn.functional.mse_loss(model(X[idx]), Y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


class Interrupted(Exception):
    pass


def test_fit_converges_and_writes_history(tmp_path):
    model, opt = make()
    out = fit(model, epoch_fn=epoch_fn, optimizer=opt, max_epochs=500, stop_loss=1e-3,
              history=tmp_path / "h.jsonl")
    assert out["converged"] and not out["diverged"] and out["train_loss"] < 1e-3
    lines = [json.loads(s) for s in (tmp_path / "h.jsonl").read_text().splitlines()]
    assert len(lines) == out["epochs"] and lines[-1]["train_loss"] == out["train_loss"]


def test_fit_records_divergence_without_raising():
    model, opt = make(lr=50.0)
    out = fit(model, epoch_fn=epoch_fn, optimizer=opt, max_epochs=200, stop_loss=1e-3)
    assert out["diverged"] and not out["converged"] and not math.isfinite(out["train_loss"])


def test_fit_stops_at_max_epochs():
    model, opt = make(lr=1e-4)
    out = fit(model, epoch_fn=epoch_fn, optimizer=opt, max_epochs=3, stop_loss=1e-9)
    assert out["epochs"] == 3 and not out["converged"] and not out["diverged"]


@pytest.mark.parametrize("at_end", [True, False])
def test_checkpoints_every_k_epochs_and_at_the_end_only_if_asked(tmp_path, monkeypatch, at_end):
    saved = []
    monkeypatch.setattr("ptft.deep.trainer._save", lambda path, model, opt, status: saved.append(status["epoch"]))
    model, opt = make(lr=1e-4)
    fit(model, epoch_fn=epoch_fn, optimizer=opt, max_epochs=7, stop_loss=1e-9, checkpoint=tmp_path / "c.pt",
        checkpoint_every=3, checkpoint_at_end=at_end)
    assert saved == ([3, 6, 7] if at_end else [3, 6])


def test_resume_after_interruption_equals_uninterrupted_run(tmp_path):
    model, opt = make()
    torch.manual_seed(99)
    want = fit(model, epoch_fn=epoch_fn, optimizer=opt, max_epochs=12, stop_loss=1e-12,
               history=tmp_path / "a.jsonl")

    def crashing(m, o, epoch):
        if epoch == 7:
            raise Interrupted
        return epoch_fn(m, o, epoch)

    model_b, opt_b = make()
    torch.manual_seed(99)
    ckpt, hist = tmp_path / "b.ckpt", tmp_path / "b.jsonl"
    with pytest.raises(Interrupted):
        fit(model_b, epoch_fn=crashing, optimizer=opt_b, max_epochs=12, stop_loss=1e-12, checkpoint=ckpt,
            history=hist, checkpoint_every=3)
    assert load_state(ckpt)["epoch"] == 6
    hist.write_text(hist.read_text() + '{"epoch": 99, "train_loss": 0}\n')  # a line past the checkpoint
    model_c, opt_c = make(seed=5)  # a fresh process: different init, RNG elsewhere
    torch.manual_seed(1234)
    got = fit(model_c, epoch_fn=epoch_fn, optimizer=opt_c, max_epochs=12, stop_loss=1e-12, checkpoint=ckpt,
              history=hist, checkpoint_every=3)
    assert (got["epochs"], got["train_loss"]) == (want["epochs"], want["train_loss"])
    assert torch.equal(model_c.weight, model.weight)
    assert hist.read_text() == (tmp_path / "a.jsonl").read_text()
    again = fit(model_c, epoch_fn=crashing, optimizer=opt_c, max_epochs=12, stop_loss=1e-12, checkpoint=ckpt)
    assert again["epochs"] == 12  # a finished checkpoint is not trained further


def test_init_from_loads_a_checkpoint_or_a_state_dict(tmp_path):
    model, opt = make()
    fit(model, epoch_fn=epoch_fn, optimizer=opt, max_epochs=2, stop_loss=0.0, checkpoint=tmp_path / "c.pt")
    fresh, _ = make(seed=3)
    init_from(fresh, tmp_path / "c.pt")
    assert torch.equal(fresh.weight, model.weight)
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    other, _ = make(seed=4)
    init_from(other, tmp_path / "sd.pt")
    assert torch.equal(other.bias, model.bias)


def test_device_pick():
    assert pick("cpu") == torch.device("cpu")
    assert pick("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
