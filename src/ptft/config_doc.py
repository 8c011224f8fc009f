"""config/README.md, generated from the default config and the schemas (`python -m ptft config-doc`): every key
with its value, what the schema accepts and its meaning, then the schemas' keys the default config leaves out."""

import functools
import json
from pathlib import Path

import yaml

from ptft.config import read_schema as _read_schema
from ptft.config import read_yaml


@functools.lru_cache(maxsize=None)
def read_schema(path: Path) -> dict:
    """A schema file as data, parsed once per process: the README walks ~300 keys through a handful of files (parsing
    each file per key took seconds). Nothing here modifies what it returns."""
    return _read_schema(path)


def _deref(node: dict, schema_dir: Path, file: str) -> tuple[dict, str]:
    """Follow a `$ref` (`other.schema.yaml`, `other.schema.yaml#/$defs/x` or `#/$defs/x`, relative to
    `file`); returns the node (its own keys over the target's, its `properties` and `required` added to the
    target's: an arm extends a shared definition so) and the file it now lives in."""
    while isinstance(node, dict) and "$ref" in node:
        target, _, fragment = node["$ref"].partition("#")
        file = target or file
        found = read_schema(schema_dir / file)
        for part in filter(None, fragment.split("/")):
            found = found[part]
        own = {k: v for k, v in node.items() if k != "$ref"}
        node = {**found, **own}
        if "properties" in own:
            node["properties"] = {**found.get("properties", {}), **own["properties"]}
        if "required" in own:
            node["required"] = list(dict.fromkeys([*found.get("required", []), *own["required"]]))
    return node, file


def _is_arm(key: str, schema_dir: Path) -> bool:
    """A top-level key is an arm's section when its own schema file `<key>.schema.yaml` lies beside the top one."""
    return (schema_dir / f"{key}.schema.yaml").is_file()


def _schema_at(schema: dict, parts, schema_dir: Path, top: str) -> dict:
    """The sub-schema of a dotted key (an arm's keys from its own file; `$ref`s and `additionalProperties` maps
    followed), or {}. top: the top-level schema's file name."""
    file = top
    if _is_arm(parts[0], schema_dir):
        file, parts = f"{parts[0]}.schema.yaml", parts[1:]
        schema = read_schema(schema_dir / file)
    node = schema
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


def schema_keys(schema_path: Path) -> dict:
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
            if not prefix and _is_arm(key, schema_dir):
                child, child_file = read_schema(schema_dir / f"{key}.schema.yaml"), f"{key}.schema.yaml"
            child, child_file = _deref(child, schema_dir, child_file)
            out[".".join([*prefix, key])] = child
            out |= walk(child, child_file, [*prefix, key])
        for branch in (b for k in ("oneOf", "anyOf", "allOf") for b in node.get(k, [])):
            out |= walk(branch, file, prefix)
        return out

    return walk(read_schema(Path(schema_path)), Path(schema_path).name, [])


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


def describe(config_path: Path, schema_path: Path) -> str:
    """config/README.md: every key of the default config with its value, what the schema accepts and its comment;
    then every other key of the schemas: set inside a `{...}` value above, or optional (absent from the config)."""
    schema = read_schema(Path(schema_path))
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
        node = _schema_at(schema, stack, Path(schema_path).parent, Path(schema_path).name)
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
