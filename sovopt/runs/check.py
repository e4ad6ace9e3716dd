"""The run store's integrity checks (``sovopt store check``): what the database
engine says of itself (SQLite's ``integrity_check``), then what sovopt's own rows
must agree on, the same SQL on every back end."""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, text

from sovopt.runs.schema import SCHEMA_VERSION, ident, schema_version, sql_table_name

#: Rows that must not exist in a sound store, each with what it means.
ORPHANS = (
    ("SELECT COUNT(*) FROM kpis k WHERE NOT EXISTS "
     "(SELECT 1 FROM runs r WHERE r.run_id = k.run_id)", "KPI rows of no run"),
    ("SELECT COUNT(*) FROM result_tables t WHERE NOT EXISTS "
     "(SELECT 1 FROM runs r WHERE r.run_id = t.run_id)", "result tables of no run"),
    ("SELECT COUNT(*) FROM runs r WHERE r.input_sha256 IS NOT NULL AND NOT EXISTS "
     "(SELECT 1 FROM blobs b WHERE b.sha256 = r.input_sha256)", "runs whose input is missing"),
    ("SELECT COUNT(*) FROM runs r WHERE r.group_id IS NOT NULL AND NOT EXISTS "
     "(SELECT 1 FROM run_groups g WHERE g.group_id = r.group_id)", "runs of no group"),
    ("SELECT COUNT(*) FROM runs r WHERE r.status <> 'running' AND r.status <> 'failed' "
     "AND r.status <> 'interrupted' AND NOT EXISTS "
     "(SELECT 1 FROM kpis k WHERE k.run_id = r.run_id)", "finished runs without KPIs"),
)


def problems(conn: Connection, blobs: bool = False) -> list[str]:
    """Everything wrong with the open store (an empty list for a sound one);
    ``blobs`` also hashes every stored input workbook (reads them all)."""
    found: list[str] = []
    if conn.dialect.name == "sqlite":  # the engine's own page-level check
        verdict = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            return verdict
    version = schema_version(conn)
    if version != SCHEMA_VERSION:
        found.append(f"schema version {version}, expected {SCHEMA_VERSION}")
        return found
    for sql, what in ORPHANS:
        n = int(conn.execute(text(sql)).scalar() or 0)
        if n:
            found.append(f"{n} {what}")
    expected: dict[str, dict[str, int]] = {}
    for run_id, name, n_rows in conn.execute(text(
            "SELECT run_id, name, n_rows FROM result_tables")):
        expected.setdefault(str(name), {})[str(run_id)] = int(n_rows)
    for name, by_run in sorted(expected.items()):
        counted = {str(r): int(n) for r, n in conn.execute(text(
            f"SELECT run_id, COUNT(*) FROM {ident(sql_table_name(name))} GROUP BY run_id"))}
        wrong = [r for r, n in by_run.items() if counted.get(r, 0) != n]
        stray = [r for r in counted if r not in by_run]
        if wrong:
            found.append(f"table {name}: row counts differ from the catalogue for "
                         f"{len(wrong)} run(s) ({', '.join(sorted(wrong)[:3])})")
        if stray:
            found.append(f"table {name}: rows of {len(stray)} run(s) not in the catalogue")
    if not blobs:
        return found
    for sha, size, data in conn.execute(text("SELECT sha256, size, data FROM blobs")):
        body = bytes(data)
        if hashlib.sha256(body).hexdigest() != sha or len(body) != size:
            found.append(f"input workbook {sha[:12]} does not match its SHA-256 or size")
    return found
