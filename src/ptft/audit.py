"""`ptft audit <output>`: walk a figure or table back through its provenance records to every run and dataset.

Every input named by a record is re-hashed and compared with the hash recorded when the output was made. A
problem is one of: `missing` (a recorded input or the output is gone), `changed` (its bytes differ from the
record), `extra` (a file inside a folder input that the record did not see), `no record` (an output of the
pipeline without its `.prov.json`: any file under `results/` or `resources/` but a dataset's `raw/` archives),
`unreadable` (a record that is not valid JSON), `incomplete` (a record lacking a field). Only the declared raw inputs
(configs, packaged data, a dataset's original archives: outside `results/` and `resources/`, or in a `raw/` folder of
`resources/`) are the lineage's leaves: re-hashed, not walked further.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ptft import io
from ptft.provenance import SUFFIX, record_path, sha256
from ptft.tables import html_page

# Every file under these folders is a rule's output and must have a record, but a dataset's original archives
# (resources/<arm>/<dataset>/raw/, downloaded or put there by hand: vision.runs.data_root), the raw inputs.
OUTPUT_FOLDERS = ("results", "resources")
RAW = "raw"
REQUIRED = ("output", "sha256", "rule", "params", "wildcards", "config_hash", "git", "packages", "seeds", "inputs",
            "host", "device", "wall_s", "finished", "data_source")


@dataclass(frozen=True)
class Finding:
    kind: str  # missing | changed | extra | no record | unreadable | incomplete
    path: str
    detail: str


@dataclass
class Lineage:
    """What an audit saw: records walked (path -> record), leaf inputs (path -> sha256) and the problems."""

    records: dict = field(default_factory=dict)
    leaves: dict = field(default_factory=dict)
    findings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def missing_fields(record: dict) -> list[str]:
    return [k for k in REQUIRED if k not in record]


def find_root(target: Path) -> Path:
    """The folder the pipeline ran in: the target's path minus the relative `output` its record states."""
    target = target.resolve()
    rec = record_path(target)
    if rec.exists():
        try:
            stated = Path(io.read_json(rec).get("output", ""))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return Path.cwd()  # the walk reports the unreadable record
        if not stated.is_absolute() and stated.parts and target.parts[-len(stated.parts):] == stated.parts:
            return Path(*target.parts[: -len(stated.parts)])
    return Path.cwd()


class _Walker:
    def __init__(self, root: Path):
        self.root = root
        self.hashes: dict[str, str] = {}
        self.lineage = Lineage()

    def resolve(self, path: str) -> Path:
        return Path(path) if Path(path).is_absolute() else self.root / path

    def sha(self, path: str) -> str:
        if path not in self.hashes:
            self.hashes[path] = sha256(self.resolve(path))
        return self.hashes[path]

    def flag(self, kind: str, path: str, detail: str) -> None:
        self.lineage.findings.append(Finding(kind, path, detail))

    def walk(self, target: str) -> Lineage:
        todo, seen = [target], set()
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            todo.extend(self.visit(path, is_target=path == target))
        return self.lineage

    def is_output(self, path: str) -> bool:
        """Made by a rule (so it must have a record), not a declared raw input (a leaf)."""
        resolved = self.resolve(path)
        if not resolved.is_relative_to(self.root):
            return False
        parts = resolved.relative_to(self.root).parts
        return bool(parts) and parts[0] in OUTPUT_FOLDERS and not (parts[0] == "resources" and RAW in parts[1:-1])

    def visit(self, path: str, *, is_target: bool) -> list[str]:
        """Check one output against its record; return the inputs to walk next."""
        if not self.resolve(path).exists():
            self.flag("missing", path, "file not found")
            return []
        rec_file = record_path(self.resolve(path))
        if not rec_file.exists():
            if is_target or self.is_output(path):
                self.flag("no record", path, f"no {SUFFIX} beside it: not a pipeline output, or made outside it")
            return []
        try:
            record = io.read_json(rec_file)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            self.flag("unreadable", str(rec_file), f"not valid JSON ({err.__class__.__name__}: {err}); rerun its rule")
            return []
        self.lineage.records[path] = record
        if absent := missing_fields(record):
            self.flag("incomplete", str(rec_file), f"record lacks {absent}")
        if record.get("sha256") != self.sha(path):
            self.flag("changed", path, "differs from the hash its own record states")
        return self.check_inputs(path, record)

    def check_inputs(self, path: str, record: dict) -> list[str]:
        walk_next = []
        for inp, recorded in record.get("inputs", {}).items():
            if not self.resolve(inp).exists():
                self.flag("missing", inp, f"input of {path}")
                continue
            if self.sha(inp) != recorded:
                self.flag("changed", inp, f"input of {path}: differs from the hash recorded when it was made")
            if inp in record.get("input_manifests", {}):
                self.check_manifest(inp, record["input_manifests"][inp], path)
            if record_path(self.resolve(inp)).exists():
                walk_next.append(inp)
            elif self.resolve(inp).is_dir():
                walk_next += self.folder_files(inp, record.get("input_manifests", {}).get(inp))
            elif self.is_output(inp):
                self.flag("no record", inp, f"input of {path}: a pipeline output without its {SUFFIX}")
            else:
                self.lineage.leaves[inp] = self.sha(inp)
        return walk_next

    def folder_files(self, folder: str, manifest: dict | None) -> list[str]:
        """The files of a folder input to walk: those its manifest recorded (else every file but records and hidden
        scratch), each then checked for a record of its own (a run whose record was deleted is a finding)."""
        base = self.resolve(folder)
        if manifest is not None:
            names = sorted(name for name in manifest if (base / name).exists())
        else:
            names = sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()
                           and not p.name.endswith(SUFFIX) and not any(q.startswith(".") for q in p.relative_to(base).parts))
        return [f"{folder}/{name}" for name in names]

    def check_manifest(self, folder: str, recorded: dict, user: str) -> None:
        base = self.resolve(folder)
        now = {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file() and not p.name.endswith(SUFFIX)}
        for name in sorted(now - set(recorded)):
            self.flag("extra", f"{folder}/{name}", f"in input folder of {user}, not there when it was made")
        for name in sorted(set(recorded) - now):
            self.flag("missing", f"{folder}/{name}", f"in input folder of {user}")


