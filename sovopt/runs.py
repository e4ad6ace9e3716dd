"""The run store: every run's metadata, input workbook, settings, KPIs and tables in SQLite.

A store is a folder (default ``.sovopt/`` in the current directory; the CLI's
``--store`` or ``SOVOPT_STORE``) holding one database, ``runs.sqlite``. It is
written by :class:`RunStore` only, with the standard library's :mod:`sqlite3`.

How a solve records itself (the whole API a command needs)::

    store = RunStore(folder)
    run_id = store.begin("case.xlsx", label="baseline", case_name="Air defence",
                         settings={...}, preset="min_dependence")
    try:
        report = ...                      # solve, building a Report
        report.summary["run_id"] = run_id
        store.finish(run_id, report)      # summary, tables, status: one transaction
    except BaseException as exc:
        store.fail(run_id, str(exc))
        raise

Then ``store.list()`` (a DataFrame, newest first), ``store.get(run_id)`` (a
:class:`~sovopt.report.Report` as good as a fresh one), ``store.input_bytes``
and ``store.delete``. Run ids are accepted as a full id (``r0007-a3f9``), its
number (``r0007``, ``r7`` or ``7``) or any unique prefix.

Decisions, and why:

* **Run ids** are ``r<number>-<4 hex>``: the number counts the store's runs
  (never reused, even after a delete) so ids are short, sort by age and are
  easy to type; the random suffix keeps runs of different stores apart when
  results are shared.
* **Atomicity.** :meth:`RunStore.begin` writes the ``running`` run and the input
  bytes in one transaction; :meth:`RunStore.finish` writes the KPIs, every table
  and the final status in one transaction. A process killed in between leaves
  a ``running`` run with no KPIs and no tables, never a half-written one.
* **Interrupted runs.** ``begin`` records the host name, the process id and,
  where the system tells it (Linux), the process start time. A ``running`` run
  on this host whose process is gone (or whose pid now belongs to a newer
  process) is *shown* as ``interrupted`` by :meth:`RunStore.list` and
  :meth:`RunStore.get`; the stored status is not rewritten, so reading never
  writes. A run started on another host stays ``running``: its process
  cannot be checked from here.
* **Tables** are long SQL tables keyed by run id: every run's rows of result
  table ``spend`` are rows of ``result_spend`` (run_id, row_index, year,
  country_id, capability_id, amount), so "spend by country across these 40
  runs" is one query. ``result_tables`` lists each run's tables with their
  columns and dtypes, which restore the DataFrame exactly. A new result table
  or column needs no migration: its SQL table is created, or widened, when a
  run first records it. The index is not stored: tidy tables keep their keys in
  columns (a named index is kept as columns). Stores of versions 1 to 3 held each
  table as one JSON blob; migration 4 moves them into the long tables.
* **KPIs** go to a long ``kpis`` table (run_id, metric, value) as well, so
  comparing runs in SQL is one query.
* **Input workbooks** are content-addressed by SHA-256 in ``blobs``: stored once
  however many runs use them, and dropped with the last run that uses them.
* **Concurrency.** WAL journal, a busy timeout, and every write in a
  ``BEGIN IMMEDIATE`` transaction retried while the database is busy, so
  several processes recording runs into one store lose nothing. (WAL needs a
  local file system; a store on a network share is not supported by SQLite.)
* **Schema versions.** ``schema_version`` lists the migrations applied;
  opening a store applies the missing ones in order, each in its own
  transaction. A store from a newer sovopt is refused with a clear message.
* **Damaged, foreign and read-only stores.** Every database error becomes one
  :class:`StoreError` line naming the store, what is wrong and what to do
  (another ``--store``, a fresh store, a backup), never a traceback. A
  database that is not a sovopt store (no ``schema_version`` but tables of its
  own) is refused before anything is written into it: no journal-mode change,
  no migration. A store sovopt cannot write (a read-only folder or file) is
  opened read-only, so it can still be listed and shown; recording a run in it
  is refused with a clear line before any solving starts.
* **Finding the store.** :func:`default_store` looks for a ``.sovopt/`` folder in
  the current directory and each parent in turn (as git finds ``.git``), so
  ``sovopt runs`` in a sub-folder of a project sees the project's runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import math
import os
import re
import secrets
import socket
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sovopt import __version__
from sovopt.errors import EXIT_INVALID, EXIT_USAGE, SovoptError
from sovopt.outputs import SUMMARY_KEYS
from sovopt.report import Report
from sovopt.status import Status
from sovopt.workbook.targets import can_write

#: File name of the database inside the store folder.
DB_NAME = "runs.sqlite"

#: Default store folder, relative to the current directory.
DEFAULT_FOLDER = ".sovopt"

#: Statuses a run is stored with (a finished run takes its Summary status, so a
#: stress test is ``feasible`` or ``violated``); ``interrupted`` is stored for a run
#: stopped by Ctrl-C, and shown for a ``running`` run whose process is gone.
STATUSES = tuple(str(s) for s in (
    Status.RUNNING, Status.OPTIMAL, Status.FEASIBLE, Status.TIME_LIMIT, Status.INTERRUPTED,
    Status.INFEASIBLE, Status.NO_SOLUTION, Status.SOLVER_ERROR, Status.FAILED, Status.STRESS,
    Status.VIOLATED))
INTERRUPTED = Status.INTERRUPTED

#: Seconds sqlite waits on a lock before reporting busy, and the total time a
#: write transaction is retried after that.
BUSY_TIMEOUT_S = 30.0
RETRY_FOR_S = 120.0

#: Columns of :meth:`RunStore.list` before the KPI columns.
LIST_COLUMNS = ("run_id", "created", "label", "case_name", "input_name", "status", "preset",
                "message", "group", "point")

#: Statuses of a group of runs: ``running`` while its study runs, then ``complete``
#: (every point recorded) or ``incomplete`` (ended early, or some point failed).
GROUP_STATUSES = ("running", "complete", "incomplete")


class UnknownRun(SovoptError):
    """No run (or more than one run) matches the id a user gave."""

    exit_code = EXIT_USAGE


class StoreError(SovoptError):
    """The run store cannot be used as it is: damaged, foreign, read-only or busy."""

    exit_code = EXIT_INVALID


#: What to do about a store that cannot be used, for every StoreError.
STORE_ADVICE = ("give another store with --store DIR (or SOVOPT_STORE), start a fresh one "
                "by moving {db} aside, or restore {db} from a backup")


def default_store(start: str | os.PathLike[str] | None = None) -> Path:
    """The store commands use when neither ``--store`` nor ``SOVOPT_STORE`` is given:
    the nearest ``.sovopt/`` folder in ``start`` (the current directory) or one of its
    parents, like git's ``.git``; ``.sovopt`` in ``start`` when there is none."""
    here = Path(start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        candidate = folder / DEFAULT_FOLDER
        with contextlib.suppress(OSError):
            if candidate.is_dir():
                return candidate
    return here / DEFAULT_FOLDER


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Turn any SQLite error of a RunStore method into one StoreError line."""
    @functools.wraps(method)
    def wrapper(self: RunStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self.error_for(exc) from None
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError) as exc:
            # damaged pages can read back as text that is not UTF-8 or not our JSON
            raise StoreError(f"the run store {self.path} is damaged (a stored value cannot "
                             f"be read: {type(exc).__name__}); "
                             + STORE_ADVICE.format(db=self.path)) from None
    return wrapper


class DuplicatePoint(SovoptError):
    """A study tried to record a point of its group a second time."""


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class Migration:
    """One step of the schema: brings a store from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _script(con: sqlite3.Connection, sql: str) -> None:
    """Run the ``;``-separated statements of ``sql`` inside the open transaction.

    Not ``executescript``: it commits the pending transaction first, which would
    split a migration from its schema_version row.
    """
    for statement in sql.split(";"):
        if statement.strip():
            con.execute(statement)


def _v1(con: sqlite3.Connection) -> None:
    """Version 1: blobs, runs, the tables of a run and its KPIs."""
    _script(con, """
        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        CREATE TABLE runs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL UNIQUE,
            label TEXT,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            case_name TEXT,
            input_name TEXT,
            input_sha256 TEXT REFERENCES blobs(sha256),
            preset TEXT,
            settings TEXT,
            versions TEXT,
            status TEXT NOT NULL,
            message TEXT,
            timings TEXT,
            run_info TEXT
        );
        CREATE INDEX runs_input ON runs(input_sha256);
        CREATE TABLE run_tables (
            run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            n_rows INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (run_id, name)
        );
        CREATE TABLE kpis (
            run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            metric TEXT NOT NULL,
            position INTEGER NOT NULL,
            value,
            PRIMARY KEY (run_id, metric)
        );
    """)


def _v2(con: sqlite3.Connection) -> None:
    """Version 2: the process that records a run (host, pid, start time), so a run
    whose process died can be shown as interrupted; indexes for the list filters."""
    _script(con, """
        ALTER TABLE runs ADD COLUMN host TEXT;
        ALTER TABLE runs ADD COLUMN pid INTEGER;
        ALTER TABLE runs ADD COLUMN proc_start TEXT;
        CREATE INDEX runs_status ON runs(status);
        CREATE INDEX runs_case ON runs(case_name);
    """)


def _v3(con: sqlite3.Connection) -> None:
    """Version 3: groups of runs made by one study (frontier, sweep, robust). A run
    names its group and its point in it; (group, point) is unique, so a point is
    recorded at most once however its task was retried. A group is ``running``
    until its study ends ``complete`` or ``incomplete`` (ended early, or a point
    failed)."""
    _script(con, """
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
        CREATE UNIQUE INDEX runs_group_point ON runs(group_id, group_point);
    """)


def _v4(con: sqlite3.Connection) -> None:
    """Version 4: result tables as long SQL tables keyed by run id (``result_<name>``:
    run_id, row_index and one column per table column) listed in ``result_tables``
    (run_id, name, position, n_rows, columns with their dtypes); every JSON blob of
    ``run_tables`` is moved into them, then ``run_tables`` is dropped."""
    _script(con, """
        CREATE TABLE result_tables (
            run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            n_rows INTEGER NOT NULL,
            columns TEXT NOT NULL,
            PRIMARY KEY (run_id, name)
        )
    """)
    stored = con.execute("SELECT run_id, name, position, data FROM run_tables "
                         "ORDER BY run_id, position").fetchall()
    for run_id, name, position, data in stored:
        write_result_table(con, run_id, name, position, decode_table(data))
    con.execute("DROP TABLE run_tables")


#: Every migration, in order. Append new ones; never edit a released one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "blobs, runs, run_tables, kpis", _v1),
    Migration(2, "runs: host, pid, proc_start; status and case indexes", _v2),
    Migration(3, "run_groups; runs: group_id, group_point", _v3),
    Migration(4, "result tables as long tables keyed by run id; run_tables moved", _v4),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def _schema_version(con: sqlite3.Connection) -> int:
    """The highest migration applied to the open database (0 for a new one)."""
    has = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
                      ).fetchone()
    if not has:
        return 0
    row = con.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


