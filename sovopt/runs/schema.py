"""The run store's schema: one list of migrations for SQLite and PostgreSQL, and the
long result tables a run's tables are kept in.

``schema_version`` lists the migrations applied; opening a store applies the
missing ones in order, each in its own transaction (DDL is transactional on both
back ends), so a store is never left between two versions. Tables are declared
with SQLAlchemy Core, so one definition gives each back end its types (``seq``
is SQLite's AUTOINCREMENT key and PostgreSQL's serial; ``blobs.data`` a BLOB or
a bytea); the later steps are SQL both back ends run as written.

Result tables: every run's rows of result table ``spend`` are rows of
``result_spend`` (run_id, row_index, year, country_id, capability_id, amount),
so "spend by country across these 40 runs" is one query. ``result_tables``
lists each run's tables with their columns and dtypes, which restore the
DataFrame exactly. A new result table or column needs no migration: its SQL
table is created, or widened, when a run first records it. The index is not
stored: tidy tables keep their keys in columns (a named index is kept as
columns).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    inspect,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import UserDefinedType

from sovopt.runs.codec import column_values, decode_table, now, plain, restore


class AnyValue(UserDefinedType):
    """A column that keeps each value as given: no declared type on SQLite (as the
    first stores had), the PostgreSQL type given per use elsewhere."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "DOUBLE PRECISION"


@compiles(AnyValue, "sqlite")
def _any_value_on_sqlite(type_: AnyValue, compiler: object, **kw: object) -> str:
    return ""


