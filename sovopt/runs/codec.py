"""Values and tables as the run store keeps them: plain JSON-able values, table
JSON (the layout of store versions 1 to 3) and dtype restoring.

Why not ``DataFrame.to_json``: it loses dtypes (an all-integer float column comes
back as int, an empty table's columns as object). Storing each column's dtype
name restores them exactly for the dtypes tidy tables use (int, float, bool,
str, object, nullable, datetime).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pandas as pd


def now() -> str:
    """The current time, UTC, ISO 8601 with microseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def plain(value: Any) -> Any:
    """A value JSON and SQL store faithfully: numpy scalars as Python ones,
    NaN/NA as None, dates as ISO text, paths and other objects as text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    return str(value)


def dumps(value: Any) -> str:
    """JSON text of ``value`` (non-finite floats kept as JSON's NaN/Infinity)."""
    return json.dumps(plain(value), ensure_ascii=False)


def loads(text: str | None, default: Any = None) -> Any:
    """The value of JSON ``text``; ``default`` for a missing (NULL) one."""
    return default if text is None else json.loads(text)


def encode_table(df: pd.DataFrame) -> str:
    """``df`` as JSON text: column names, dtype names and column-wise values (a
    named index is kept as columns)."""
    if any(n is not None for n in df.index.names):
        df = df.reset_index()
    columns = list(df.columns)
    dtypes = [str(df.iloc[:, i].dtype) for i in range(len(columns))]
    return json.dumps({"columns": [plain(c) for c in columns], "dtypes": dtypes,
                       "values": column_values(df)}, ensure_ascii=False)


def column_values(df: pd.DataFrame) -> list[list[Any]]:
    """Each column's values as plain Python values (times as ISO text)."""
    values = []
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if col.dtype.kind == "M":
            col = col.map(lambda t: None if pd.isna(t) else t.isoformat())
        values.append([plain(v) for v in col.tolist()])
    return values


def decode_table(text: str) -> pd.DataFrame:
    """The DataFrame stored by :func:`encode_table`, with its dtypes restored."""
    doc = json.loads(text)
    columns, dtypes, values = doc["columns"], doc["dtypes"], doc["values"]
    series = []
    for name, dtype, vals in zip(columns, dtypes, values, strict=True):
        series.append(restore(pd.Series(vals, dtype=object, name=name), dtype))
    if not series:
        return pd.DataFrame()
    df = pd.concat(series, axis=1)
    df.columns = columns
    return df


def restore(s: pd.Series, dtype: str) -> pd.Series:
    """Cast a column of plain values back to ``dtype``; keep object if it cannot."""
    if dtype == "object":
        return s
    try:
        if dtype.startswith("datetime64"):
            return pd.to_datetime(s).astype(dtype)
        if dtype in ("float64", "float32"):
            return pd.to_numeric(s.where(s.notna(), np.nan)).astype(dtype)
        return s.astype(dtype)
    except (TypeError, ValueError):
        return s.infer_objects()


def kpi_cells(value: Any) -> tuple[float | int | None, str | None]:
    """A KPI as the two columns of ``kpis``: a number in ``value``, anything else
    as text in ``text_value`` (JSON for lists and mappings); NaN as neither."""
    v = plain(value)
    if v is None:
        return None, None
    if isinstance(v, bool):
        return int(v), None
    if isinstance(v, int | float):
        return v, None
    return None, v if isinstance(v, str) else dumps(v)
