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


def _deref(node: dict, schema_dir: Path, file: str) -> tuple[dict, str]:
    """Follow a `$ref` (`other.schema.yaml`, `other.schema.yaml#/definitions/x` or `#/definitions/x`, relative to
    `file`); returns the node (its own keys over the target's) and the file it now lives in."""
    while isinstance(node, dict) and "$ref" in node:
        target, _, fragment = node["$ref"].partition("#")
        file = target or file
        found = yaml.safe_load((schema_dir / file).read_text())
        for part in filter(None, fragment.split("/")):
            found = found[part]
        node = {**found, **{k: v for k, v in node.items() if k != "$ref"}}
    return node, file


def _schema_at(schema: dict, parts, schema_dir: Path) -> dict:
    """The sub-schema of a dotted key (following `$ref`s and `additionalProperties` maps), or {}."""
    node, file = schema, SCHEMA.name
    for part in parts:
        node, file = _deref(node, schema_dir, file)
        extra = node.get("additionalProperties")
        node = node.get("properties", {}).get(part) or (extra if isinstance(extra, dict) else {})
    return _deref(node, schema_dir, file)[0]


def _expectation(node: dict) -> str:
    """A short statement of what the schema accepts at a key (type, enum, range)."""
    if "enum" in node:
        return " / ".join(map(str, node["enum"]))
    text = node.get("type", "")
    if text == "array" and isinstance(node.get("items"), dict):
        inner = _expectation(node["items"])
        text = f"list of {inner}" if inner else "list"
        text += ", unique" if node.get("uniqueItems") else ""
    bounds = [f"{op} {node[k]}" for k, op in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
                                               ("exclusiveMaximum", "<")) if k in node]
    return ", ".join([str(text)] + bounds) if text or bounds else ""


def describe(config_path: Path, schema_path: Path = SCHEMA) -> str:
    """config/README.md: every key of the default config with its value, what the schema accepts and its comment."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    rows, stack = [], []
    for line in Path(config_path).read_text().splitlines():
        stripped = line.lstrip()
        if stripped.startswith("#") and len(line) - len(stripped) >= 20 and rows:
            rows[-1][3] += " " + stripped.lstrip("# ")  # a comment continued on the next line, aligned
            continue
        if not stripped or stripped.startswith("#") or ":" not in stripped or stripped.startswith("-"):
            continue
        indent = (len(line) - len(stripped)) // 2
        key, _, rest = stripped.partition(":")
        value, _, comment = rest.partition(" #")
        stack = stack[:indent] + [key.strip()]
        node = _schema_at(schema, stack, Path(schema_path).parent)
        rows.append([".".join(stack), value.strip(), _expectation(node), comment.strip() or node.get("description", "")])
    rows = [f"| `{k}` | `{v}` | {a} | {m.replace('|', '/')} |" for k, v, a, m in rows]
    head = ["# Configuration keys", "",
            f"Generated from `{Path(config_path).name}` and `workflow/schemas/*.schema.yaml` by "
            "`python -m ptft config-doc` (a test keeps it current). `config/paper.yaml` and test configs are merged "
            "over the defaults; every key is validated before any job runs.", "",
            "| key | default | accepted | meaning |", "|---|---|---|---|"]
    return "\n".join(head + rows) + "\n"
