"""One Snakemake job = one ensemble: the members of a PT job (one PT task) or an FT job (one family × fraction).

`settings` is the part of the `modarith` config a job needs: p, pt_train_frac, model, pt/ft schedule,
generalise_acc, early_layers, head. Members are run-table rows (ptft.modarith.runs).
"""

from pathlib import Path

import pandas as pd

from ptft.modarith import train as tr

EVAL_COLUMNS = ["step", "run_id", "train_loss", "train_acc", "test_loss", "test_acc"]


def _schedule(settings: dict, phase: str) -> dict:
    return {**settings[phase], "generalise_acc": settings["generalise_acc"]}


def _data(settings: dict, rows, task_key: str, part: str, ft_train_frac: float):
    p, frac = settings["p"], settings["pt_train_frac"]
    return [tr.member_data(p, r[task_key], r["seed"], part=part, pt_train_frac=frac, ft_train_frac=ft_train_frac)
            for r in rows]


def pretrain(members: list[dict], settings: dict, *, workdir, device) -> tuple[dict, pd.DataFrame]:
    """Pretrain every member; returns ({pt_run_id: state_dict}, one status row per member)."""
    p, arch = settings["p"], settings["model"]
    models = [tr.pt_member(p, arch, seed=r["seed"], alpha_rel=r["alpha_rel"], c_pt=r["c_pt"],
                           early_prefixes=settings["early_layers"]) for r in members]
    ids = [r["pt_run_id"] for r in members]
    # ft_train_frac is irrelevant to the PT split; pt_train_frac keeps split()'s nesting check satisfied.
    frac = settings["pt_train_frac"]
    ens, status = tr.train(models, run_ids=ids, train_data=_data(settings, members, "pt_task", "pt_train", frac),
                           test_data=_data(settings, members, "pt_task", "test", frac), workdir=workdir,
                           device=device, progress_desc="pretrain", **_schedule(settings, "pt"))
    states = {run_id: ens.member_state(e) for e, run_id in enumerate(ids)}
    return {k: {n: t.cpu() for n, t in s.items()} for k, s in states.items()}, _table(members, status, "pt_run_id")


def finetune(members: list[dict], settings: dict, pt_states: dict, *, workdir, device) -> pd.DataFrame:
    """Fine-tune every member from its PT state (`pt_states[pt_run_id]`); one result row per member."""
    p, arch = settings["p"], settings["model"]
    fracs = {r["ft_train_frac"] for r in members}
    if len(fracs) != 1:
        raise ValueError(f"an FT job holds one ft_train_frac (equal data sizes), got {sorted(fracs)}")
    frac = fracs.pop()
    models = [tr.ft_member(p, arch, pt_states[r["pt_run_id"]], seed=r["seed"], gamma_ft=r["gamma_ft"],
                           head=settings["head"]) for r in members]
    _, status = tr.train(models, run_ids=[r["run_id"] for r in members],
                         train_data=_data(settings, members, "ft_task", "ft_train", frac),
                         test_data=_data(settings, members, "ft_task", "test", frac), workdir=workdir,
                         device=device, progress_desc="finetune", **_schedule(settings, "ft"))
    return _table(members, status, "run_id").assign(n_train=round(frac * p * p))


def _table(members: list[dict], status: list[dict], key: str) -> pd.DataFrame:
    """Run-table rows joined with the members' final status (status run_id = the member's `key`)."""
    st = pd.DataFrame(status).rename(columns={"run_id": key})
    st["steps"] = st["steps"].astype(int)
    return pd.DataFrame(members).merge(st, on=key, validate="one_to_one")


def evals_table(workdir) -> pd.DataFrame:
    """The per-member evaluation history (evals.jsonl of the job's work folder) as a tidy table."""
    path = Path(workdir) / "evals.jsonl"
    if not path.exists() or not path.read_text().strip():
        return pd.DataFrame(columns=EVAL_COLUMNS)
    return pd.read_json(path, lines=True)[EVAL_COLUMNS]