def audit(target, root=None) -> Lineage:
    """Audit one output (a figure, table or run file); `root` defaults to the folder the pipeline ran in."""
    target = Path(target)
    root = Path(root).resolve() if root else find_root(target)
    rel = str(target.resolve().relative_to(root)) if target.resolve().is_relative_to(root) else str(target)
    return _Walker(root).walk(rel)


def summary(target, lineage: Lineage) -> str:
    """Human-readable report: what the output came from, then every problem."""
    recs = lineage.records.values()
    rules = Counter(r.get("rule") for r in recs)
    sources = Counter(r.get("data_source") for r in recs)
    commits = Counter(f"{(r.get('git') or {}).get('commit')}{' (dirty)' if (r.get('git') or {}).get('dirty') else ''}"
                      for r in recs)
    seeds = sorted({s for r in recs for s in (r.get("seeds") or []) if isinstance(s, int | str)}, key=str)
    lines = [f"audit of {target}",
             f"  {len(lineage.records)} records walked, by rule: {dict(sorted(rules.items(), key=str))}",
             f"  {len(lineage.leaves)} leaf inputs (configs, datasets): {sorted(lineage.leaves)[:8]}"
             + (" ..." if len(lineage.leaves) > 8 else ""),
             f"  data sources: {dict(sources)}",
             f"  git commits: {dict(commits)}",
             f"  seeds: {seeds[:20]}" + (" ..." if len(seeds) > 20 else "")]
    if lineage.ok:
        lines.append("  OK: every output matches its record and every recorded input is present and unchanged")
    else:
        lines.append(f"  {len(lineage.findings)} PROBLEM(S):")
        lines += [f"    {f.kind.upper():<10} {f.path}  ({f.detail})" for f in lineage.findings]
    return "\n".join(lines)


def as_json(lineage: Lineage) -> str:
    return json.dumps({"ok": lineage.ok, "records": sorted(lineage.records), "leaves": lineage.leaves,
                       "findings": [f.__dict__ for f in lineage.findings]}, indent=2)


def index_table(outputs) -> pd.DataFrame:
    """One row per output from its record: rule, data source, git commit and dirty flag, seeds, inputs, wall time."""
    rows = []
    for out in outputs:
        rec = io.read_json(record_path(out)) if record_path(out).exists() else {}
        git = rec.get("git") or {}
        rows.append({"output": str(out), "rule": rec.get("rule"), "data_source": rec.get("data_source"),
                     "git_commit": git.get("commit"), "git_dirty": git.get("dirty"), "config_hash": rec.get("config_hash"),
                     "n_seeds": len(rec.get("seeds") or []), "n_inputs": len(rec.get("inputs") or {}),
                     "device": rec.get("device"), "wall_s": rec.get("wall_s"), "sha256": rec.get("sha256")})
    return pd.DataFrame(rows)


def index_html(table: pd.DataFrame) -> str:
    """The provenance index as a standalone HTML page (shown inside the Snakemake report); synthetic rows marked."""
    styled = (table.style.hide(axis="index").format(precision=3, na_rep="–")
              .map(lambda v: "background-color: #f8d7da" if v == "synthetic stand-in" else "", subset=["data_source"]))
    return html_page("Provenance index", "<p>One row per figure and table: the rule that made it, its data source, git "
                     "commit, seeds and inputs. Verify any of them with <code>python -m ptft audit &lt;output&gt;</code>."
                     f"</p><div id='provenance'>{styled.to_html()}</div>")
