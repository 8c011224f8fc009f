"""Config loading and validation: YAML read with file:line:column errors, the JSON schema (types, ranges, unknown keys,
defaults) through `snakemake.utils.validate`, then each arm's cross-field rules that a schema cannot state.

One path for every entry point: the Snakefile (workflow/rules/common.smk), `ptft plan`, `ptft check-config` and the
tests all call `validate(load(...))` or `validate(config)`, so a bad config fails before any job runs.
"""

from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import yaml

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
ARMS = ("dln", "vision", "modarith")  # each with a section, `<arm>.schema.yaml` and `ptft.<arm>.config.check_config`


class ConfigError(ValueError):
    """A config value is invalid; the message names the key (or file:line:column) and what was expected."""


def key_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<top level>"


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key repeated in one mapping (PyYAML would silently keep the last value)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` merges are YAML's, left to PyYAML
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is repeated (first at line {seen[key] + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def read_yaml(path) -> dict:
    """One config file as a dict. A YAML mistake raises ConfigError naming `file:line:column` and the problem."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file")
    try:
        data = yaml.load(path.read_text(), Loader=_UniqueKeyLoader)  # a SafeLoader: plain data only
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" ({err.context} at line {err.context_mark.line + 1})" if err.context and err.context_mark else ""
        raise ConfigError(f"{path}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {err.problem}{where}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: invalid YAML: {err}") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{path}:1:1: expected a mapping of config keys at the top level, got {type(data).__name__}")
    return data or {}


def check_yaml(*paths) -> None:
    """Read every existing file of `paths` with `read_yaml` (the Snakefile's check before Snakemake's own load)."""
    for path in paths:
        if Path(path).is_file():
            read_yaml(path)


def check_schema(config: dict, schema_path: Path = SCHEMA) -> None:
    """The top-level schema, then each arm's section against `<arm>.schema.yaml` beside it, filling in defaults."""
    _snakemake_validate(config, Path(schema_path), [])
    for arm in ARMS:
        if arm in config:
            _snakemake_validate(config[arm], Path(schema_path).parent / f"{arm}.schema.yaml", [arm])


def _snakemake_validate(section: dict, schema_path: Path, where: list) -> None:
    """`snakemake.utils.validate` with the schema's defaults set in `section`; its error re-raised naming the key.

    One call per schema file: jsonschema validates a `$ref` to another file (with its own `$schema`) without the
    defaults extension, so the arms are not reached through the top-level schema.
    """
    from jsonschema import ValidationError
    from snakemake.utils import validate as snakemake_validate
    from snakemake_interface_common.exceptions import WorkflowError

    try:
        snakemake_validate(section, str(schema_path), set_default=True)
    except WorkflowError as err:
        cause = err.__context__
        if not isinstance(cause, ValidationError):
            raise
        # Snakemake stops at its first error; every other one of this file is named too, so that one pass fixes all.
        errors = [cause, *(e for e in _schema_errors(section, schema_path)
                           if (list(e.absolute_path), e.message) != (list(cause.absolute_path), cause.message))]
        lines = [f"config key {key_path([*where, *e.absolute_path])}: {e.message}" for e in errors]
        more = "".join(f"\n  also: {line}" for line in lines[1:])
        raise ConfigError(f"invalid config: {lines[0]}{more}") from None


def _schema_errors(section: dict, schema_path: Path) -> list:
    """Every error of `section` against the schema file (its `$ref`s to other local files resolved), by key."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    def retrieve(uri: str):
        return Resource.from_contents(read_schema(Path(url2pathname(urlparse(uri).path))))

    schema = {**read_schema(schema_path), "$id": schema_path.resolve().as_uri()}
    validator = Draft202012Validator(schema, registry=Registry(retrieve=retrieve))
    return sorted(validator.iter_errors(section), key=lambda e: [str(p) for p in e.absolute_path])


def check_arms(config: dict) -> None:
    """Each arm's cross-field rules, explicitly, for every arm section present (enabled or not)."""
    # Imported here: each arm's config module imports ConfigError from this one.
    from ptft.dln.config import check_config as check_dln
    from ptft.modarith.config import check_config as check_modarith
    from ptft.vision.config import check_config as check_vision

    for arm, check in zip(ARMS, (check_dln, check_vision, check_modarith)):
        if arm in config:
            check(config[arm])


# Maps of named entries (a panel, a family, a sweep, ...). Configs merge key by key over the default, as Snakemake's
# --configfile does, so a later file cannot delete an entry; `name: null` in one of these maps removes it.
NAMED_ENTRIES = ("dln.panels", "vision.datasets", "vision.sweeps", "modarith.families", "modarith.sweeps",
                 "modarith.pt_by_task", "modarith.ft_by_family")


def drop_removed_entries(config: dict) -> None:
    """Delete the entries set to null in the maps of NAMED_ENTRIES (in place)."""
    for dotted in NAMED_ENTRIES:
        node = config
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            for name in [k for k, v in node.items() if v is None]:
                del node[name]


def validate(config: dict, schema_path: Path = SCHEMA) -> dict:
    """Raise ConfigError naming the key unless `config` is valid; return it with the schema's defaults filled in
    (and the named entries set to null removed: NAMED_ENTRIES)."""
    drop_removed_entries(config)
    check_schema(config, schema_path)
    check_arms(config)
    return config


def load(*paths) -> dict:
    """Load and deep-merge YAML configs left to right (as Snakemake merges --configfile over configfile:)."""
    merged: dict = {}
    for path in paths:
        _merge(merged, read_yaml(path))
    return merged


def _merge(base: dict, new: dict) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v


def read_schema(path: Path) -> dict:
    """A schema file as data ({} when absent)."""
    return yaml.safe_load(path.read_text()) if path.exists() else {}
