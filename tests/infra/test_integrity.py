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


def test_curves_are_checked_by_setting_and_alpha(tmp_path):
    """A table of curves (replica.csv) has one row per (curve, α): keyed by the columns of REPLICA_KEY, the α of a
    linspace grid read back exactly; a curve cut short is refused naming the file, though every curve is present."""
    from ptft import grid, io
    from ptft.dln.experiments import REPLICA_KEY, curve_keys

    settings = pd.DataFrame({"group": ["a", "a", "fig4"], "c_pt": [1e-3, 1.0, 1e-3], "lambda_pt": [0.0, 0.0, -0.99],
                             "gamma_ft": 0.0, "rho_ft": 0.1, "omega": [0.0, 1.0, 1.0]})
    alpha = grid.linspace({"start": 0.05, "stop": 2.0, "num": 7})
    keys = curve_keys(settings, alpha, REPLICA_KEY)
    path = tmp_path / "replica.csv"
    table = pd.DataFrame(keys, columns=REPLICA_KEY).assign(mse=0.5)
    io.write_csv(path, table)
    assert len(collect.read_checked(path, keys, key=REPLICA_KEY, columns=["mse"])) == 3 * 7
    io.write_csv(path, table.drop(index=[5, 6]))  # the first curve lost its two largest α
    with pytest.raises(collect.DamagedTableError, match=r"replica.csv: 2 of 21 expected runs missing"):
        collect.read_checked(path, keys, key=REPLICA_KEY)
    io.write_csv(path, pd.concat([table, table.tail(1)]))
    with pytest.raises(collect.DamagedTableError, match=r"replica.csv: 1 duplicated group/.*/alphas"):
        collect.read_checked(path, keys, key=REPLICA_KEY)


def test_finite_size_rows_are_those_of_its_points():
    """The finite-size table's rows follow from the points it was made from: one per setting, α and D with a finite
    argmin (a setting whose argmin is NaN on its data makes no row, so it is not expected)."""
    from ptft.dln.analysis import FINITE_SIZE_KEY, finite_size_keys

    points = pd.DataFrame({"c_pt": 1e-3, "lambda_pt": [0.0, 0.0, -1.0, 0.0], "gamma_ft": 0.0, "rho_ft": 0.1,
                           "omega": 1.0, "alpha": [0.3, 0.3, 0.3, 0.6], "dim": 200, "seed": [0, 1, 0, 0],
                           "mse_argmin": [0.1, 0.2, float("nan"), 0.3]})
    assert finite_size_keys(points) == [(1e-3, 0.0, 0.0, 0.1, 1.0, 0.3, 200), (1e-3, 0.0, 0.0, 0.1, 1.0, 0.6, 200)]
    assert len(FINITE_SIZE_KEY) == 7
