"""PT -> FT round trip of ResNet-18 on a tiny stand-in on CPU: the loss falls, and a fixed seed gives
exactly the same numbers (tolerance: exact equality, fp32 CPU is deterministic here)."""

import json

import pytest
import torch

from ptft.vision import model as resnet
from ptft.vision import tasks
from ptft.vision import steps, train
from ptft.vision.synthetic import stand_in

SYN = dict(image_size=8, n_train_per_class=12, n_test_per_class=4, n_features=12, features_per_class=3,
           noise=0.3, seed=0)
EARLY = ["conv1", "bn1", "layer1", "layer2", "layer3"]
POLICIES = {"alpha_rel": "early_layers", "c_pt": "ft_start", "gamma_ft": "pt_rows"}
ENSD = {"layers": ["layer1", "layer4"], "images": "ft_train", "max_images": 8}
CPU = steps.Runtime(device=torch.device("cpu"), eval_batch=64, checkpoint_every=100)


@pytest.fixture(scope="module")
def data():
    return {**stand_in(10, **SYN), "n_classes": 10, "data_source": "synthetic stand-in"}


def round_trip(data, tmp):
    torch.set_num_threads(1)
    pt_opt = steps.Optim(lr=0.01, momentum=0.9, batch_size=32, max_epochs=3, stop_loss=1e-3)
    # One PT job of two runs (seeds 3 and 4 of one knob setting), their models in one file.
    pt_runs = [{"pt_id": "p3", "seed": 3, "alpha_rel": 2.0}, {"pt_id": "p4", "seed": 4, "alpha_rel": 2.0}]
    states, pt_rows, pt_history = train.pretrain_runs(data, pt_runs, stem="imagenet", relative_prefixes=EARLY,
                                                      opt=pt_opt, max_images=48, runtime=CPU, workdir=tmp / "pt")
    assert [r["pt_id"] for r in pt_rows] == ["p3", "p4"] and {h["pt_id"] for h in pt_history} == {"p3", "p4"}
    assert len(pt_history) == sum(r["epochs"] for r in pt_rows)
    train.save_pretrained(tmp / "model.pt", states)
    pt_state = train.load_pretrained(tmp / "model.pt", "p3")
    assert pt_state.keys() == states["p3"].keys() and all(torch.equal(v, states["p3"][k]) for k, v in pt_state.items())
    assert not torch.equal(pt_state["fc.weight"], states["p4"]["fc.weight"])  # each run its own model
    ft_opt = steps.Optim(lr=0.01, momentum=0.9, batch_size=32, max_epochs=4, stop_loss=1e-4)
    runs = [{"ft_id": "a", "c_pt": 1.0, "gamma_ft": 1.0, "n": 8}, {"ft_id": "b", "c_pt": 2.0, "gamma_ft": 0.0, "n": 16}]
    rows, ensd = train.finetune(data, pt_state, runs, seed=3, stem="imagenet", opt=ft_opt, policies=POLICIES,
                                ensd=ENSD, runtime=CPU, workdir=tmp / "ft")
    return pt_rows[0], rows, ensd


def history(path):
    return [json.loads(line)["train_loss"] for line in path.read_text().splitlines()]


def test_pt_ft_round_trip_lowers_the_loss_and_is_deterministic(data, tmp_path):
    metrics, rows, ensd = round_trip(data, tmp_path / "first")
    assert metrics["n_pt_images"] == 48 and metrics["epochs"] == 3
    pt_losses = history(tmp_path / "first" / "pt" / "p3" / "history.jsonl")
    assert pt_losses[-1] < pt_losses[0]
    for row in rows:
        losses = history(tmp_path / "first" / "ft" / row["ft_id"] / "history.jsonl")
        assert losses[-1] < losses[0] and not row["diverged"]
        assert row["n_test"] == 8 and 0.0 <= row["test_acc"] <= 1.0 and 0.0 <= row["probe_test_acc"] <= 1.0
        assert not (tmp_path / "first" / "ft" / row["ft_id"] / "checkpoint.pt").exists()
    assert {(r["ft_id"], r["layer"]) for r in ensd} == {(i, l) for i in "ab" for l in ("layer1", "layer4")}
    assert all(0.0 < r["ensd"] <= min(r["pr_pre"], r["pr_post"]) * (1 + 1e-6) for r in ensd)
    again = round_trip(data, tmp_path / "second")
    assert (metrics["train_loss"], timeless(rows), ensd) == (again[0]["train_loss"], timeless(again[1]), again[2])
    # A rerun in the same folder reuses the finished PT runs and the finished FT results (none is trained again).
    markers = [tmp_path / "first" / phase / run / "result.json" for phase, run in (("pt", "p3"), ("pt", "p4"),
                                                                                   ("ft", "a"))]
    stamps = [m.stat().st_mtime_ns for m in markers]
    assert not (tmp_path / "first" / "pt" / "p3" / "checkpoint.pt").exists()  # the finished run's model.pt holds it
    resumed = round_trip(data, tmp_path / "first")
    assert resumed[1] == rows and [m.stat().st_mtime_ns for m in markers] == stamps
    assert resumed[0] == metrics


