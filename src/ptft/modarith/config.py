"""Cross-field checks of the `modarith` config section that the JSON schema cannot state."""

from ptft.config import ConfigError
from ptft.deep.runs import check_sweeps
from ptft.modarith import runs, tasks


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % k for k in range(2, int(n**0.5) + 1))


def _check_families(families: dict) -> None:
    for name, spec in families.items():
        for key in ("pt_task", "ft_task"):
            try:
                ops = tasks.task_ops(spec[key])
            except KeyError as err:
                raise ConfigError(f"modarith.families.{name}.{key}: {err.args[0]}") from None
            if len(ops) != len(set(ops)):
                raise ConfigError(f"modarith.families.{name}.{key}: {spec[key]!r} repeats an operation")
        if len(tasks.task_ops(spec["ft_task"])) != 1:
            raise ConfigError(f"modarith.families.{name}.ft_task: {spec['ft_task']!r}; expected one operation")


def check_config(section: dict) -> None:
    """Raise ConfigError naming the key when a modarith setting is inconsistent (types/ranges: the schema)."""
    p = section["p"]
    if not _is_prime(p):
        raise ConfigError(f"modarith.p: {p} is not prime; expected a prime (the tasks live in Z/pZ)")
    _check_families(section["families"])
    if tasks.n_pairs(p, section["pt_train_frac"]) >= p * p:
        raise ConfigError(f"modarith.pt_train_frac: {section['pt_train_frac']} leaves no test pairs at p = {p}")
    for frac in section["ft_train_frac"]:
        if frac > section["pt_train_frac"]:
            raise ConfigError(f"modarith.ft_train_frac: {frac} exceeds pt_train_frac = {section['pt_train_frac']}; "
                              "expected ≤ (FT train pairs are drawn from the PT train pairs, the test pairs from "
                              "neither)")
        if tasks.n_pairs(p, frac) < 1:
            raise ConfigError(f"modarith.ft_train_frac: {frac} gives no FT train pair at p = {p}")
    pretrained = runs.pt_tasks(section)
    for task in section.get("pt_by_task", {}):
        try:
            tasks.task_ops(task)
        except KeyError as err:
            raise ConfigError(f"modarith.pt_by_task.{task}: {err.args[0]}") from None
        if task not in pretrained:
            raise ConfigError(f"modarith.pt_by_task.{task}: no family pretrains {task!r} (PT tasks: {pretrained}); "
                              "expected one of them, spelled as in modarith.families, or `null` to drop an entry "
                              "of the default")
    for family in section.get("ft_by_family", {}):
        if family not in section["families"]:
            raise ConfigError(f"modarith.ft_by_family.{family}: not a family of modarith.families "
                              f"({sorted(section['families'])}); expected one of them, or `null` to drop an entry "
                              "of the default")
    arch = section["model"]
    if arch["d_model"] % arch["n_heads"]:
        raise ConfigError(f"modarith.model.n_heads: {arch['n_heads']} does not divide d_model = {arch['d_model']}")
    unknown = set(section.get("sweep_families", ())) - set(section["families"])
    if unknown:
        raise ConfigError(f"modarith.sweep_families: {sorted(unknown)} are not families of modarith.families")
    check_sweeps("modarith", section["base"], section["sweeps"])
