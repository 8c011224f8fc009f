"""`ptft audit` on a small hand-made lineage: dataset archive -> prepared data -> runs (folder) -> table -> figure."""

import pytest

from ptft import audit, provenance
from ptft.__main__ import main

FIELDS = dict(rule="r", params={}, wildcards={}, config_hash="h", seeds=[0], device="cpu", wall_s=0.0)
RAW = "resources/arm/ds/raw/data.bin"  # a dataset's original archive: a declared raw input, the lineage's leaf
PREPARED = "resources/arm/ds/prepared.bin"  # made from it by a rule: an output like any under results/


@pytest.fixture
def lineage_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "resources/arm/ds/raw").mkdir(parents=True)
    (tmp_path / RAW).write_bytes(b"dataset")
    (tmp_path / PREPARED).write_bytes(b"tensors")
    provenance.write_records([PREPARED], [RAW], **FIELDS, data_source="real")
    runs = tmp_path / "results/arm/runs"
    runs.mkdir(parents=True)
    for seed in (0, 1):
        (runs / f"{seed}.csv").write_text(f"seed,mse\n{seed},0.1\n")
        provenance.write_records([f"results/arm/runs/{seed}.csv"], [PREPARED], **FIELDS, data_source="real")
    (tmp_path / "results/arm/table.csv").write_text("mse\n0.1\n")
    provenance.write_records(["results/arm/table.csv"], ["results/arm/runs"], **FIELDS)
    (tmp_path / "results/arm/fig.png").write_bytes(b"png")
    provenance.write_records(["results/arm/fig.png"], ["results/arm/table.csv"], **FIELDS)
    return tmp_path


def kinds(lineage):
    return sorted((f.kind, f.path) for f in lineage.findings)


def test_clean_lineage_passes_and_reaches_the_dataset(lineage_dir):
    lin = audit.audit(lineage_dir / "results/arm/fig.png")
    assert lin.ok, lin.findings
    # The runs folder has no record of its own; its files do, and lead on to the dataset.
    assert set(lin.records) == {"results/arm/fig.png", "results/arm/table.csv", "results/arm/runs/0.csv",
                                "results/arm/runs/1.csv", PREPARED}
    assert set(lin.leaves) == {RAW}
    assert main(["audit", str(lineage_dir / "results/arm/fig.png")]) == 0


def test_root_is_inferred_from_elsewhere(lineage_dir, monkeypatch, tmp_path_factory):
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert audit.audit(lineage_dir / "results/arm/fig.png").ok


def test_tampered_run_is_changed(lineage_dir, capsys):
    (lineage_dir / "results/arm/runs/1.csv").write_text("seed,mse\n1,0.0\n")
    lin = audit.audit("results/arm/fig.png")
    assert ("changed", "results/arm/runs") in kinds(lin)
    assert main(["audit", "results/arm/fig.png"]) == 1
    assert "CHANGED" in capsys.readouterr().out


def test_missing_and_extra_runs(lineage_dir):
    (lineage_dir / "results/arm/runs/0.csv").unlink()
    (lineage_dir / "results/arm/runs/2.csv").write_text("seed,mse\n2,0.1\n")
    found = kinds(audit.audit("results/arm/table.csv"))
    assert ("missing", "results/arm/runs/0.csv") in found
    assert ("extra", "results/arm/runs/2.csv") in found


def test_tampered_output_and_missing_input(lineage_dir):
    (lineage_dir / "results/arm/fig.png").write_bytes(b"edited by hand")
    (lineage_dir / "results/arm/table.csv").unlink()
    assert kinds(audit.audit("results/arm/fig.png")) == [("changed", "results/arm/fig.png"),
                                                         ("missing", "results/arm/table.csv")]


def test_output_without_record_and_incomplete_record(lineage_dir):
    (lineage_dir / "notes.txt").write_text("hand made")
    assert kinds(audit.audit("notes.txt")) == [("no record", "notes.txt")]
    rec = provenance.record_path("results/arm/fig.png")
    rec.write_text(rec.read_text().replace('"seeds"', '"seedz"'))
    assert [f.kind for f in audit.audit("results/arm/fig.png").findings] == ["incomplete"]


def test_dataset_leaf_is_rehashed(lineage_dir):
    assert audit.audit("results/arm/runs/0.csv").leaves == {RAW: provenance.sha256(RAW)}
    (lineage_dir / RAW).write_bytes(b"another dataset")
    assert ("changed", RAW) in kinds(audit.audit("results/arm/runs/0.csv"))


