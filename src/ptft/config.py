"""Config validation: the JSON schema (types, ranges, unknown keys) plus the cross-field rules it cannot state.

Called by workflow/rules/common.smk at parse time, so a bad config fails before any job runs.
"""

import importlib
from pathlib import Path

import jsonschema
import referencing
import yaml

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
# Arm name -> module holding `check_config(section)` for rules a schema cannot express.
ARM_CHECKS = {"dln": "ptft.dln.config", "vision": "ptft.vision.config", "modarith": "ptft.modarith.config"}


class ConfigError(ValueError):
    """A config value is invalid; the message names the key and what was expected."""


def key_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<top level>"


def _registry(schema_dir: Path) -> referencing.Registry:
    """Resolve `$ref: other.schema.yaml` against the schema folder (each arm keeps its own schema file)."""

    def retrieve(uri: str):
        return referencing.Resource.from_contents(yaml.safe_load((schema_dir / Path(uri).name).read_text()))

    return referencing.Registry(retrieve=retrieve)


def check_schema(config: dict, schema_path: Path = SCHEMA) -> None:
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft7Validator(schema, registry=_registry(Path(schema_path).parent))
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"config key {key_path(e.absolute_path)}: {e.message}" for e in errors]
        raise ConfigError("invalid config:\n  " + "\n  ".join(lines))


def validate(config: dict, schema_path: Path = SCHEMA) -> dict:
    """Raise ConfigError naming the key unless `config` is valid; return it unchanged."""
    check_schema(config, schema_path)
    for arm, module in ARM_CHECKS.items():
        if arm in config:
            try:
                check = importlib.import_module(module).check_config
            except ModuleNotFoundError:
                continue
            check(config[arm])
    return config


def load(*paths) -> dict:
    """Load and deep-merge YAML configs left to right (as Snakemake merges --configfile over configfile:)."""
    merged: dict = {}
    for path in paths:
        _merge(merged, yaml.safe_load(Path(path).read_text()) or {})
    return merged


def _merge(base: dict, new: dict) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v