# --------------------------------------------------------------------------- values


def _now() -> str:
    """The current time, UTC, ISO 8601 with microseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _plain(value: Any) -> Any:
    """A value JSON and SQLite store faithfully: numpy scalars as Python ones,
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
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    return str(value)


def _dumps(value: Any) -> str:
    """JSON text of ``value`` (non-finite floats kept as JSON's NaN/Infinity)."""
    return json.dumps(_plain(value), ensure_ascii=False)


def _loads(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


def encode_table(df: pd.DataFrame) -> str:
    """``df`` as JSON text: column names, dtype names and column-wise values.

    Why not ``DataFrame.to_json``: it loses dtypes (an all-integer float column
    comes back as int, an empty table's columns as object). Storing each
    column's dtype name restores them exactly for the dtypes tidy tables use
    (int, float, bool, str, object, nullable, datetime).
    """
    if any(n is not None for n in df.index.names):
        df = df.reset_index()
    columns = list(df.columns)
    dtypes = [str(df.iloc[:, i].dtype) for i in range(len(columns))]
    return json.dumps({"columns": [_plain(c) for c in columns], "dtypes": dtypes,
                       "values": _column_values(df)}, ensure_ascii=False)


def _column_values(df: pd.DataFrame) -> list[list[Any]]:
    """Each column's values as plain Python values (times as ISO text)."""
    values = []
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if col.dtype.kind == "M":
            col = col.map(lambda t: None if pd.isna(t) else t.isoformat())
        values.append([_plain(v) for v in col.tolist()])
    return values


def decode_table(text: str) -> pd.DataFrame:
    """The DataFrame stored by :func:`encode_table`, with its dtypes restored."""
    doc = json.loads(text)
    columns, dtypes, values = doc["columns"], doc["dtypes"], doc["values"]
    series = []
    for name, dtype, vals in zip(columns, dtypes, values, strict=True):
        series.append(_restore(pd.Series(vals, dtype=object, name=name), dtype))
    if not series:
        return pd.DataFrame()
    df = pd.concat(series, axis=1)
    df.columns = columns
    return df


#: Columns every long result table has besides the table's own.
KEY_COLUMNS = ("run_id", "row_index")


def sql_table_name(name: str) -> str:
    """``result_<name>``: the SQL table holding every run's rows of a result table."""
    return "result_" + re.sub(r"[^0-9A-Za-z_]", "_", str(name))


def _ident(name: str) -> str:
    """A column name as a quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def _sql_columns(df: pd.DataFrame) -> list[str]:
    """The SQL column of each DataFrame column (one that would clash with a key column
    is stored as ``value_<name>``)."""
    return [f"value_{c}" if str(c) in KEY_COLUMNS else str(c) for c in df.columns]


def write_result_table(con: sqlite3.Connection, run_id: str, name: str, position: int,
                       df: pd.DataFrame) -> None:
    """Append ``df`` as run ``run_id``'s rows of the long table ``result_<name>``
    (created, or widened by a new column, as needed) and list it in result_tables."""
    if any(n is not None for n in df.index.names):
        df = df.reset_index()
    table, columns = sql_table_name(name), _sql_columns(df)
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} (run_id TEXT NOT NULL, "
                "row_index INTEGER NOT NULL, PRIMARY KEY (run_id, row_index))")
    have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
    for col in columns:
        if col not in have:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {_ident(col)}")
    values = _column_values(df)
    rows = [(run_id, k, *cells) for k, cells in enumerate(zip(*values, strict=True))] \
        if values else [(run_id, k) for k in range(len(df))]
    names = ", ".join(["run_id", "row_index", *map(_ident, columns)])
    marks = ", ".join("?" * (2 + len(columns)))
    con.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
    catalogue = [[_plain(c), str(df.iloc[:, i].dtype), sql]
                 for i, (c, sql) in enumerate(zip(df.columns, columns, strict=True))]
    con.execute("INSERT INTO result_tables (run_id, name, position, n_rows, columns) "
                "VALUES (?, ?, ?, ?, ?)", (run_id, str(name), position, len(df),
                                           json.dumps(catalogue, ensure_ascii=False)))


def read_result_table(con: sqlite3.Connection, run_id: str, name: str,
                      columns_json: str) -> pd.DataFrame:
    """Run ``run_id``'s rows of result table ``name``, columns and dtypes as stored."""
    catalogue = json.loads(columns_json)
    if not catalogue:
        return pd.DataFrame()
    selected = ", ".join(_ident(sql) for _, _, sql in catalogue)
    rows = con.execute(f"SELECT {selected} FROM {sql_table_name(name)} WHERE run_id = ? "
                       "ORDER BY row_index", (run_id,)).fetchall()
    series = [_restore(pd.Series([r[i] for r in rows], dtype=object, name=c), dtype)
              for i, (c, dtype, _) in enumerate(catalogue)]
    df = pd.concat(series, axis=1)
    df.columns = [c for c, _, _ in catalogue]
    return df


def _restore(s: pd.Series, dtype: str) -> pd.Series:
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


# --------------------------------------------------------------------------- processes


def _process_start(pid: int) -> str | None:
    """A token that changes when ``pid`` is reused: the Linux process start time
    (field 22 of /proc/<pid>/stat), or None where it is not available."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    return f"linux:{fields[19]}" if len(fields) > 19 else None


def _pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (without signalling it)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_gone(host: str | None, pid: int | None, proc_start: str | None) -> bool:
    """True when the process that recorded a run is known to have ended: it ran on
    this host and its pid is gone or now belongs to a process started later."""
    if host != socket.gethostname() or pid is None:
        return False
    if not _pid_alive(pid):
        return True
    return proc_start is not None and _process_start(pid) not in (None, proc_start)


def shown_status(status: str, host: str | None, pid: int | None,
                 proc_start: str | None) -> str:
    """The status to show: ``interrupted`` for a running run whose process is gone."""
    if status == "running" and process_gone(host, pid, proc_start):
        return INTERRUPTED
    return status


# --------------------------------------------------------------------------- the store


class RunStore:
    """The run store in ``folder`` (created if missing), opened and migrated.

    One instance holds one SQLite connection; use it from one thread, or open
    one store per thread or process (that is what concurrency is built for).
    Close it with :meth:`close` or a ``with`` block.
    """

    def __init__(self, folder: str | os.PathLike[str] = DEFAULT_FOLDER):
        self.folder = Path(folder)
        self.path = self.folder / DB_NAME
        if not self.folder.exists():
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the run store folder {self.folder}: "
                                 f"{exc.strerror or exc}; give a writable folder with "
                                 "--store DIR (or SOVOPT_STORE)") from None
        if not self.folder.is_dir():
            raise StoreError(f"the run store {self.folder} is not a folder; give a folder "
                             "with --store DIR (or SOVOPT_STORE)")
        if self.path.exists() and not self.path.is_file():
            raise StoreError(f"the run store {self.folder}: {self.path} is not a file; "
                             + STORE_ADVICE.format(db=self.path))
        self.read_only = can_write(self.folder, self.path) is not None
        if self.read_only and not self.path.is_file():
            raise StoreError(f"the run store folder {self.folder} is read-only, so no store "
                             "can be created there; give a writable folder with --store DIR "
                             "(or SOVOPT_STORE)")
        self._con: sqlite3.Connection | None = None
        try:
            self._con = self._connect()
            self._check_is_sovopt_store()
            if not self.read_only:
                self._prepare()
                self._migrate()
            else:
                self._check_version()
        except sqlite3.Error as exc:
            self.close()
            raise self.error_for(exc) from None
        except UnicodeDecodeError:
            self.close()
            raise StoreError(f"the run store {self.path} is damaged (its schema cannot be "
                             "read); " + STORE_ADVICE.format(db=self.path)) from None
        except BaseException:
            self.close()
            raise

    def error_for(self, exc: sqlite3.Error) -> StoreError:
        """The one-line StoreError for a database error: busy, read-only or damaged."""
        text = str(exc)
        low = text.lower()
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            return StoreError(f"the run store {self.folder} stayed busy for "
                              f"{RETRY_FOR_S:.0f} s (another sovopt is writing to it); "
                              "try again later")
        if "readonly" in low or "read-only" in low:
            return StoreError(f"the run store {self.folder} is read-only ({text}): its runs "
                              "can be listed and shown, but no run can be recorded there; "
                              "give a writable store with --store DIR (or SOVOPT_STORE)")
        return StoreError(f"the run store {self.path} is damaged ({text}); "
                          + STORE_ADVICE.format(db=self.path))

    @staticmethod
    def exists(folder: str | os.PathLike[str]) -> bool:
        """Whether ``folder`` holds a run store (reading commands check this rather
        than create an empty store as a side effect)."""
        return (Path(folder) / DB_NAME).is_file()

    # ---- connection and transactions

    def _connect(self) -> sqlite3.Connection:
        """Open the database in autocommit mode (transactions are explicit) with a busy
        timeout; read-only (``mode=ro``, or ``immutable`` when SQLite cannot even make
        its shared-memory file beside a read-only WAL database) when it cannot be
        written. Nothing is written to the file here."""
        if not self.read_only:
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        else:
            uri = self.path.absolute().as_uri()
            try:
                con = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                                      isolation_level=None)
                con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                con = sqlite3.connect(f"{uri}?immutable=1", uri=True,
                                      timeout=BUSY_TIMEOUT_S, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        return con

    def _check_is_sovopt_store(self) -> None:
        """Refuse a database that holds tables but no sovopt schema_version: someone
        else's SQLite file, which sovopt must never write into."""
        names = {r[0] for r in self._con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        names.discard("sqlite_sequence")
        if names and "schema_version" not in names:
            shown = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
            raise StoreError(f"{self.path} is not a sovopt run store (it is another "
                             f"program's database, with tables {shown}); nothing was written "
                             "to it; give a sovopt store with --store DIR (or SOVOPT_STORE), "
                             "or a new empty folder")

    def _prepare(self) -> None:
        """WAL journal and foreign keys, on a store sovopt may write."""
        con = self._con
        _retry(lambda: con.execute("PRAGMA journal_mode = WAL"))
        con.execute("PRAGMA foreign_keys = ON")

    def _check_version(self) -> None:
        """A read-only store cannot be migrated: it must be at this sovopt's version."""
        found = _schema_version(self._con)
        if found > SCHEMA_VERSION:
            raise StoreError(f"the run store {self.path} was written by a newer sovopt "
                             f"(schema version {found}; this one knows up to "
                             f"{SCHEMA_VERSION}); upgrade sovopt to use it")
        if found < SCHEMA_VERSION:
            raise StoreError(f"the run store {self.folder} is read-only and from an older "
                             f"sovopt (schema version {found}, this one needs "
                             f"{SCHEMA_VERSION}); make it writable once so it can be "
                             "upgraded, or give another store with --store DIR")

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` transaction: the write lock is taken up front (so a
        reader never has to upgrade and fail) and the begin is retried while busy;
        committed on success, rolled back on any exception."""
        if self.read_only:
            raise StoreError(f"the run store {self.folder} is read-only: its runs can be "
                             "listed and shown, but no run can be recorded or deleted there; "
                             "give a writable store with --store DIR (or SOVOPT_STORE)")
        con = self._con
        _retry(lambda: con.execute("BEGIN IMMEDIATE"))
        try:
            yield con
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                con.execute("ROLLBACK")
            raise
        _retry(lambda: con.execute("COMMIT"))

    def _migrate(self) -> None:
        """Apply the migrations this store lacks, each in its own transaction (the
        version is read again under the write lock, so two processes opening a new
        store at once apply each step once)."""
        if _schema_version(self._con) == SCHEMA_VERSION:
            return
        for m in MIGRATIONS:
            with self._write() as con:
                current = _schema_version(con)
                if current >= m.version:
                    continue
                if current != m.version - 1:
                    raise SovoptError(f"run store {self.path}: schema version {current} "
                                      f"cannot be migrated to {m.version}")
                if current == 0:
                    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                                "description TEXT NOT NULL, applied_at TEXT NOT NULL)")
                m.apply(con)
                con.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                            (m.version, m.description, _now()))
        found = _schema_version(self._con)
        if found > SCHEMA_VERSION:
            raise SovoptError(f"the run store {self.path} was written by a newer sovopt "
                              f"(schema version {found}; this one knows up to "
                              f"{SCHEMA_VERSION}); upgrade sovopt to use it")

    @property
    @_guarded
    def schema_version(self) -> int:
        """The schema version of the open store."""
        return _schema_version(self._con)

    def close(self) -> None:
        """Close the connection."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- recording a run

    @_guarded
    def begin(self, input_path: str | os.PathLike[str] | None, label: str | None = None,
              case_name: str | None = None, settings: dict[str, Any] | None = None,
              preset: Any = None, group: str | None = None,
              point: int | None = None) -> str:
        """Record a new ``running`` run and its input workbook; return its run id.

        The input bytes (if ``input_path`` is given) and the run row are written
        in one transaction. ``preset`` is a preset name or the preset itself (a
        dict); it and ``settings`` are stored as JSON. ``group`` and ``point``
        place the run in a study's group (see :meth:`begin_group`); a point
        already recorded in the group is refused (:class:`DuplicatePoint`).
        """
        data = Path(input_path).read_bytes() if input_path is not None else None
        sha = hashlib.sha256(data).hexdigest() if data is not None else None
        pid = os.getpid()
        row = {
            "label": label, "created_at": _now(), "case_name": case_name,
            "input_name": Path(input_path).name if input_path is not None else None,
            "input_sha256": sha, "preset": _dumps(preset), "settings": _dumps(settings or {}),
            "versions": _dumps(_versions()), "status": "running",
            "host": socket.gethostname(), "pid": pid, "proc_start": _process_start(pid),
            "group_id": group, "group_point": point,
        }
        with self._write() as con:
            if group is not None and con.execute(
                    "SELECT 1 FROM runs WHERE group_id = ? AND group_point = ?",
                    (group, point)).fetchone():
                raise DuplicatePoint(f"point {point} of group {group} is already recorded")
            if data is not None:
                con.execute("INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?, ?, ?)",
                            (sha, len(data), data))
            seq = _next_seq(con)
            row["seq"], row["run_id"] = seq, f"r{seq:04d}-{secrets.token_hex(2)}"
            cols = ", ".join(row)
            con.execute(f"INSERT INTO runs ({cols}) VALUES ({', '.join('?' * len(row))})",
                        tuple(row.values()))
        return str(row["run_id"])

    @_guarded
    def finish(self, run_id: str, report: Report) -> None:
        """Store the report of a running run: KPIs, tables, run information and its
        final status (``report.summary['status']``), all in one transaction.

        The store's run id wins over one in the report (``summary['run_id']`` and
        ``run['run_id']`` are stored as ``run_id``). Finishing a run twice is an
        error: a run's results never change once recorded.
        """
        run_id = self.resolve(run_id)
        summary = {**report.summary, "run_id": run_id}
        status = str(summary.get("status") or "failed").strip().lower()
        info = {**report.run, "run_id": run_id}
        timings = info.get("timings")
        with self._write() as con:
            current = con.execute("SELECT status, versions FROM runs WHERE run_id = ?",
                                  (run_id,)).fetchone()
            if current is None:
                raise UnknownRun(f"run {run_id} was deleted before it finished")
            if current[0] != "running":
                raise SovoptError(f"run {run_id} is already recorded as {current[0]}")
            versions = {**_loads(current[1], {}), **(info.get("versions") or {})}
            con.executemany(
                "INSERT INTO kpis (run_id, metric, position, value) VALUES (?, ?, ?, ?)",
                [(run_id, str(k), i, _kpi_value(v)) for i, (k, v) in enumerate(summary.items())])
            for i, (name, df) in enumerate(report.tables.items()):
                write_result_table(con, run_id, str(name), i, df)
            con.execute(
                "UPDATE runs SET status = ?, finished_at = ?, versions = ?, timings = ?, "
                "run_info = ? WHERE run_id = ?",
                (status, _now(), _dumps(versions), _dumps(timings), _dumps(info), run_id))

    @_guarded
    def fail(self, run_id: str, message: str, status: str = "failed") -> None:
        """Mark a running run ``failed`` (or ``interrupted``, for a Ctrl-C before any
        portfolio was found) with ``message`` (what went wrong, for people).

        A run already finished keeps its status: failing after a successful
        :meth:`finish` (an error while printing, say) must not hide the results.
        """
        if status not in ("failed", INTERRUPTED):
            raise ValueError(f"a run cannot fail with status {status!r}")
        run_id = self.resolve(run_id)
        with self._write() as con:
            con.execute("UPDATE runs SET status = ?, message = ?, finished_at = ? "
                        "WHERE run_id = ? AND status = 'running'",
                        (status, message, _now(), run_id))

    # ---- reading runs

    @_guarded
    def resolve(self, run_id: str) -> str:
        """The full run id for ``run_id``: a full id, a run number (``r0007``, ``r7``,
        ``7``) or a unique prefix. Raises :class:`UnknownRun` otherwise."""
        given = str(run_id).strip()
        con = self._con
        if con.execute("SELECT 1 FROM runs WHERE run_id = ?", (given,)).fetchone():
            return given
        number = re.fullmatch(r"[rR]?0*(\d+)", given)
        if number:
            row = con.execute("SELECT run_id FROM runs WHERE seq = ?",
                              (int(number.group(1)),)).fetchone()
            if row:
                return str(row[0])
        like = given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found = [r[0] for r in con.execute(
            "SELECT run_id FROM runs WHERE run_id LIKE ? ESCAPE '\\' ORDER BY seq DESC LIMIT 6",
            (like,))]
        if len(found) == 1:
            return str(found[0])
        if not found:
            raise UnknownRun(f"no run {given!r} in the run store {self.folder} "
                             "(`sovopt runs` lists them)")
        more = ", ..." if len(found) > 5 else ""
        raise UnknownRun(f"{given!r} matches several runs ({', '.join(found[:5])}{more}); "
                         "give more of the run id")

    @_guarded
    def list(self, case: str | None = None, label: str | None = None,
             status: str | None = None, limit: int | None = None,
             group: str | None = None) -> pd.DataFrame:
        """The runs, newest first: one row per run with the columns of
        :data:`LIST_COLUMNS` then one per KPI of :data:`~sovopt.outputs.SUMMARY_KEYS`
        (without status and run_id).

        ``group`` keeps the runs of one study's group (its full id or a unique
        prefix), in the order of their points.

        ``case`` and ``label`` keep runs whose case name or label contains the
        text (case-insensitive); ``status`` keeps runs shown with that status
        (``interrupted`` included); ``limit`` keeps the newest ``limit``.
        """
        where, params = [], []
        if case:
            where.append("instr(lower(coalesce(case_name, '')), lower(?)) > 0")
            params.append(case)
        if label:
            where.append("instr(lower(coalesce(label, '')), lower(?)) > 0")
            params.append(label)
        if group:
            where.append("group_id = ?")
            params.append(self.resolve_group(group))
        wanted = status.strip().lower() if status else None
        if wanted in ("running", INTERRUPTED):
            where.append("status IN ('running', ?)")
            params.append(INTERRUPTED)
        elif wanted == "stress":  # every stress test, whatever it found
            where.append("(status = 'stress' OR preset = ?)")
            params.append(_dumps("stress"))
        elif wanted:
            where.append("status = ?")
            params.append(wanted)
        sql = ("SELECT run_id, created_at, label, case_name, input_name, status, preset, "
               "message, host, pid, proc_start, group_id, group_point FROM runs")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY group_point, seq" if group else " ORDER BY seq DESC"
        if limit is not None and wanted not in ("running", INTERRUPTED):
            sql += f" LIMIT {int(limit)}"
        rows = []
        for r in self._con.execute(sql, params):
            shown = shown_status(r[5], r[8], r[9], r[10])
            if wanted in ("running", INTERRUPTED) and shown != wanted:
                continue
            preset = _loads(r[6])
            rows.append({"run_id": r[0], "created": r[1], "label": r[2], "case_name": r[3],
                         "input_name": r[4], "status": shown,
                         "preset": preset if preset is None or isinstance(preset, str)
                         else preset.get("name", "custom"), "message": r[7],
                         "group": r[11], "point": r[12]})
        if limit is not None:
            rows = rows[: int(limit)]
        return self._with_kpis(rows)

    def _with_kpis(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        """The listed runs as a DataFrame with their KPIs as columns."""
        metrics = [k for k in SUMMARY_KEYS if k not in ("status", "run_id")]
        df = pd.DataFrame(rows, columns=list(LIST_COLUMNS))
        df["created"] = pd.to_datetime(df["created"], utc=True, format="ISO8601")
        kpi = {m: {} for m in metrics}
        ids = df["run_id"].tolist()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            for rid, metric, value in self._con.execute(
                    f"SELECT run_id, metric, value FROM kpis WHERE run_id IN ({marks})", chunk):
                if metric in kpi:
                    kpi[metric][rid] = value
        for m in metrics:
            values = df["run_id"].map(kpi[m]).astype(object)
            numbers = pd.to_numeric(values, errors="coerce").astype(float)
            # numbers as floats; a metric holding text (objective: the preset name) as is
            df[m] = numbers if numbers.notna().sum() == values.notna().sum() else values
        return df.reset_index(drop=True)

    # ---- groups of runs (one study each)

    @_guarded
    def begin_group(self, kind: str, total: int, case_name: str | None = None,
                    info: dict[str, Any] | None = None, name: str | None = None) -> str:
        """Record a new ``running`` group of ``total`` points; return its id.

        ``kind`` is the study (frontier, sweep, robust); ``info`` what it varies
        (stored as JSON). The id is ``name`` if given (refused if taken), else
        ``<kind>-<UTC time>-<4 hex>``.
        """
        gid = name or f"{kind}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        with self._write() as con:
            if con.execute("SELECT 1 FROM run_groups WHERE group_id = ?", (gid,)).fetchone():
                raise SovoptError(f"the run store already has a group {gid!r}; choose "
                                  "another --group name", exit_code=EXIT_USAGE)
            con.execute("INSERT INTO run_groups (group_id, kind, created_at, status, total, "
                        "case_name, info) VALUES (?, ?, ?, 'running', ?, ?, ?)",
                        (gid, kind, _now(), int(total), case_name, _dumps(info or {})))
        return gid

    @_guarded
    def finish_group(self, group: str, message: str | None = None) -> str:
        """Close a running group: ``complete`` when every one of its points is
        recorded with a result, else ``incomplete``; return the status given.

        Points and failures are counted from the runs themselves (a failed run,
        a missing point), so a study that ended early can never be closed as
        complete.
        """
        gid = self.resolve_group(group)
        with self._write() as con:
            total = con.execute("SELECT total FROM run_groups WHERE group_id = ?",
                                (gid,)).fetchone()[0]
            done, failed = con.execute(
                "SELECT COUNT(*), COALESCE(SUM(status IN ('failed', 'running', 'interrupted')), 0) "
                "FROM runs WHERE group_id = ?", (gid,)).fetchone()
            status = "complete" if done == total and not failed else "incomplete"
            con.execute("UPDATE run_groups SET status = ?, finished_at = ?, done = ?, "
                        "failed = ?, message = ? WHERE group_id = ? AND status = 'running'",
                        (status, _now(), done - failed, failed, message, gid))
        return status

    @_guarded
    def resolve_group(self, group: str) -> str:
        """The full id of a group given by its id or a unique prefix."""
        given = str(group).strip()
        con = self._con
        if con.execute("SELECT 1 FROM run_groups WHERE group_id = ?", (given,)).fetchone():
            return given
        like = given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found = [r[0] for r in con.execute(
            "SELECT group_id FROM run_groups WHERE group_id LIKE ? ESCAPE '\\' "
            "ORDER BY created_at DESC LIMIT 6", (like,))]
        if len(found) == 1:
            return str(found[0])
        if not found:
            raise UnknownRun(f"no group {given!r} in the run store {self.folder} "
                             "(`sovopt runs groups` lists them)")
        raise UnknownRun(f"{given!r} matches several groups ({', '.join(found[:5])}); "
                         "give more of the group id")

    @_guarded
    def groups(self) -> pd.DataFrame:
        """Every group, newest first: group, kind, created, finished, status, total,
        done, failed, case_name, message (a running group whose process is gone
        cannot be told apart here: it stays ``running`` until closed)."""
        cols = ["group", "kind", "created", "finished", "status", "total", "done", "failed",
                "case_name", "message"]
        rows = self._con.execute(
            "SELECT group_id, kind, created_at, finished_at, status, total, done, failed, "
            "case_name, message FROM run_groups ORDER BY created_at DESC").fetchall()
        return pd.DataFrame(rows, columns=cols)

    @_guarded
    def group_info(self, group: str) -> dict[str, Any]:
        """One group's row of :meth:`groups` plus its ``info`` (what the study varied)."""
        gid = self.resolve_group(group)
        r = self._con.execute(
            "SELECT group_id, kind, created_at, finished_at, status, total, done, failed, "
            "case_name, message, info FROM run_groups WHERE group_id = ?", (gid,)).fetchone()
        keys = ["group", "kind", "created", "finished", "status", "total", "done", "failed",
                "case_name", "message"]
        return {**dict(zip(keys, r[:10], strict=True)), "info": _loads(r[10], {})}

    @_guarded
    def group_run_ids(self, group: str) -> list[str]:
        """The run ids of a group, in the order of their points."""
        gid = self.resolve_group(group)
        return [r[0] for r in self._con.execute(
            "SELECT run_id FROM runs WHERE group_id = ? ORDER BY group_point, seq", (gid,))]

    @_guarded
    def info(self, run_id: str) -> dict[str, Any]:
        """A run's metadata (no KPIs, no tables): run_id, label, created, finished,
        case_name, input_name, input_sha256, preset, settings, versions, status
        (shown), stored_status, message, timings, host, pid, group and point (of a
        study's run)."""
        run_id = self.resolve(run_id)
        r = self._con.execute(
            "SELECT run_id, label, created_at, finished_at, case_name, input_name, "
            "input_sha256, preset, settings, versions, status, message, timings, host, pid, "
            "proc_start, run_info, group_id, group_point FROM runs WHERE run_id = ?",
            (run_id,)).fetchone()
        return {
            "run_id": r[0], "label": r[1], "created": r[2], "finished": r[3],
            "case_name": r[4], "input_name": r[5], "input_sha256": r[6],
            "preset": _loads(r[7]), "settings": _loads(r[8], {}), "versions": _loads(r[9], {}),
            "status": shown_status(r[10], r[13], r[14], r[15]), "stored_status": r[10],
            "message": r[11], "timings": _loads(r[12]), "host": r[13], "pid": r[14],
            "run_info": _loads(r[16], {}), "group": r[17], "point": r[18],
        }

    @_guarded
    def get(self, run_id: str) -> Report:
        """The stored run as a :class:`~sovopt.report.Report`.

        ``summary`` has every key of SUMMARY_KEYS (None where a metric was not
        recorded, as for a failed or running run) in stored order; ``tables``
        holds the stored tables (none for a run that did not finish); ``run`` is
        the run information the report carried, with the store's metadata
        (label, created, status as shown, input name and SHA-256, settings,
        preset, versions, timings, message) filled in.
        """
        meta = self.info(run_id)
        rid = meta["run_id"]
        stored = dict(self._con.execute(
            "SELECT metric, value FROM kpis WHERE run_id = ? ORDER BY position", (rid,)))
        summary: dict[str, object] = {k: stored.get(k) for k in SUMMARY_KEYS}
        summary.update({k: v for k, v in stored.items() if k not in summary})
        summary["run_id"] = rid
        if not stored or meta["status"] in ("running", INTERRUPTED, "failed"):
            summary["status"] = meta["status"]
        tables = {name: read_result_table(self._con, rid, name, columns)
                  for name, columns in self._con.execute(
                      "SELECT name, columns FROM result_tables WHERE run_id = ? "
                      "ORDER BY position", (rid,)).fetchall()}
        run = {**meta.pop("run_info")}
        for key, value in meta.items():
            if key not in run or value is not None:
                run[key] = value
        run.setdefault("input_file", run.get("input_name"))
        return Report(summary=summary, tables=tables, run=run)

    @_guarded
    def input_bytes(self, run_id: str) -> bytes:
        """The bytes of the input workbook a run was solved from."""
        rid = self.resolve(run_id)
        row = self._con.execute(
            "SELECT b.data FROM runs r JOIN blobs b ON b.sha256 = r.input_sha256 "
            "WHERE r.run_id = ?", (rid,)).fetchone()
        if row is None:
            raise SovoptError(f"run {rid} has no stored input workbook")
        return bytes(row[0])

    # ---- removing runs

    @_guarded
    def delete(self, run_id: str, force: bool = False) -> str:
        """Delete a run (its KPIs and tables too) and its input blob when no other
        run uses it; return the full run id.

        A run whose process is still running is refused unless ``force``: its
        process would fail to record its results.
        """
        meta = self.info(run_id)
        rid = meta["run_id"]
        if meta["status"] == "running" and not force:
            raise SovoptError(f"run {rid} is still running (process {meta['pid']} on "
                              f"{meta['host']}); wait for it or stop it first")
        with self._write() as con:
            sha = con.execute("SELECT input_sha256 FROM runs WHERE run_id = ?",
                              (rid,)).fetchone()
            if sha is None:
                return rid
            con.execute("DELETE FROM kpis WHERE run_id = ?", (rid,))
            for (name,) in con.execute("SELECT name FROM result_tables WHERE run_id = ?",
                                       (rid,)).fetchall():
                con.execute(f"DELETE FROM {sql_table_name(name)} WHERE run_id = ?", (rid,))
            con.execute("DELETE FROM result_tables WHERE run_id = ?", (rid,))
            con.execute("DELETE FROM runs WHERE run_id = ?", (rid,))
            if sha[0] is not None:
                con.execute("DELETE FROM blobs WHERE sha256 = ? AND NOT EXISTS "
                            "(SELECT 1 FROM runs WHERE input_sha256 = ?)", (sha[0], sha[0]))
        return rid

    # ---- checks

    @_guarded
    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` (``ok`` for a sound database)."""
        return "; ".join(r[0] for r in self._con.execute("PRAGMA integrity_check"))

    @_guarded
    def blob_count(self) -> int:
        """How many distinct input workbooks the store holds."""
        return int(self._con.execute("SELECT COUNT(*) FROM blobs").fetchone()[0])


# --------------------------------------------------------------------------- helpers


def _next_seq(con: sqlite3.Connection) -> int:
    """The next run number (inside the write transaction, so no two runs share one;
    AUTOINCREMENT's counter, so numbers of deleted runs are never reused)."""
    row = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'runs'").fetchone()
    top = con.execute("SELECT MAX(seq) FROM runs").fetchone()[0]
    return max(int(row[0]) if row else 0, int(top or 0)) + 1


def _kpi_value(value: Any) -> Any:
    """A KPI as SQLite stores it: numbers as REAL/INTEGER, text as TEXT, NaN as NULL."""
    v = _plain(value)
    return v if v is None or isinstance(v, int | float | str) else _dumps(v)


def _versions() -> dict[str, str]:
    """Versions known when a run begins (the solve adds Pyomo's and HiGHS's)."""
    return {"sovopt": __version__, "python": sys.version.split()[0], "pandas": pd.__version__}


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _retry(step: Callable[[], Any]) -> Any:
    """Run ``step``, retrying with a growing pause while SQLite reports busy/locked
    (the busy timeout covers most waits; this covers the rest, for RETRY_FOR_S)."""
    deadline = time.monotonic() + RETRY_FOR_S
    pause = 0.01
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause + secrets.randbelow(10) / 1000)
            pause = min(pause * 2, 0.5)
