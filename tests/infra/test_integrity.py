"""Damaged intermediate tables stop the steps that read them, naming the file (never a smaller n with exit 0)."""

import pandas as pd
import pytest

from ptft import collect


@pytest.fixture
def table(tmp_path):
    df = pd.DataFrame({"run_id": [f"r{i}" for i in range(101)], "seed": [i % 3 for i in range(101)],
                       "mse": [0.1 * i for i in range(101)]})
    path = tmp_path / "simulations.csv"
    df.to_csv(path, index=False)
    return path, list(df["run_id"])


def test_an_intact_table_is_read(table):
    path, ids = table
    assert len(collect.read_checked(path, ids, columns=["mse"])) == 101


def test_truncated_rows_are_refused(table):
    path, ids = table
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:41]))  # header + 40 of 101 rows
    with pytest.raises(collect.DamagedTableError, match=r"simulations.csv: 61 of 101 expected runs missing"):
        collect.read_checked(path, ids)


def test_a_cut_mid_row_is_refused(table):
    path, ids = table
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(collect.DamagedTableError, match="simulations.csv"):
        collect.read_checked(path, ids, columns=["mse"])


def test_duplicates_and_nan_keys_are_refused(table):
    path, ids = table
    df = pd.read_csv(path)
    pd.concat([df, df.head(2)]).to_csv(path, index=False)
    with pytest.raises(collect.DamagedTableError, match="2 duplicated run_ids"):
        collect.read_checked(path, ids)
    df.assign(mse=df["mse"].where(df.index != 5)).to_csv(path, index=False)
    with pytest.raises(collect.DamagedTableError, match=r"NaN in key columns \['mse'\]"):
        collect.read_checked(path, ids, columns=["mse"])


def test_collect_refuses_to_double_count():
    found = pd.DataFrame({"run_id": ["a", "a", "b"]})
    with pytest.raises(collect.MissingRunsError, match="more than once"):
        collect.check_complete(found, pd.DataFrame({"run_id": ["a", "b"]}))
