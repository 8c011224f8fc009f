"""Collection and summary tables of the deep arms: per-job CSVs checked against the run table, one row per run;
per cell the mean and Student-t interval of a metric over seeds with the number of runs behind it."""

import pandas as pd

from ptft.collect import DamagedTableError, check_complete, status_counts
from ptft.stats import mean_ci


def gather(paths, expected, *, key, what: str) -> pd.DataFrame:
    """The per-job CSVs at `paths` as one table, checked against the rows the run table implies: none missing, none
    twice, no NaN key. `key`: a column (`expected` its ids), or a list of columns for several rows per run
    (`expected` their tuples, e.g. (ft_id, layer) for every run × ENSD layer, (pt_id, op) for every operation).

    Raises ptft.collect.MissingRunsError / DamagedTableError naming what is wrong (never a quietly smaller n).
    """
    keys = [key] if isinstance(key, str) else list(key)
    found = pd.concat([_job_table(path, keys) for path in paths], ignore_index=True)
    expected = pd.DataFrame(list(expected), columns=keys) if len(keys) > 1 else pd.DataFrame({key: list(expected)})
    check_complete(found, expected, key=key, what=what)
    return found


def _job_table(path, keys) -> pd.DataFrame:
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DamagedTableError(f"{path}: cannot be parsed as CSV ({err}); rerun the job that writes it") from None
    bad = [k for k in keys if k not in df or df[k].isna().any()]
    if bad:
        raise DamagedTableError(f"{path}: column {', '.join(bad)} missing or NaN; rerun the job that writes it")
    return df


def summary(df: pd.DataFrame, by, value: str | None = None, baselines=()) -> pd.DataFrame:
    """Per cell of `by`: n_runs (and n_converged, n_diverged where the table has the flags); with `value`, its mean,
    std, Student-t ci95 over the n_finite runs with a finite value; the mean of each column of `baselines` beside it
    (e.g. probe_test_acc, the linear probe of the frozen PT model)."""
    by = list(by)
    out = status_counts(df, by) if "converged" in df else df.groupby(by, dropna=False).size().reset_index(name="n_runs")
    if value is not None:
        out = out.merge(mean_ci(df, by, value).rename(columns={"n_runs": "n_finite"}), on=by)
    for column in baselines:
        out = out.merge(df.groupby(by, dropna=False)[column].mean().rename(column).reset_index(), on=by)
    return out
