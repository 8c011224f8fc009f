"""Aggregation that loses nothing: compare the runs found with the run table before writing a table."""

import logging

import pandas as pd

log = logging.getLogger(__name__)


class MissingRunsError(RuntimeError):
    """Some runs of the run table have no result."""


def row_keys(df: pd.DataFrame, key) -> pd.Index:
    """The key of each row: its `key` column, or the tuple of a composite key's columns (e.g. ["ft_id", "layer"])."""
    return pd.Index(df[key]) if isinstance(key, str) else pd.MultiIndex.from_frame(df[list(key)])


def check_complete(found: pd.DataFrame, expected: pd.DataFrame, key="run_id", *, what: str = "runs",
                   allow_missing: bool = False) -> pd.DataFrame:
    """Return the expected rows that `found` lacks; raise unless `allow_missing` (then log them loudly).

    `key`: a column, or a list of columns for tables with several rows per run (one per layer, per operation).
    Diverged or non-converged runs are *found* (they carry flags); only absent results count as missing.
    """
    found_keys, expected_keys = row_keys(found, key), row_keys(expected, key)
    duplicated = found_keys[found_keys.duplicated()]
    if len(duplicated):
        raise MissingRunsError(f"{len(duplicated)} {what} appear more than once ({key} e.g. "
                               f"{list(duplicated.unique()[:5])}): refusing to double-count them")
    missing = expected[~expected_keys.isin(found_keys)]
    extra = found_keys[~found_keys.isin(expected_keys)]
    if len(extra):
        log.warning("%d %s not in the run table (ignored): %s", len(extra), what, list(extra)[:10])
    if len(missing):
        msg = f"{len(missing)} of {len(expected)} {what} missing, e.g. {missing.head(5).to_dict('records')}"
        if not allow_missing:
            raise MissingRunsError(msg)
        log.error(msg)
    return missing


class DamagedTableError(RuntimeError):
    """A table read by a later step does not hold the runs its step expects (truncated, duplicated, NaN keys)."""


def read_checked(path, expected_ids, *, key="run_id", columns=()) -> pd.DataFrame:
    """Read a per-run CSV and check it against the run table: exactly the expected `key`s, each once, and no NaN in
    `key` or `columns`. Raise DamagedTableError naming the file otherwise (a truncated or hand-edited table must
    stop the steps that read it, not quietly shrink their n).

    `key`: a column, or a list of columns whose tuples `expected_ids` lists (e.g. a replica curve's setting and α).
    Float keys (α) compare exactly: pandas (3.x, pinned) reads back the floats it wrote.
    """
    keys = [key] if isinstance(key, str) else list(key)
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DamagedTableError(f"{path}: cannot be parsed as CSV ({err}); rerun the rule that writes it") from None
    problems = []
    absent = [c for c in (*keys, *columns) if c not in df]
    if absent:
        raise DamagedTableError(f"{path}: columns {absent} are missing; rerun the rule that writes it")
    nan = [c for c in (*keys, *columns) if df[c].isna().any()]
    if nan:
        problems.append(f"NaN in key columns {nan}")
    found = row_keys(df, key)
    if found.duplicated().any():
        problems.append(f"{int(found.duplicated().sum())} duplicated {'/'.join(keys)}s")
    expected = set(map(tuple, expected_ids)) if len(keys) > 1 else set(expected_ids)
    missing, extra = expected - set(found), set(found) - expected
    if missing:
        problems.append(f"{len(missing)} of {len(expected)} expected runs missing")
    if extra:
        problems.append(f"{len(extra)} runs not in the run table")
    if problems:
        raise DamagedTableError(f"{path}: {'; '.join(problems)} ({len(df)} rows read, {len(expected)} expected); "
                                "delete it and rerun the rule that writes it")
    return df


def status_counts(df: pd.DataFrame, by) -> pd.DataFrame:
    """n_runs, n_converged, n_diverged per group: every table says how many runs stand behind each cell."""
    flags = df.assign(converged=df["converged"].astype(bool), diverged=df["diverged"].astype(bool))
    return flags.groupby(by, dropna=False).agg(n_runs=("converged", "size"), n_converged=("converged", "sum"),
                                               n_diverged=("diverged", "sum")).reset_index()
