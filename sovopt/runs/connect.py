"""Where a run store lives and how sovopt talks to it.

A store is either a folder holding one SQLite database (``runs.sqlite``) or a
PostgreSQL database given by its URL (``postgresql://USER@HOST:PORT/DB``, with
``sslmode`` and the other libpq parameters passed through). Both are reached
through one SQLAlchemy engine; everything past the connection is the same SQL.

Credentials come only from the URL, the environment (``PGPASSWORD``) or
``~/.pgpass`` (libpq reads both); they are never stored in a run and never
printed: :func:`shown_location` masks the password.

Transactions (:class:`Database`): every write runs in one transaction, retried
whole on what another writer or the server can cause and time cures -- SQLite's
busy/locked, PostgreSQL's serialisation failures, deadlocks, a unique key taken
by a concurrent writer (then the retry sees it and decides), and a lost
connection (a server restart) -- with a growing pause, then one clear error.
On SQLite the write lock is taken up front (``BEGIN IMMEDIATE``), so a reader
never has to upgrade and fail.
"""

from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, pool
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from sovopt.runs.errors import StoreError

#: File name of the database inside a store folder.
DB_NAME = "runs.sqlite"

#: Default store folder, relative to the current directory.
DEFAULT_FOLDER = ".sovopt"

#: Seconds SQLite waits on a lock before reporting busy, and the total time a
#: transaction is retried after that (or after a lost server connection: a server
#: restart). ``SOVOPT_STORE_RETRY_S`` sets the latter (for a team whose server
#: restarts take longer, or a script that would rather fail fast).
BUSY_TIMEOUT_S = 30.0
RETRY_FOR_S = 120.0


def retry_for_s() -> float:
    """How long a transaction is retried: ``SOVOPT_STORE_RETRY_S`` or RETRY_FOR_S."""
    try:
        return max(0.0, float(os.environ.get("SOVOPT_STORE_RETRY_S", RETRY_FOR_S)))
    except ValueError:
        return RETRY_FOR_S

#: Seconds a PostgreSQL connection attempt may take before it is given up.
CONNECT_TIMEOUT_S = 10

#: A unique key or a catalogue entry taken by a concurrent writer is retried this
#: many times at most (the retry then sees the other writer's row and decides).
RACE_RETRIES = 8

#: SQLSTATEs a retry cures: serialisation failure, deadlock, unique violation (a
#: concurrent insert), duplicate table/column (concurrent DDL), lock not available,
#: the server shutting down or starting (a restart).
RETRY_SQLSTATES = {"40001", "40P01", "23505", "42P07", "42701", "55P03",
                   "57P01", "57P02", "57P03"}
RACE_SQLSTATES = {"23505", "42P07", "42701"}

T = TypeVar("T")


def is_server_url(spec: str | os.PathLike[str]) -> bool:
    """Whether ``spec`` names a PostgreSQL database (``postgresql://...``) rather
    than a store folder."""
    text = str(spec)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    return scheme.split("+", 1)[0] in ("postgresql", "postgres")


class ServerLocation(str):
    """A store given as a database URL, whose text is the URL as it may be printed
    (password masked), so a command that prints or records its ``--store`` can never
    show the password; :func:`real_location` gives the URL itself."""

    secret: str

    def __new__(cls, url: str) -> ServerLocation:
        shown = super().__new__(cls, shown_location(url))
        shown.secret = str(url)
        return shown

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return (ServerLocation, (self.secret,))


def real_location(spec: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """The store location to connect to: a folder as is, a URL with its password."""
    return getattr(spec, "secret", spec)


def server_url(spec: str) -> URL:
    """The SQLAlchemy URL of a PostgreSQL store (driver: psycopg 3)."""
    try:
        url = make_url(str(spec))
    except ArgumentError:
        raise StoreError(f"{shown_location(spec)} is not a database URL; give "
                         "postgresql://USER@HOST:PORT/DB or a store folder") from None
    if not url.database:
        raise StoreError(f"the run store URL {shown_location(spec)} names no database; "
                         "give postgresql://USER@HOST:PORT/DB")
    return url.set(drivername="postgresql+psycopg")


def shown_location(spec: str | os.PathLike[str] | URL) -> str:
    """The store as it may be printed: a folder as is, a URL without its password."""
    if isinstance(spec, URL):
        url = spec
    elif not is_server_url(spec):
        return str(spec)
    else:
        try:
            url = make_url(str(spec))
        except ArgumentError:
            head = str(spec).split("://", 1)
            return f"{head[0]}://***"
    url = url.difference_update_query(["password"])
    return url.set(drivername=url.drivername.split("+", 1)[0]).render_as_string(
        hide_password=True)


def server_name(url: URL) -> str:
    """``HOST:PORT/DB`` of a PostgreSQL store, for messages (never credentials)."""
    host = url.host or url.query.get("host") or "localhost"
    return f"{host}:{url.port or 5432}/{url.database}"


def postgres_engine(url: URL) -> Engine:
    """An engine on a PostgreSQL store: a small pool, connections checked before
    use (a server restart is noticed, not reported as a failed query)."""
    args: dict[str, Any] = {"application_name": "sovopt"}
    if "connect_timeout" not in url.query:
        args["connect_timeout"] = CONNECT_TIMEOUT_S
    return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4,
                         connect_args=args)


