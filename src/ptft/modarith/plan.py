"""The modular-arithmetic rows of `ptft plan`: Transformer ensemble jobs (PT and FT)."""

import pandas as pd

from ptft.modarith import runs as mr
from ptft.plan import device_of, row


SEQUENCE = 4  # tokens per example: a, op, b, =


def _peak_bytes(cfg: dict, members, examples) -> float:
    """Largest job's memory estimate (fp32): per member the weights, their gradients and AdamW's two moments
    (4 × parameters), plus the activations autograd keeps for the full batch (about 12·d_model + d_mlp + 2·heads·4
    numbers per token and layer, and the p-way logits)."""
    model, p = cfg["model"], cfg["p"]
    d, layers = model["d_model"], model["n_layers"]
    params = (2 * (p + 3) + SEQUENCE) * d + layers * (4 * d * d + 2 * d * model["d_mlp"])
    per_example = SEQUENCE * layers * (12 * d + model["d_mlp"] + 2 * model["n_heads"] * SEQUENCE) + 2 * p
    total = 4.0 * (members * 4 * params + members * examples * per_example)
    return float(total.max()) if len(total) else 0.0


def rows(cfg: dict, u: dict) -> list[dict]:
    m, overhead = u["modarith"], u["job_overhead_s"] + u["job_fixed_s"]["modarith"]
    device = device_of(cfg)
    model = cfg["model"]
    width = model["d_model"] * (model["d_model"] + model["d_mlp"]) * model["n_layers"]
    c = m["s_per_member_step_example"][device] * width / m["reference_width"]
    pt, ft = mr.pt_table(cfg), mr.ft_table(cfg)
    pairs = cfg["p"] ** 2
    n_ops = pt["pt_task"].str.count(r"\+") + 1
    pt_steps = pt["pt_task"].map(lambda task: mr.pt_schedule(cfg, task)["steps"])
    pt_work = (cfg["pt_train_frac"] * pairs * n_ops * pt_steps * c).groupby(pt["pt_job"]).sum()
    ft_steps = ft["family"].map(lambda family: mr.ft_schedule(cfg, family)["steps"])
    ft_work = (ft["ft_train_frac"] * pairs * ft_steps * c * m["ft_factor"]).groupby(ft["ft_job"]).sum()
    pt_members = pt.groupby("pt_job").size()
    pt_examples = (cfg["pt_train_frac"] * pairs * n_ops).groupby(pt["pt_job"]).max()
    # An FT job trains one ensemble per ft_train_frac, one after another: memory is that of its largest ensemble.
    ensembles = ft.groupby(["ft_job", "ft_train_frac"])
    ft_members = ensembles.size()
    ft_examples = pd.Series(ft_members.index.get_level_values("ft_train_frac") * pairs, index=ft_members.index)
    return [row("modarith", "modarith_pretrain", overhead + pt_work, device=device,
                mem_bytes=_peak_bytes(cfg, pt_members, pt_examples), note=f"{len(pt)} members; memory estimated"),
            row("modarith", "modarith_finetune", overhead + ft_work, device=device,
                mem_bytes=_peak_bytes(cfg, ft_members, ft_examples),
                note=f"{len(ft)} members, probes included; memory estimated")]