def timeless(rows):
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in rows]


def test_held_out_evaluation_scores_runs_and_probe_on_the_unused_ft_images(data):
    """eval_images = held_out: the test images of the FT classes first, then their train images outside every FT set
    of the seed's grid; the authors' `test` keeps the test images alone."""
    split = tasks.label_split(10, 3)
    test_x, test_y = train.evaluation_set(data, split, 3, "test", [])
    x, y = train.evaluation_set(data, split, 3, "held_out", [8, 16])
    assert len(test_x) == 8 and len(x) == 8 + 2 * 12 - 16
    assert torch.equal(x[:8], test_x) and torch.equal(y[:8], test_y) and set(y.tolist()) == {0, 1}
    with pytest.raises(ValueError, match="n_grid"):
        train.evaluation_set(data, split, 3, "held_out", [])


def test_finetune_reports_the_held_out_count(data, tmp_path):
    torch.set_num_threads(1)
    pt_opt = steps.Optim(lr=0.01, momentum=0.9, batch_size=32, max_epochs=1, stop_loss=1e-3)
    model, metrics = train.pretrain(data, seed=3, alpha_rel=1.0, c_pt=1.0, stem="imagenet", relative_prefixes=[],
                                    opt=pt_opt, max_images=32, runtime=CPU, workdir=tmp_path / "pt")
    ft_opt = steps.Optim(lr=0.01, momentum=0.9, batch_size=32, max_epochs=1, stop_loss=1e-4)
    (row,), _ = train.finetune(data, model.state_dict(), [{"ft_id": "a", "c_pt": 1.0, "gamma_ft": 1.0, "n": 8}],
                               seed=3, stem="imagenet", opt=ft_opt, policies=POLICIES, ensd=ENSD, runtime=CPU,
                               workdir=tmp_path / "ft", eval_images="held_out", n_grid=[8, 16])
    assert row["n_test"] == 8 + 2 * 12 - 16 and 0.0 <= row["probe_test_acc"] <= 1.0


def test_ensd_of_an_ft_start_is_computed_once_per_start_and_equals_a_fresh_one(data, tmp_path, monkeypatch):
    """Runs that differ in n only share their FT start: its ENSD activations are computed once and are those of the
    start itself (the pre-FT side of every ENSD row equals the start's own participation ratio)."""
    torch.set_num_threads(1)
    pt_opt = steps.Optim(lr=0.01, momentum=0.9, batch_size=32, max_epochs=1, stop_loss=1e-3)
    model, metrics = train.pretrain(data, seed=3, alpha_rel=1.0, c_pt=1.0, stem="imagenet", relative_prefixes=[],
                                    opt=pt_opt, max_images=32, runtime=CPU, workdir=tmp_path / "pt")
    calls = []
    real = train.activations
    monkeypatch.setattr(train, "activations", lambda m, x, layers: calls.append(list(layers)) or real(m, x, layers))
    ft_opt = steps.Optim(lr=0.01, momentum=0.9, batch_size=32, max_epochs=1, stop_loss=1e-4)
    runs = [{"ft_id": f"{c}-{n}", "c_pt": c, "gamma_ft": 1.0, "n": n} for c in (1.0, 2.0) for n in (8, 16)]
    _, ensd = train.finetune(data, model.state_dict(), runs, seed=3, stem="imagenet", opt=ft_opt,
                             policies=POLICIES, ensd=ENSD, runtime=CPU, workdir=tmp_path / "ft")
    # ENSD: 2 starts + 4 fine-tuned models; the probe's avgpool features: the evaluation images + 2 sizes of n.
    assert sum(c == ENSD["layers"] for c in calls) == 2 + 4
    probe_x = steps.to_input(train._ensd_images(data, tasks.label_split(10, 3), 3, ENSD, None), CPU)
    pt_model = train._network(data, "imagenet", 3)
    pt_model.load_state_dict(model.state_dict())
    for c in (1.0, 2.0):
        start = real(train.ft_start(pt_model, {"c_pt": c, "gamma_ft": 1.0}, policies=POLICIES, seed=3), probe_x,
                     ENSD["layers"])
        for row in (r for r in ensd if r["ft_id"].startswith(f"{c}-")):
            assert row["pr_pre"] == pytest.approx(float(train.ensd_terms(start[row["layer"]],
                                                                         start[row["layer"]])["pr_pre"]), rel=1e-6)


