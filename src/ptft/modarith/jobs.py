"""One Snakemake job: the members of a PT job (one PT task at one PT knob setting) as one ensemble, or those of an FT
job (one family) as one ensemble per ft_train_frac, one after another.

`settings` is the part of the `modarith` config a job reads (ptft.modarith.runs.settings): a PT job's p,
pt_train_frac, model, early_layers and `pt` (its task's `pt_by_task` applied), an FT job's p, pt_train_frac, model,
head, policies (where c_pt acts) and `ft` (its family's `ft_by_family` applied; the probe follows it too). Members
are run-table rows (ptft.modarith.runs).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ptft.modarith import probe, tasks
from ptft.modarith import train as tr

EVAL_COLUMNS = ["step", "run_id", "train_loss", "train_acc", "test_loss", "test_acc"]  # run_id: the member's id
OP_COLUMNS = ["pt_id", "op", "test_acc"]


def _model(settings: dict, state: dict, seed: int):
    model = tr.build(settings["p"], settings["model"], seed)
    model.load_state_dict(state)
    return model


def _split(settings: dict, seed: int, ft_train_frac: float) -> dict:
    return tasks.split(settings["p"], seed, settings["pt_train_frac"], ft_train_frac)


def _data(settings: dict, rows, task_key: str, part: str, ft_train_frac: float):
    p, frac = settings["p"], settings["pt_train_frac"]
    return [tr.member_data(p, r[task_key], r["seed"], part=part, pt_train_frac=frac, ft_train_frac=ft_train_frac)
            for r in rows]


def pretrain(members: list[dict], settings: dict, *, workdir, device) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Pretrain every member; returns ({pt_id: state_dict}, one status row per member, one row per member and
    operation of its PT task with the final test accuracy on that operation alone)."""
    p, arch = settings["p"], settings["model"]
    models = [tr.pt_member(p, arch, seed=r["seed"], alpha_rel=r["alpha_rel"], c_pt=r["c_pt"],
                           early_prefixes=settings["early_layers"]) for r in members]
    ids = [r["pt_id"] for r in members]
    # ft_train_frac is irrelevant to the PT split; pt_train_frac keeps split()'s nesting check satisfied.
    frac = settings["pt_train_frac"]
    ens, status = tr.train(models, run_ids=ids, train_data=_data(settings, members, "pt_task", "pt_train", frac),
                           test_data=_data(settings, members, "pt_task", "test", frac), workdir=workdir,
                           device=device, progress_desc=f"pretrain {members[0]['pt_task']}",
                           **settings["pt"])
    states = {run_id: {n: t.cpu() for n, t in ens.member_state(e).items()} for e, run_id in enumerate(ids)}
    return states, _table(members, status, "pt_id"), op_accuracy(members, settings, states)


def op_accuracy(members: list[dict], settings: dict, states: dict) -> pd.DataFrame:
    """Test accuracy of each PT model on each operation of its PT task (the mixture's mean hides a weak one)."""
    rows = []
    for r in members:
        model, test = _model(settings, states[r["pt_id"]], r["seed"]), _split(settings, r["seed"], 0.0)["test"]
        for op in tasks.task_ops(r["pt_task"]):
            x, y = tasks.dataset(settings["p"], op, test)
            rows.append({"pt_id": r["pt_id"], "op": op, "test_acc": probe.head_accuracy(
                model, model.unembed.weight, x, y)})
    return pd.DataFrame(rows, columns=OP_COLUMNS)


def finetune(members: list[dict], settings: dict, pt_states: dict, *, workdir, device) -> pd.DataFrame:
    """Fine-tune every member from its PT state (`pt_states[pt_id]`): the members of one ft_train_frac (equal data
    sizes) as one ensemble, in its own folder of `workdir` (`ensemble_workdir`), the ensembles one after another in
    the order of their first member. One result row per member (finetune_ensemble)."""
    fracs = list(dict.fromkeys(r["ft_train_frac"] for r in members))
    return pd.concat([finetune_ensemble([r for r in members if r["ft_train_frac"] == frac], settings, pt_states,
                                        workdir=ensemble_workdir(workdir, frac), device=device) for frac in fracs],
                     ignore_index=True)


def ensemble_workdir(workdir, ft_train_frac: float) -> Path:
    """The checkpoint and evals.jsonl folder of an FT job's ensemble of one ft_train_frac."""
    return Path(workdir) / f"ft_train_frac={ft_train_frac:g}"


