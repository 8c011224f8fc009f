"""The modular-arithmetic rows of `ptft plan`: Transformer ensemble jobs (PT and FT)."""

from ptft.modarith import runs as mr
from ptft.plan import device_of, row


def rows(cfg: dict, u: dict) -> list[dict]:
    m, overhead = u["modarith"], u["job_overhead_s"] + u["job_fixed_s"]["modarith"]
    device = device_of(cfg)
    model = cfg["model"]
    width = model["d_model"] * (model["d_model"] + model["d_mlp"]) * model["n_layers"]
    c = m["s_per_member_step_example"][device] * width / m["reference_width"]
    pt, ft = mr.tables(cfg)
    pairs = cfg["p"] ** 2
    n_ops = pt["pt_task"].str.count(r"\+") + 1
    pt_steps = pt["pt_task"].map(lambda task: mr.pt_schedule(cfg, task)["steps"])
    pt_work = (cfg["pt_train_frac"] * pairs * n_ops * pt_steps * c).groupby(pt["pt_job"]).sum()
    ft_work = (ft["ft_train_frac"] * pairs * cfg["ft"]["steps"] * c * m["ft_factor"]).groupby(ft["ft_job"]).sum()
    return [row("modarith", "modarith_pretrain", overhead + pt_work, device=device, note=f"{len(pt)} members"),
            row("modarith", "modarith_finetune", overhead + ft_work, device=device,
                 note=f"{len(ft)} members, probes included")]