def test_a_deleted_run_record_is_a_finding(lineage_dir):
    """A results file without its record is never relabelled a leaf input: the audit fails and names it."""
    provenance.record_path(lineage_dir / "results/arm/runs/1.csv").unlink()
    lin = audit.audit("results/arm/fig.png")
    assert ("no record", "results/arm/runs/1.csv") in kinds(lin) and not lin.ok
    assert "results/arm/runs/1.csv" not in lin.leaves
    assert main(["audit", str(lineage_dir / "results/arm/fig.png")]) == 1


def test_a_deleted_resources_record_is_a_finding(lineage_dir):
    """Prepared data under resources/ is a rule's output too: without its record it is no leaf input, the audit
    fails and names it (the blind spot was everything outside results/)."""
    provenance.record_path(lineage_dir / PREPARED).unlink()
    lin = audit.audit("results/arm/fig.png")
    assert ("no record", PREPARED) in kinds(lin) and not lin.ok
    assert set(lin.leaves) == set()
    assert main(["audit", str(lineage_dir / "results/arm/fig.png")]) == 1


def test_a_truncated_record_is_reported_not_a_crash(lineage_dir, capsys):
    rec = provenance.record_path(lineage_dir / "results/arm/table.csv")
    rec.write_text(rec.read_text()[:40])
    assert main(["audit", str(lineage_dir / "results/arm/fig.png")]) == 1
    out = capsys.readouterr().out
    assert "UNREADABLE" in out and "table.csv.prov.json" in out and "Traceback" not in out


def test_the_targets_own_truncated_record(lineage_dir, capsys):
    rec = provenance.record_path(lineage_dir / "results/arm/fig.png")
    rec.write_text("{")
    assert main(["audit", str(lineage_dir / "results/arm/fig.png")]) == 1
    assert "UNREADABLE" in capsys.readouterr().out


def test_a_dataset_archive_read_outside_the_rule_inputs_is_audited(tmp_path, monkeypatch):
    """vision_download reads its archives from a folder that is no rule input (e.g. a package's data folder): they are
    recorded as `extra_inputs`, so the audit re-hashes them as leaves and catches a changed archive."""
    from types import SimpleNamespace

    monkeypatch.chdir(tmp_path)
    archive = tmp_path / "site-packages/data/mnist_5k.csv.gz"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"digits")
    (tmp_path / "resources").mkdir()
    smk = SimpleNamespace(rule="vision_download", output=["resources/source.json"], input=[], log=[], params={},
                          wildcards={"dataset": "mnist"}, config={})
    with provenance.tracked(smk) as prov:
        (tmp_path / "resources/source.json").write_text("{}")
        prov["extra_inputs"] = [str(archive)]
    lin = audit.audit(tmp_path / "resources/source.json")
    assert lin.ok, lin.findings
    assert set(lin.leaves) == {str(archive)}
    archive.write_bytes(b"other digits")
    assert ("changed", str(archive)) in kinds(audit.audit(tmp_path / "resources/source.json"))


def test_cost_sums_each_upstream_job_once(tmp_path, monkeypatch):
    """An artefact's cost is the wall time of every job it was made from, walked back through the records; a job
    that wrote two outputs used by it counts once; the index page shows hashes short, the CSV in full."""
    from ptft.audit import cost, index_html, index_table
    from ptft.provenance import write_records

    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    for name in ("a.csv", "b.csv", "fig.png"):
        (tmp_path / "results" / name).write_text(name)
    write_records(["results/a.csv", "results/b.csv"], [], rule="train", wildcards={"seed": "0"}, wall_s=100.0)
    write_records(["results/fig.png"], ["results/a.csv", "results/b.csv"], rule="figure", wildcards={}, wall_s=0.5)
    assert cost("results/fig.png") == (100.5, 2)
    table = index_table(["results/fig.png"])
    assert table.loc[0, "cost_s"] == 100.5 and table.loc[0, "n_jobs"] == 2 and len(table.loc[0, "sha256"]) == 64
    page = index_html(table)
    assert f"title='{table.loc[0, 'sha256']}'><code>{table.loc[0, 'sha256'][:8]}</code>" in page
    assert table.loc[0, "sha256"] not in page.replace(f"title='{table.loc[0, 'sha256']}'", "")