@dataclass(frozen=True)
class Migration:
    """One step of the schema: brings a store from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _run(conn: Connection, sql: str) -> None:
    """Run the ``;``-separated statements of ``sql`` inside the open transaction."""
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(text(statement))


def _v1(conn: Connection) -> None:
    """Version 1: blobs, runs, the tables of a run (as JSON) and its KPIs."""
    meta = MetaData()
    Table("blobs", meta,
          Column("sha256", Text, primary_key=True),
          Column("size", Integer, nullable=False),
          Column("data", LargeBinary, nullable=False))
    runs = Table("runs", meta,
                 Column("seq", Integer, primary_key=True, autoincrement=True),
                 Column("run_id", Text, nullable=False, unique=True),
                 Column("label", Text), Column("created_at", Text, nullable=False),
                 Column("finished_at", Text), Column("case_name", Text),
                 Column("input_name", Text),
                 Column("input_sha256", Text, ForeignKey("blobs.sha256")),
                 Column("preset", Text), Column("settings", Text), Column("versions", Text),
                 Column("status", Text, nullable=False), Column("message", Text),
                 Column("timings", Text), Column("run_info", Text),
                 sqlite_autoincrement=True)
    Index("runs_input", runs.c.input_sha256)
    Table("run_tables", meta,
          Column("run_id", Text, ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
          Column("name", Text, nullable=False), Column("position", Integer, nullable=False),
          Column("n_rows", Integer, nullable=False), Column("data", Text, nullable=False),
          PrimaryKeyConstraint("run_id", "name"))
    Table("kpis", meta,
          Column("run_id", Text, ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
          Column("metric", Text, nullable=False), Column("position", Integer, nullable=False),
          Column("value", AnyValue()),
          PrimaryKeyConstraint("run_id", "metric"))
    meta.create_all(conn)


def _v2(conn: Connection) -> None:
    """Version 2: the process that records a run (host, pid, start time), so a run
    whose process died can be shown as interrupted; indexes for the list filters."""
    _run(conn, """
        ALTER TABLE runs ADD COLUMN host TEXT;
        ALTER TABLE runs ADD COLUMN pid INTEGER;
        ALTER TABLE runs ADD COLUMN proc_start TEXT;
        CREATE INDEX runs_status ON runs(status);
        CREATE INDEX runs_case ON runs(case_name)
    """)


def _v3(conn: Connection) -> None:
    """Version 3: groups of runs made by one study (frontier, sweep, robust). A run
    names its group and its point in it; (group, point) is unique, so a point is
    recorded at most once however its task was retried. A group is ``running``
    until its study ends ``complete`` or ``incomplete`` (ended early, or a point
    failed)."""
    _run(conn, """
        CREATE TABLE run_groups (
            group_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,
            total INTEGER NOT NULL,
            done INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            case_name TEXT,
            info TEXT,
            message TEXT
        );
        ALTER TABLE runs ADD COLUMN group_id TEXT REFERENCES run_groups(group_id);
        ALTER TABLE runs ADD COLUMN group_point INTEGER;
        CREATE UNIQUE INDEX runs_group_point ON runs(group_id, group_point)
    """)


def _v4(conn: Connection) -> None:
    """Version 4: result tables as long SQL tables keyed by run id (``result_<name>``:
    run_id, row_index and one column per table column) listed in ``result_tables``
    (run_id, name, position, n_rows, columns with their dtypes); every JSON blob of
    ``run_tables`` is moved into them, then ``run_tables`` is dropped."""
    _run(conn, """
        CREATE TABLE result_tables (
            run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            n_rows INTEGER NOT NULL,
            columns TEXT NOT NULL,
            PRIMARY KEY (run_id, name)
        )
    """)
    stored = conn.execute(text("SELECT run_id, name, position, data FROM run_tables "
                               "ORDER BY run_id, position")).fetchall()
    for run_id, name, position, data in stored:
        write_result_table(conn, run_id, name, position, decode_table(data))
    conn.execute(text("DROP TABLE run_tables"))


def _v5(conn: Connection) -> None:
    """Version 5: KPIs typed alike on every back end: numbers in ``kpis.value``, text
    (the objective's name, the status) in the new ``kpis.text_value``; text values
    of earlier versions are moved there."""
    conn.execute(text("ALTER TABLE kpis ADD COLUMN text_value TEXT"))
    moved = [{"run_id": r, "metric": m, "text": v} for r, m, v in conn.execute(
        text("SELECT run_id, metric, value FROM kpis")) if isinstance(v, str | bytes)]
    if moved:
        conn.execute(text("UPDATE kpis SET text_value = :text, value = NULL "
                          "WHERE run_id = :run_id AND metric = :metric"), moved)


#: Every migration, in order. Append new ones; never edit a released one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "blobs, runs, run_tables, kpis", _v1),
    Migration(2, "runs: host, pid, proc_start; status and case indexes", _v2),
    Migration(3, "run_groups; runs: group_id, group_point", _v3),
    Migration(4, "result tables as long tables keyed by run id; run_tables moved", _v4),
    Migration(5, "kpis: text values in text_value", _v5),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def schema_version(conn: Connection) -> int:
    """The highest migration applied to the open database (0 for a new one)."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar() or 0)


def apply_migration(conn: Connection, m: Migration) -> bool:
    """Apply ``m`` in the open write transaction if the store lacks it (the version is
    read again inside the transaction, so two processes opening a new store at once
    apply each step once); whether it was applied."""
    current = schema_version(conn)
    if current >= m.version:
        return False
    if current != m.version - 1:
        raise ValueError(f"schema version {current} cannot be migrated to {m.version}")
    if current == 0:
        conn.execute(text("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                          "description TEXT NOT NULL, applied_at TEXT NOT NULL)"))
    m.apply(conn)
    conn.execute(text("INSERT INTO schema_version (version, description, applied_at) "
                      "VALUES (:v, :d, :t)"), {"v": m.version, "d": m.description, "t": now()})
    return True


# --------------------------------------------------------------------------- result tables

#: Columns every long result table has besides the table's own.
KEY_COLUMNS = ("run_id", "row_index")


def sql_table_name(name: str) -> str:
    """``result_<name>``: the SQL table holding every run's rows of a result table."""
    return "result_" + re.sub(r"[^0-9A-Za-z_]", "_", str(name))


def ident(name: str) -> str:
    """A table or column name as a quoted SQL identifier (the same on both back ends)."""
    return '"' + str(name).replace('"', '""') + '"'


def _sql_columns(df: pd.DataFrame) -> list[str]:
    """The SQL column of each DataFrame column (one that would clash with a key column
    is stored as ``value_<name>``)."""
    return [f"value_{c}" if str(c) in KEY_COLUMNS else str(c) for c in df.columns]


def column_type(dtype: object, dialect: str) -> str:
    """The SQL type a new result column gets: none on SQLite (values kept as given,
    as in every earlier store), the dtype's type on PostgreSQL (numbers as numbers,
    so SUM and MAX work; text, times and mixed columns as text)."""
    if dialect == "sqlite":
        return ""
    kind = getattr(dtype, "kind", "O")
    return {"f": "DOUBLE PRECISION", "i": "BIGINT", "u": "BIGINT", "b": "BOOLEAN"}.get(
        kind, "TEXT")


def write_result_table(conn: Connection, run_id: str, name: str, position: int,
                       df: pd.DataFrame) -> None:
    """Append ``df`` as run ``run_id``'s rows of the long table ``result_<name>``
    (created, or widened by a new column, as needed) and list it in result_tables."""
    if any(n is not None for n in df.index.names):
        df = df.reset_index()
    table, columns = sql_table_name(name), _sql_columns(df)
    conn.execute(text(f"CREATE TABLE IF NOT EXISTS {ident(table)} (run_id TEXT NOT NULL, "
                      "row_index INTEGER NOT NULL, PRIMARY KEY (run_id, row_index))"))
    have = {c["name"] for c in inspect(conn).get_columns(table)}
    dialect = conn.dialect.name
    for i, col in enumerate(columns):
        if col not in have:
            kind = column_type(df.iloc[:, i].dtype, dialect)
            conn.execute(text(f"ALTER TABLE {ident(table)} ADD COLUMN {ident(col)} {kind}"))
            have.add(col)
    values = column_values(df)
    marks = [f"c{i}" for i in range(len(columns))]
    rows = [{"run_id": run_id, "row_index": k, **dict(zip(marks, cells, strict=True))}
            for k, cells in enumerate(zip(*values, strict=True))] if values \
        else [{"run_id": run_id, "row_index": k} for k in range(len(df))]
    if rows:
        names = ", ".join(["run_id", "row_index", *map(ident, columns)])
        params = ", ".join([":run_id", ":row_index", *(f":{m}" for m in marks)])
        conn.execute(text(f"INSERT INTO {ident(table)} ({names}) VALUES ({params})"), rows)
    catalogue = [[plain(c), str(df.iloc[:, i].dtype), sql,
                  *(_hint(values[i]) if df.iloc[:, i].dtype == object else [])]
                 for i, (c, sql) in enumerate(zip(df.columns, columns, strict=True))]
    conn.execute(text("INSERT INTO result_tables (run_id, name, position, n_rows, columns) "
                      "VALUES (:r, :n, :p, :k, :c)"),
                 {"r": run_id, "n": str(name), "p": position, "k": len(df),
                  "c": json.dumps(catalogue, ensure_ascii=False)})


def read_result_table(conn: Connection, run_id: str, name: str,
                      columns_json: str) -> pd.DataFrame:
    """Run ``run_id``'s rows of result table ``name``, columns and dtypes as stored."""
    catalogue = json.loads(columns_json)
    if not catalogue:
        return pd.DataFrame()
    selected = ", ".join(ident(entry[2]) for entry in catalogue)
    rows = conn.execute(text(f"SELECT {selected} FROM {ident(sql_table_name(name))} "
                             "WHERE run_id = :r ORDER BY row_index"), {"r": run_id}).fetchall()
    series = [restore(pd.Series([_typed(r[i], entry[3:]) for r in rows], dtype=object,
                                name=entry[0]), entry[1])
              for i, entry in enumerate(catalogue)]
    df = pd.concat(series, axis=1)
    df.columns = [entry[0] for entry in catalogue]
    return df


def _hint(values: list[object]) -> list[str]:
    """How to read back a column of mixed (object) values kept as text by a back end
    that types its columns (PostgreSQL): ``int``, ``float`` or ``bool`` when every
    value was one, else nothing (text, or a mix)."""
    kinds = {type(v) for v in values if v is not None}
    if kinds == {bool}:
        return ["bool"]
    if kinds == {int}:
        return ["int"]
    if kinds and kinds <= {int, float}:
        return ["float"]
    return []


def _typed(value: object, hint: list[str]) -> object:
    """A stored cell as the value it was written as (see :func:`_hint`)."""
    if not hint or value is None:
        return value
    if hint[0] == "bool":  # SQLite keeps 1/0, PostgreSQL's text 'true'/'false'
        return value.lower() in ("true", "t", "1") if isinstance(value, str) else bool(value)
    if isinstance(value, str):
        return int(value) if hint[0] == "int" else float(value)
    return float(value) if hint[0] == "float" and isinstance(value, int) else value
