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


def _job(record: dict) -> tuple:
    """One job's identity: a job writes one record per output, all with its rule, wildcards and finishing time."""
    return record.get("rule"), json.dumps(record.get("wildcards"), sort_keys=True), record.get("finished")


def cost(output, root: Path = Path("."), cache: dict | None = None) -> tuple[float, int]:
    """(summed wall time in s, number of jobs) of everything `output` was made from, its own job included: its
    record and every record upstream (folder inputs through their manifests), each job counted once. No re-hashing
    (that is the audit's job); `cache` (path -> record or None) is shared between calls."""
    cache = {} if cache is None else cache
    todo, seen, jobs = [str(output)], set(), {}
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        if path not in cache:
            rec_file = record_path(root / path)
            try:
                cache[path] = io.read_json(rec_file) if rec_file.exists() else None
            except (json.JSONDecodeError, UnicodeDecodeError):
                cache[path] = None
        record = cache[path]
        if record is None:
            continue
        jobs[_job(record)] = float(record.get("wall_s") or 0.0)
        manifests = record.get("input_manifests") or {}
        for inp in record.get("inputs") or {}:
            todo += [f"{inp}/{name}" for name in manifests.get(inp, {})] if inp in manifests else [inp]
    return sum(jobs.values()), len(jobs)


def index_table(outputs, root: Path = Path(".")) -> pd.DataFrame:
    """One row per output from its record: rule, data source, git commit and dirty flag, seeds, inputs, this job's
    wall time, and what the output cost (`cost_s`: summed wall time of the `n_jobs` jobs it was made from)."""
    rows, cache = [], {}
    for out in outputs:
        rec = io.read_json(record_path(out)) if record_path(out).exists() else {}
        git = rec.get("git") or {}
        cost_s, n_jobs = cost(out, root, cache)
        rows.append({"output": str(out), "rule": rec.get("rule"), "data_source": rec.get("data_source"),
                     "git_commit": git.get("commit"), "git_dirty": git.get("dirty"), "config_hash": rec.get("config_hash"),
                     "n_seeds": len(rec.get("seeds") or []), "n_inputs": len(rec.get("inputs") or {}),
                     "device": rec.get("device"), "wall_s": rec.get("wall_s"), "cost_s": round(cost_s, 3),
                     "n_jobs": n_jobs, "sha256": rec.get("sha256")})
    return pd.DataFrame(rows)


HASHES = ("git_commit", "config_hash", "sha256")  # shown as 8 characters, the full value on hover and in the CSV


def _duration(seconds) -> str:
    if seconds is None or pd.isna(seconds):
        return "–"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.2g} s"
    h, rest = divmod(int(round(seconds)), 3600)
    return f"{h} h {rest // 60:02d} min" if h else f"{rest // 60} min {rest % 60:02d} s"


def _cell(column: str, value) -> str:
    import html

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "<td>–</td>"
    if column in HASHES:
        return f"<td title='{html.escape(str(value))}'><code>{html.escape(str(value)[:8])}</code></td>"
    if column in ("wall_s", "cost_s"):
        return f"<td title='{float(value):.3f} s' style='text-align:right;white-space:nowrap'>{_duration(value)}</td>"
    style = " style='background-color:#f8d7da'" if value == "synthetic stand-in" else ""
    return f"<td{style}>{html.escape(str(value))}</td>"


def index_html(table: pd.DataFrame) -> str:
    """The provenance index as a standalone HTML page (shown inside the Snakemake report) that fits a laptop screen:
    hashes shortened (full on hover and in results/provenance.csv), synthetic rows marked, cost per artefact."""
    heads = {"output": "output", "rule": "rule", "data_source": "data", "git_commit": "commit", "git_dirty": "dirty",
             "config_hash": "config", "n_seeds": "seeds", "n_inputs": "inputs", "device": "device",
             "wall_s": "this job", "cost_s": "cost", "n_jobs": "jobs", "sha256": "sha256"}
    head = "".join(f"<th>{heads.get(c, c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(_cell(c, v) for c, v in row.items()) + "</tr>" for row in table.to_dict("records"))
    return html_page("Provenance index", "<p>One row per figure and table: the rule that made it, its data source, git "
                     "commit, seeds and inputs; <b>this job</b> is the wall time of the job that wrote it, <b>cost</b> "
                     "the summed wall time of every job it was made from (<b>jobs</b> of them, walked back through the "
                     "provenance records). Hashes: first 8 characters, the full value on hover and in "
                     "results/provenance.csv. Verify any output with <code>python -m ptft audit &lt;output&gt;</code>."
                     "</p><div id='provenance'><table style='font-size:12px'><thead><tr>" + head +
                     "</tr></thead><tbody>" + body + "</tbody></table></div>")
