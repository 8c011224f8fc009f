"""Atomic writes leave nothing half-written; provenance records hash inputs and outputs and spread 'synthetic'."""

import pandas as pd
import pytest

from ptft import io, provenance


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "x.csv"
    io.write_csv(path, pd.DataFrame({"a": [1]}))
    with pytest.raises(RuntimeError):
        with io.atomic_path(path) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("interrupted")
    assert pd.read_csv(path)["a"].tolist() == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_atomic_write_honours_umask(tmp_path):
    path = tmp_path / "x.txt"
    io.write_text(path, "x")
    assert path.stat().st_mode & 0o777 == 0o666 & ~io._umask()


def test_records_hash_inputs_and_inherit_synthetic(tmp_path):
    data, table = tmp_path / "data.bin", tmp_path / "table.csv"
    data.write_bytes(b"images")
    provenance.write_records([data], [], data_source=provenance.SYNTHETIC, rule="prepare")
    table.write_text("a\n1\n")
    provenance.write_records([table], [data], rule="collect", seeds=[0, 1])
    rec = io.read_json(provenance.record_path(table))
    assert rec["inputs"] == {str(data): provenance.sha256(data)}
    assert rec["sha256"] == provenance.sha256(table)
    assert rec["data_source"] == provenance.SYNTHETIC
    assert rec["seeds"] == [0, 1] and "numpy" in rec["packages"] and "commit" in rec["git"]


def test_merge_sources_order():
    assert provenance.merge_sources(None, "real", "generated") == "real"
    assert provenance.merge_sources("real", provenance.SYNTHETIC) == provenance.SYNTHETIC
    assert provenance.merge_sources(None) == "generated"


def test_folder_hash_changes_with_content(tmp_path):
    (tmp_path / "a").write_text("1")
    h1 = provenance.sha256(tmp_path)
    (tmp_path / "a").write_text("2")
    assert provenance.sha256(tmp_path) != h1


def test_run_ends_with_a_warning_when_a_target_is_synthetic(tmp_path):
    import io as stdio

    real, fake = tmp_path / "real.csv", tmp_path / "fake.csv"
    for path, source in ((real, "real"), (fake, provenance.SYNTHETIC)):
        path.write_text("a\n1\n")
        provenance.write_records([path], [], data_source=source)
    out = stdio.StringIO()
    provenance.warn_if_synthetic([real, fake], stream=out)
    assert "SYNTHETIC STAND-IN" in out.getvalue() and str(fake) in out.getvalue() and str(real) not in out.getvalue()
    quiet = stdio.StringIO()
    provenance.warn_if_synthetic([real], stream=quiet)
    assert quiet.getvalue() == ""


def test_saved_checkpoints_are_byte_identical(tmp_path):
    """Two saves of the same tensors give the same bytes (the temporary file name must not leak into the zip)."""
    import torch

    from ptft import io

    state = {"w": torch.arange(6.0).reshape(2, 3)}
    io.save_torch(tmp_path / "a.pt", state)
    io.save_torch(tmp_path / "b.pt", state)
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()
    assert torch.equal(torch.load(tmp_path / "a.pt")["w"], state["w"])