def finetune_ensemble(members: list[dict], settings: dict, pt_states: dict, *, workdir, device) -> pd.DataFrame:
    """Fine-tune members of one ft_train_frac as one ensemble; one result row per member, with its
    baselines: the probe (the same fresh readout trained on the frozen body), the PT model's own accuracy on the FT
    task, and the PT task's accuracy of the fine-tuned body read by the PT readout (did the features survive?)."""
    p, arch = settings["p"], settings["model"]
    fracs = {r["ft_train_frac"] for r in members}
    if len(fracs) != 1:
        raise ValueError(f"an FT ensemble holds one ft_train_frac (equal data sizes), got {sorted(fracs)}")
    frac = fracs.pop()
    at_ft_start = settings["policies"]["c_pt"] == "ft_start"  # else c_pt already scaled the PT initialisation
    models = [tr.ft_member(p, arch, pt_states[r["pt_id"]], seed=r["seed"], gamma_ft=r["gamma_ft"],
                           head=settings["head"], c_pt=r["c_pt"] if at_ft_start else 1.0) for r in members]
    train_data = _data(settings, members, "ft_task", "ft_train", frac)
    test_data = _data(settings, members, "ft_task", "test", frac)
    baselines = pt_baselines(members, settings, models, pt_states, train_data, test_data)
    ens, status = tr.train(models, run_ids=[r["ft_id"] for r in members], train_data=train_data,
                           test_data=test_data, workdir=workdir, device=device,
                           progress_desc=f"finetune {'/'.join(sorted({r['family'] for r in members}))}, "
                                         f"ft_train_frac {frac:g}",
                           **settings["ft"])
    retained = [_retained(settings, r, ens.member_state(e), pt_states[r["pt_id"]], frac)
                for e, r in enumerate(members)]
    return _table(members, status, "ft_id").assign(n_train=tasks.n_pairs(p, frac), pt_retained_acc=retained,
                                                    **baselines)


def pt_baselines(members: list[dict], settings: dict, models, pt_states: dict, train_data, test_data) -> dict:
    """Per member, before fine-tuning: probe_train_acc / probe_test_acc (its fresh readout trained with the FT
    optimizer and steps on the frozen features of its FT start: the PT body, × c_pt under `ft_start`) and
    pt_ft_task_acc (the PT model's own accuracy on the FT task's test pairs; NaN when the FT operation is not one of
    the PT task's: the PT readout never learnt it)."""
    head = settings["head"] + ".weight"
    feats = {part: [probe.features(m, x) for m, (x, _) in zip(models, data)]
             for part, data in (("train", train_data), ("test", test_data))}
    labels = {part: [torch.from_numpy(y) for _, y in data] for part, data in (("train", train_data),
                                                                             ("test", test_data))}
    schedule = {k: v for k, v in settings["ft"].items() if k in ("optimizer", "lr", "weight_decay", "betas",
                                                                  "momentum", "steps")}
    acc = probe.fit(torch.stack(feats["train"]), torch.stack(labels["train"]), torch.stack(feats["test"]),
                    torch.stack(labels["test"]), torch.stack([m.get_parameter(head).detach() for m in models]),
                    **schedule)
    # The PT model itself, not the FT start (whose body c_pt may have scaled).
    own = [probe.head_accuracy(_model(settings, pt_states[r["pt_id"]], r["seed"]), pt_states[r["pt_id"]][head], x, y)
           if r["ft_task"] in tasks.task_ops(r["pt_task"]) else np.nan
           for r, (x, y) in zip(members, test_data)]
    return {"probe_train_acc": acc["train_acc"], "probe_test_acc": acc["test_acc"], "pt_ft_task_acc": own}


def _retained(settings: dict, row: dict, ft_state: dict, pt_state: dict, frac: float) -> float:
    """Test accuracy on the PT task of the fine-tuned body read by the PT readout: did the PT features survive?"""
    x, y = tasks.dataset(settings["p"], row["pt_task"], _split(settings, row["seed"], frac)["test"])
    body = _model(settings, {k: v.cpu() for k, v in ft_state.items()}, row["seed"])
    return probe.head_accuracy(body, pt_state[settings["head"] + ".weight"], x, y)


def _table(members: list[dict], status: list[dict], key: str) -> pd.DataFrame:
    """Run-table rows joined with the members' final status (status run_id = the member's `key`)."""
    st = pd.DataFrame(status).rename(columns={"run_id": key})
    st["steps"] = st["steps"].astype(int)
    return pd.DataFrame(members).merge(st, on=key, validate="one_to_one")


def evals_table(workdir, key: str) -> pd.DataFrame:
    """The per-member evaluation history (every evals.jsonl under the job's work folder: one per ensemble) as a tidy
    table, the member's id named `key` (pt_id or ft_id)."""
    parts = [pd.read_json(path, lines=True)[EVAL_COLUMNS] for path in sorted(Path(workdir).rglob("evals.jsonl"))
             if path.read_text().strip()]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=EVAL_COLUMNS)
    return table.rename(columns={"run_id": key})
