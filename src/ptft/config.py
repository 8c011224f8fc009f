"""Config loading and validation: YAML read with file:line:column errors, the JSON schema (types, ranges, unknown keys,
defaults) through `snakemake.utils.validate`, then each arm's cross-field rules that a schema cannot state.

One path for every entry point: the Snakefile (workflow/rules/common.smk), `ptft plan`, `ptft check-config` and the
tests all call `validate(load(...))` or `validate(config)`, so a bad config fails before any job runs.
"""

import json
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
        return Resource.from_contents(_read_schema(Path(url2pathname(urlparse(uri).path))))

    schema = {**_read_schema(schema_path), "$id": schema_path.resolve().as_uri()}
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
                 "modarith.pt_by_task")


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


def _deref(node: dict, schema_dir: Path, file: str) -> tuple[dict, str]:
    """Follow a `$ref` (`other.schema.yaml`, `other.schema.yaml#/$defs/x` or `#/$defs/x`, relative to
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
    """The sub-schema of a dotted key (an arm's keys from its own file; `$ref`s and `additionalProperties` maps
    followed), or {}."""
    file = SCHEMA.name
    if parts[0] in ARMS:
        file, parts = f"{parts[0]}.schema.yaml", parts[1:]
        schema = _read_schema(schema_dir / file)
    node = schema
    for part in parts:
        node, file = _deref(node, schema_dir, file)
        extra = node.get("additionalProperties")
        node = node.get("properties", {}).get(part) or (extra if isinstance(extra, dict) else {})
    return _deref(node, schema_dir, file)[0]


def _read_schema(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) if path.exists() else {}


def _expectation(node: dict) -> str:
    """A short statement of what the schema accepts at a key (type, enum, range)."""
    if "enum" in node:
        return " / ".join(map(str, node["enum"]))
    text = node.get("type", "")
    text = " or ".join(text) if isinstance(text, list) else text
    if text == "array" and isinstance(node.get("items"), dict):
        inner = _expectation(node["items"])
        text = f"list of {inner}" if inner else "list"
        text += ", unique" if node.get("uniqueItems") else ""
    bounds = [f"{op} {node[k]}" for k, op in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
                                               ("exclusiveMaximum", "<")) if k in node]
    default = [f"absent: {json.dumps(node['default'])}"] if "default" in node else []
    return ", ".join([str(text)] + bounds + default) if text or bounds or default else ""


NAMED = "<name>"  # an entry of a map of named entries (a panel, a family, ...) in the schema's key paths


def schema_keys(schema_path: Path = SCHEMA) -> dict:
    """Every property of the schemas as {dotted key: sub-schema}, parents first; an arm's keys from its own file,
    `$ref`s followed, the branches of a oneOf/anyOf/allOf walked, a map's entries named `<name>` (NAMED)."""
    schema_dir = Path(schema_path).parent

    def walk(node, file, prefix):
        node, file = _deref(node, schema_dir, file)
        children = list(node.get("properties", {}).items())
        if isinstance(node.get("additionalProperties"), dict):
            children.append((NAMED, node["additionalProperties"]))
        out = {}
        for key, child in children:
            child_file = file
            if not prefix and key in ARMS:
                child, child_file = _read_schema(schema_dir / f"{key}.schema.yaml"), f"{key}.schema.yaml"
            child, child_file = _deref(child, schema_dir, child_file)
            out[".".join([*prefix, key])] = child
            out |= walk(child, child_file, [*prefix, key])
        for branch in (b for k in ("oneOf", "anyOf", "allOf") for b in node.get(k, [])):
            out |= walk(branch, file, prefix)
        return out

    return walk(_read_schema(Path(schema_path)), Path(schema_path).name, [])


def generic_key(parts, keys) -> str:
    """The schema key of a concrete key path: a part that is no property of its parent is a named entry."""
    path = []
    for part in parts:
        path.append(str(part) if ".".join([*path, str(part)]) in keys else NAMED)
    return ".".join(path)


def _flat(data: dict, prefix=()) -> dict:
    """{key path tuple: value} of every mapping key of a loaded config, nested ones too."""
    out = {}
    for key, value in data.items():
        out[(*prefix, key)] = value
        if isinstance(value, dict):
            out |= _flat(value, (*prefix, key))
    return out


def _flow(value) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).removesuffix("...\n").strip()


def describe(config_path: Path, schema_path: Path = SCHEMA) -> str:
    """config/README.md: every key of the default config with its value, what the schema accepts and its comment;
    then every other key of the schemas: set inside a `{...}` value above, or optional (absent from the config)."""
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
    keys = schema_keys(schema_path)
    listed = {generic_key(k.split("."), keys) for k, *_ in rows}
    present = {generic_key(parts, keys): value for parts, value in _flat(read_yaml(config_path)).items()}
    more = []
    for key, node in keys.items():
        if key not in listed:
            value = "optional" if key not in present else "per entry" if NAMED in key else f"`{_flow(present[key])}`"
            more.append(f"| `{key}` | {value} | {_expectation(node)} | {node.get('description', '').replace('|', '/')} |")
    rows = [f"| `{k}` | `{v}` | {a} | {m.replace('|', '/')} |" for k, v, a, m in rows]
    head = ["# Configuration keys", "",
            f"Generated from `{Path(config_path).name}` and `workflow/schemas/*.schema.yaml` by "
            "`python -m ptft config-doc` (a test keeps it current). `config/paper.yaml` and test configs are merged "
            "over the defaults; every key is validated before any job runs, and a key left out of every config takes the "
            "schema's default (`absent:` below).", "",
            "| key | default | accepted | meaning |", "|---|---|---|---|"]
    tail = ["", "## Keys without a line of their own", "",
            f"Every other key of the schemas. `{NAMED}` is an entry of a map of named entries (a panel, a dataset, a "
            "family, ...). Default: the value set inside a `{...}` value above, `per entry` (set in each entry "
            f"above), or `optional`: not in `{Path(config_path).name}`; absent, it takes the schema's default "
            "(`absent:`) or is not used.", "",
            "| key | default | accepted | meaning |", "|---|---|---|---|"]
    return "\n".join(head + rows + tail + more) + "\n"