def test_minibatches_never_leave_a_single_image():
    sizes = [len(b) for b in steps.batches(torch.arange(129), 128)]
    assert sizes == [129]
    assert [len(b) for b in steps.batches(torch.arange(130), 128)] == [128, 2]


def test_inputs_are_normalised_to_minus_one_one():
    x = torch.tensor([0, 255], dtype=torch.uint8).view(1, 2, 1, 1).expand(1, 2, 2, 2).contiguous()
    out = steps.to_input(x, CPU)
    assert out.min().item() == -1.0 and out.max().item() == 1.0


def test_pretraining_never_trains_the_ft_rows_of_the_head(data, tmp_path):
    """PT reads logits 2.. (as the authors), so fc rows 0–1 end PT exactly at their init; the other rows move."""
    torch.set_num_threads(1)
    opt = steps.Optim(lr=0.05, momentum=0.9, batch_size=16, max_epochs=2, stop_loss=0.0)
    model, _ = train.pretrain(data, seed=1, alpha_rel=1.0, c_pt=1.0, stem="imagenet", relative_prefixes=["conv1"],
                              opt=opt, max_images=48, runtime=CPU, workdir=tmp_path)
    init = resnet.build(10, seed=1)
    assert model.fc.weight.shape == (10, 512)
    assert torch.equal(model.fc.weight[:2], init.fc.weight[:2]) and torch.equal(model.fc.bias[:2], init.fc.bias[:2])
    assert not torch.equal(model.fc.weight[2:], init.fc.weight[2:])


@pytest.mark.parametrize("c_policy", ["ft_start", "pt_init"])
def test_ft_start_applies_the_absolute_scale_and_the_readout_by_policy(c_policy):
    pt_model = resnet.build(10, seed=2)
    run = {"c_pt": 2.0, "gamma_ft": 0.1}
    start = train.ft_start(pt_model, run, policies={"c_pt": c_policy, "gamma_ft": "pt_rows"}, seed=2)
    c = 2.0 if c_policy == "ft_start" else 1.0  # pt_init: c_pt was already applied to the PT initialisation
    assert torch.allclose(start.layer3[0].bn1.weight, c * pt_model.layer3[0].bn1.weight)
    assert torch.allclose(start.fc.weight, 0.1 * c * pt_model.fc.weight[:2])
    assert torch.equal(pt_model.fc.weight, resnet.build(10, seed=2).fc.weight)  # the PT model is left as it was
    fresh = train.ft_start(pt_model, run, policies={"c_pt": c_policy, "gamma_ft": "fresh"}, seed=2)
    assert fresh.fc.out_features == 2 and not torch.allclose(fresh.fc.weight, start.fc.weight)  # a new draw


def test_mnist_shaped_images_train_through_a_one_channel_stem():
    model = resnet.build(10, seed=0, in_channels=1)
    assert model.conv1.weight.shape == (64, 1, 7, 7)
    x = torch.randint(0, 256, (4, 1, 28, 28), dtype=torch.uint8)
    assert model(steps.to_input(x, CPU)).shape == (4, 10)


def test_recomputed_bn_statistics_are_those_of_the_ft_images():
    """bn_stats ft_train: eval mode then normalises with the FT images' own batch statistics (what the running
    statistics converge to under long full-batch FT), whatever the running statistics were before."""
    model = resnet.build(10, seed=0, in_channels=1)
    model.bn1.running_mean.fill_(5.0)
    x = torch.randint(0, 256, (12, 1, 28, 28), dtype=torch.uint8)
    steps.recompute_bn_stats(model, x, batch_size=128, runtime=CPU)
    pre = model.conv1(steps.to_input(x, CPU)).detach()
    torch.testing.assert_close(model.bn1.running_mean, pre.mean(dim=(0, 2, 3)), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(model.bn1.running_var, pre.var(dim=(0, 2, 3), unbiased=True), rtol=1e-4, atol=1e-5)
    assert model.bn1.momentum == 0.1  # training's momentum restored
