"""Rows of the run store written and read in bulk: input blobs, a new run's row,
KPIs, and the run list with its KPIs as columns."""

from __future__ import annotations

import secrets
import sys
from typing import Any

import pandas as pd
from sqlalchemy import Connection, text

from sovopt import __version__
from sovopt.outputs import SUMMARY_KEYS
from sovopt.runs.codec import kpi_cells

#: Columns of :meth:`RunStore.list_runs` before the KPI columns.
LIST_COLUMNS = ("run_id", "created", "label", "case_name", "input_name", "status", "preset",
                "message", "group", "point")

def put_blob(conn: Connection, sha: str | None, data: bytes) -> None:
    """Store an input workbook once under its SHA-256 (a second copy is skipped)."""
    conn.execute(text("INSERT INTO blobs (sha256, size, data) VALUES (:s, :n, :d) "
                      "ON CONFLICT (sha256) DO NOTHING"), {"s": sha, "n": len(data), "d": data})


def insert_run(conn: Connection, row: dict[str, Any]) -> str:
    """Insert a run row and give it its id ``r<number>-<4 hex>``, the number being the
    store's own key (SQLite's AUTOINCREMENT, PostgreSQL's serial: never reused, even
    after a delete, and unique however many writers insert at once)."""
    pending = f"pending-{secrets.token_hex(8)}"
    cols = ", ".join(row)
    conn.execute(text(f"INSERT INTO runs (run_id, {cols}) VALUES (:run_id, "
                      + ", ".join(f":{c}" for c in row) + ")"), {"run_id": pending, **row})
    seq = conn.execute(text("SELECT seq FROM runs WHERE run_id = :p"), {"p": pending}).scalar()
    run_id = f"r{int(seq):04d}-{secrets.token_hex(2)}"
    conn.execute(text("UPDATE runs SET run_id = :r WHERE seq = :n"), {"r": run_id, "n": seq})
    return run_id


def put_kpis(conn: Connection, run_id: str, summary: dict[str, Any]) -> None:
    """A run's KPIs as rows of ``kpis``, in summary order."""
    rows = []
    for i, (k, v) in enumerate(summary.items()):
        number, words = kpi_cells(v)
        rows.append({"r": run_id, "m": str(k), "p": i, "v": number, "t": words})
    if rows:
        conn.execute(text("INSERT INTO kpis (run_id, metric, position, value, text_value) "
                          "VALUES (:r, :m, :p, :v, :t)"), rows)


def with_kpis(conn: Connection, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The listed runs as a DataFrame with their KPIs as columns."""
    metrics = [k for k in SUMMARY_KEYS if k not in ("status", "run_id")]
    df = pd.DataFrame(rows, columns=list(LIST_COLUMNS))
    df["created"] = pd.to_datetime(df["created"], utc=True, format="ISO8601")
    kpi: dict[str, dict[str, Any]] = {m: {} for m in metrics}
    ids = df["run_id"].tolist()
    if len(ids) > 500:  # every run: one pass over the table beats many IN lists
        chunks: list[list[str] | None] = [None]
    else:
        chunks = [ids] if ids else []
    for chunk in chunks:
        sql = "SELECT run_id, metric, value, text_value FROM kpis"
        params: dict[str, Any] = {}
        if chunk is not None:
            params = {f"i{k}": rid for k, rid in enumerate(chunk)}
            sql += " WHERE run_id IN (" + ", ".join(f":{p}" for p in params) + ")"
        for rid, metric, value, words in conn.execute(text(sql), params):
            if metric in kpi:
                kpi[metric][rid] = words if words is not None else value
    for m in metrics:
        values = df["run_id"].map(kpi[m]).astype(object)
        numbers = pd.to_numeric(values, errors="coerce").astype(float)
        # numbers as floats; a metric holding text (objective: the preset name) as is
        df[m] = numbers if numbers.notna().sum() == values.notna().sum() else values
    return df.reset_index(drop=True)


def versions() -> dict[str, str]:
    """Versions known when a run begins (the solve adds Pyomo's and HiGHS's)."""
    return {"sovopt": __version__, "python": sys.version.split()[0], "pandas": pd.__version__}