def sqlite_engine(connect: Callable[[], sqlite3.Connection]) -> Engine:
    """An engine on a SQLite store whose connections come from ``connect`` (in
    autocommit mode: transactions are begun here, ``BEGIN IMMEDIATE`` for writes)."""
    engine = create_engine("sqlite://", creator=connect, poolclass=pool.QueuePool,
                           pool_size=2, max_overflow=4)

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("sovopt_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def open_sqlite(path: Path, read_only: bool) -> sqlite3.Connection:
    """A connection to the SQLite database ``path`` in autocommit mode with a busy
    timeout and foreign keys on; read-only (``mode=ro``, or ``immutable`` when
    SQLite cannot even make its shared-memory file beside a read-only WAL database)
    when it cannot be written. Nothing is written to the file here."""
    if not read_only:
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                              check_same_thread=False)
    else:
        uri = path.absolute().as_uri()
        try:
            con = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                                  isolation_level=None, check_same_thread=False)
            con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            con = sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=BUSY_TIMEOUT_S,
                                  isolation_level=None, check_same_thread=False)
    con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    con.execute("PRAGMA foreign_keys = ON")
    return con


def use_wal(engine: Engine) -> None:
    """Switch a writable SQLite store to the WAL journal (kept by the file; a no-op
    once set), retried while another process holds the lock."""
    raw = engine.raw_connection()
    try:
        deadline, pause = time.monotonic() + retry_for_s(), 0.01
        while True:
            try:
                raw.driver_connection.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
    finally:
        raw.close()


def driver_error(exc: BaseException) -> BaseException:
    """The database driver's own exception inside a SQLAlchemy one."""
    return getattr(exc, "orig", None) or exc


def is_busy(exc: BaseException) -> bool:
    """SQLite reports another writer holding the lock."""
    orig = driver_error(exc)
    text = str(orig).lower()
    return isinstance(orig, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def is_connection_lost(exc: BaseException) -> bool:
    """The server went away (restart, network): a new connection may cure it."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = driver_error(exc)
    state = getattr(orig, "sqlstate", None) or ""
    if state.startswith("08") or state in ("57P01", "57P02", "57P03"):
        return True
    return type(orig).__name__ == "OperationalError" and not state \
        and not isinstance(orig, sqlite3.Error)


def is_retryable(exc: BaseException) -> bool:
    """Whether waiting and running the transaction again can succeed."""
    state = getattr(driver_error(exc), "sqlstate", None)
    return is_busy(exc) or is_connection_lost(exc) or state in RETRY_SQLSTATES


@contextmanager
def ctrl_c_after(write: bool) -> Iterator[None]:
    """A Ctrl-C pressed during a write transaction acts once the transaction has ended.

    A KeyboardInterrupt raised inside the driver mid-write can leave SQLite's write
    lock with the connection it abandoned; the next write, the run recorded as
    interrupted, then waits out the busy timeout and the command ends with "stayed
    busy for 120 s" (exit 1) instead of 130: seen once in 20 tries of a second Ctrl-C
    on a loaded machine. The signal is held while the transaction runs and handed to
    the handler that was there before (a KeyboardInterrupt by default) after it.
    Only the main thread takes signals; elsewhere, and for reads, nothing changes.
    """
    if not write or threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None
                      else previous)  # None: a handler set outside Python
    if pressed and callable(previous):
        previous(signal.SIGINT, None)
    elif pressed and previous != signal.SIG_IGN:
        raise KeyboardInterrupt


class Database:
    """One store's engine: reads, and write transactions retried whole."""

    def __init__(self, engine: Engine, where: str, read_only: bool = False):
        self.engine = engine
        self.where = where
        self.read_only = read_only
        self.dialect = engine.dialect.name

    def read(self, step: Callable[[Connection], T]) -> T:
        """``step`` on a connection (one read transaction), retried after a lost
        server connection."""
        return self._retried(step, write=False)

    def write(self, step: Callable[[Connection], T]) -> T:
        """``step`` in one write transaction: committed when it returns, rolled back
        when it raises; the whole transaction is run again on a retryable error."""
        return self._retried(step, write=True)

    def _retried(self, step: Callable[[Connection], T], write: bool) -> T:
        deadline = time.monotonic() + retry_for_s()
        pause, races = 0.01, 0
        while True:
            try:
                with self.engine.connect() as conn, ctrl_c_after(write):
                    if write:
                        conn = conn.execution_options(sovopt_write=True)
                    with conn.begin():
                        return step(conn)
            except DBAPIError as exc:
                state = getattr(driver_error(exc), "sqlstate", None)
                races += state in RACE_SQLSTATES
                if (not is_retryable(exc) or time.monotonic() > deadline
                        or races > RACE_RETRIES or (not write and is_busy(exc))):
                    raise
                time.sleep(pause + secrets.randbelow(20) / 1000)
                pause = min(pause * 2, 2.0)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
