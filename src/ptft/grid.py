"""Grids from the config expanded into run tables; run ids are a deterministic function of the parameters."""

import hashlib
import itertools
import json
from collections.abc import Mapping

import pandas as pd


def run_id(params: Mapping, length: int = 10) -> str:
    """A short stable id of a parameter dict (key order and int/float spelling do not matter)."""
    canon = {k: (float(v) if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in params.items()}
    digest = hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()
    return digest[:length]


def expand(grid: Mapping, **fixed) -> pd.DataFrame:
    """Cartesian product of the list-valued entries of `grid` (scalars are broadcast), plus `fixed` columns.

    >>> expand({"c_pt": [1e-3, 1.0], "lambda_pt": 0.0}).shape
    (2, 2)
    """
    items = {**grid, **fixed}
    keys = list(items)
    values = [v if isinstance(v, list | tuple) else [v] for v in items.values()]
    return pd.DataFrame(list(itertools.product(*values)), columns=keys)


def with_ids(table: pd.DataFrame, columns=None, name: str = "run_id") -> pd.DataFrame:
    """Add an id column computed from `columns` (default: all) of each row."""
    columns = list(columns or table.columns)
    ids = [run_id(dict(zip(columns, row))) for row in table[columns].itertuples(index=False)]
    return table.assign(**{name: ids})


def linspace(spec) -> list:
    """A config value that is either a list or {start, stop, num} (numpy.linspace), as a list of floats."""
    if isinstance(spec, Mapping):
        import numpy as np

        return [round(float(a), 12) for a in np.linspace(spec["start"], spec["stop"], spec["num"])]
    return [float(a) for a in spec]
