"""Cross-field checks of the `dln` config section that the JSON schema cannot state."""

from ptft.config import ConfigError


def _check_task(key: str, rho_pt: float, rho_ft: float, omega: float, dim: int) -> None:
    """REFERENCE §2: the four coordinate groups must have non-negative sizes, and the FT teacher ≥ 1 coordinate."""
    if omega * rho_ft > rho_pt + 1e-12:
        raise ConfigError(f"{key}: omega·rho_ft = {omega}·{rho_ft} exceeds rho_pt = {rho_pt} "
                          "(the overlap must fit inside the PT support); expected omega·rho_ft ≤ rho_pt")
    if rho_pt + (1 - omega) * rho_ft > 1 + 1e-12:
        raise ConfigError(f"{key}: rho_pt + (1 − omega)·rho_ft = {rho_pt + (1 - omega) * rho_ft:g} exceeds 1; "
                          "expected the PT support and the new FT coordinates to fit in dim")
    if round(rho_ft * dim) < 1:
        raise ConfigError(f"{key}: rho_ft = {rho_ft} with dim = {dim} gives round(rho_ft·dim) = 0 FT coordinates; "
                          "expected at least one (raise dim or rho_ft)")


def check_config(section: dict) -> None:
    """Raise ConfigError naming the key when a DLN setting is infeasible (the schema has checked types/ranges)."""
    dim, rho_pt = section["dim"], section["rho_pt"]
    if round(rho_pt * dim) < 1:
        raise ConfigError(f"dln.rho_pt: {rho_pt} with dim = {dim} gives no PT coordinates; expected ≥ 1")
    for alpha in section["alpha"]:
        if round(alpha * dim) < 1:
            raise ConfigError(f"dln.alpha: {alpha} with dim = {dim} gives round(alpha·dim) = 0 FT samples; expected ≥ 1")
    for name, panel in section["panels"].items():
        if panel["hue"] == panel["style"]:
            raise ConfigError(f"dln.panels.{name}.style: {panel['style']!r} equals hue; expected two different knobs")
        for rho_ft in panel["rho_ft"]:
            for omega in panel["omega"]:
                _check_task(f"dln.panels.{name}.rho_ft/omega", rho_pt, rho_ft, omega, dim)
    _check_support(section)
    single = section["single_task"]
    if round(single["rho"] * dim) < 1:
        raise ConfigError(f"dln.single_task.rho: {single['rho']} with dim = {dim} gives no teacher coordinates")
    for key in ("log10_beta_pt", "log10_c_over_beta_ft", "log10_gamma_ft"):
        lo, hi = section["phase"][key]
        if not lo < hi:
            raise ConfigError(f"dln.phase.{key}: expected [low, high] with low < high, got {[lo, hi]}")


def _check_support(section: dict) -> None:
    """Every panel's FT sparsities reach dln.min_support nonzero coordinates at GD's D or at the minimiser's."""
    minimiser = section["minimiser"]
    unknown = sorted(set(minimiser["panels"]) - set(section["panels"]))
    if unknown:
        raise ConfigError(f"dln.minimiser.panels: {unknown} are not panels of dln.panels ({sorted(section['panels'])})")
    for name, panel in section["panels"].items():
        dims = [section["dim"]] + ([minimiser["dim"]] if name in minimiser["panels"] else [])
        for rho_ft in panel["rho_ft"]:
            if all(round(rho_ft * d) < section["min_support"] for d in dims):
                raise ConfigError(
                    f"dln.panels.{name}.rho_ft: {rho_ft} gives fewer than dln.min_support = {section['min_support']} "
                    f"nonzero FT coordinates at every D that draws it ({dims}); expected a larger dln.dim, or the "
                    "panel in dln.minimiser.panels with a larger dln.minimiser.dim")
