"""Copying runs between two stores (``sovopt store copy``): a SQLite folder, a
PostgreSQL database, either way.

A run keeps its id, its input workbook, its KPIs, its tables (with their dtypes)
and its group; its number in the target is the target's next one (a copy into an
empty store, oldest first, keeps the numbers of a store that never deleted a run).
A run whose id the target already holds is skipped, so copying again copies
nothing new and an interrupted copy can simply be run again: each run is copied
in one transaction of the target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from sovopt.runs.errors import StoreError
from sovopt.runs.rows import put_blob
from sovopt.runs.schema import read_result_table, write_result_table
from sovopt.runs.store import RunStore


@dataclass
class Copied:
    """What a copy did: run ids copied and skipped (already in the target)."""

    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Run:
    """Everything of one run, read from the source."""

    row: dict[str, Any]
    blob: tuple[str, bytes] | None
    group: dict[str, Any] | None
    kpis: list[dict[str, Any]]
    tables: list[tuple[str, int, Any]]


def _read_run(conn: Connection, run_id: str) -> _Run:
    row = dict(conn.execute(text("SELECT * FROM runs WHERE run_id = :r"),
                            {"r": run_id}).mappings().one())
    row.pop("seq", None)
    blob = None
    if row.get("input_sha256"):
        data = conn.execute(text("SELECT data FROM blobs WHERE sha256 = :s"),
                            {"s": row["input_sha256"]}).scalar()
        blob = (row["input_sha256"], bytes(data)) if data is not None else None
    group = None
    if row.get("group_id"):
        found = conn.execute(text("SELECT * FROM run_groups WHERE group_id = :g"),
                             {"g": row["group_id"]}).mappings().first()
        group = dict(found) if found else None
    kpis = [dict(k) for k in conn.execute(text(
        "SELECT run_id, metric, position, value, text_value FROM kpis WHERE run_id = :r"),
        {"r": run_id}).mappings()]
    tables = [(name, position, read_result_table(conn, run_id, name, columns))
              for name, position, columns in conn.execute(text(
                  "SELECT name, position, columns FROM result_tables WHERE run_id = :r "
                  "ORDER BY position"), {"r": run_id}).fetchall()]
    return _Run(row, blob, group, kpis, tables)


def _insert(conn: Connection, table: str, row: dict[str, Any]) -> None:
    cols = list(row)
    conn.execute(text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ("
                      + ", ".join(f":{c}" for c in cols) + ")"), row)


def _write_run(conn: Connection, run: _Run) -> bool:
    """Insert one run into the target (in its open transaction); False if the target
    holds it already."""
    rid = run.row["run_id"]
    if conn.execute(text("SELECT 1 FROM runs WHERE run_id = :r"), {"r": rid}).first():
        return False
    if run.blob is not None:
        put_blob(conn, *run.blob)
    if run.group is not None and not conn.execute(
            text("SELECT 1 FROM run_groups WHERE group_id = :g"),
            {"g": run.group["group_id"]}).first():
        _insert(conn, "run_groups", run.group)
    _insert(conn, "runs", run.row)
    if run.kpis:
        conn.execute(text("INSERT INTO kpis (run_id, metric, position, value, text_value) "
                          "VALUES (:run_id, :metric, :position, :value, :text_value)"),
                     run.kpis)
    for name, position, df in run.tables:
        write_result_table(conn, rid, name, position, df)
    return True


def copy_runs(src: RunStore, dst: RunStore, run_ids: list[str] | None = None,
              say: Callable[[str], None] | None = None) -> Copied:
    """Copy the runs ``run_ids`` (default: every run, oldest first) from ``src`` to
    ``dst``; runs ``dst`` already holds are skipped."""
    try:
        wanted = [src.resolve(r) for r in run_ids] if run_ids else src._read(
            lambda conn: [r[0] for r in conn.execute(text("SELECT run_id FROM runs "
                                                          "ORDER BY seq"))])
        done = Copied()
        for k, rid in enumerate(wanted, 1):
            run = src._read(lambda conn, rid=rid: _read_run(conn, rid))
            if dst._write(lambda conn, run=run: _write_run(conn, run)):
                done.copied.append(rid)
            else:
                done.skipped.append(rid)
            if say and k % 100 == 0:
                say(f"{k} of {len(wanted)} runs")
        return done
    except SQLAlchemyError as exc:
        raise StoreError(f"copying runs from {src.where} to {dst.where} failed "
                         f"({str(getattr(exc, 'orig', None) or exc).splitlines()[0]}); "
                         "runs copied before are complete: run the copy again") from None
