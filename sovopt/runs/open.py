"""Opening a run store: find or create it, refuse what is not a sovopt store, bring
its schema up to date, and turn every database error into one line for people.

* **Damaged, foreign and read-only stores.** Every database error becomes one
  :class:`~sovopt.runs.errors.StoreError` line naming the store, what is wrong
  and what to do, never a traceback. A database that is not a sovopt store (no
  ``schema_version`` but tables of its own) is refused before anything is
  written into it: no journal-mode change, no migration. A store folder sovopt
  cannot write (a read-only folder or file) is opened read-only, so it can still
  be listed and shown; recording a run in it is refused with a clear line before
  any solving starts.
* **A server that cannot be reached** (wrong host, port, password or database)
  is one line naming the server (``HOST:PORT/DB``, never the password), exit 1.
* **Concurrency.** SQLite: WAL journal and a busy timeout (WAL needs a local
  file system; a store on a network share is not supported by SQLite).
  PostgreSQL: its own row locking; both: unique keys and retried transactions
  (:class:`~sovopt.runs.connect.Database`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from sovopt.runs.connect import (
    DB_NAME,
    DEFAULT_FOLDER,
    Database,
    driver_error,
    is_busy,
    is_connection_lost,
    is_server_url,
    open_sqlite,
    postgres_engine,
    real_location,
    retry_for_s,
    server_name,
    server_url,
    shown_location,
    sqlite_engine,
    use_wal,
)
from sovopt.runs.errors import STORE_ADVICE, StoreError
from sovopt.runs.schema import MIGRATIONS, SCHEMA_VERSION, apply_migration, schema_version
from sovopt.workbook.targets import can_write


@dataclass
class Opened:
    """An open store: where it is (``folder`` and ``path`` of a SQLite store, or
    None; ``where`` as it may be printed) and its database."""

    folder: Path | None
    path: Path | None
    where: str
    is_server: bool
    db: Database


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


def open_database(location: str | os.PathLike[str]) -> Opened:
    """Open (and create or migrate) the store at ``location``: a folder or a URL."""
    location = real_location(location)
    if is_server_url(location):
        url = server_url(str(location))
        opened = Opened(None, None, shown_location(url), True,
                        Database(postgres_engine(url), shown_location(url)))
        host = server_name(url)
        try:
            with opened.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except DBAPIError as exc:
            opened.db.dispose()
            raise StoreError(f"cannot connect to the run store server {host}: "
                             f"{_first_line(exc, url.password)}; check the host, port, user "
                             "and password (URL, PGPASSWORD or ~/.pgpass)") from None
    else:
        opened = _open_folder(Path(location))
    try:
        _check_is_sovopt_store(opened)
        if opened.db.read_only:
            _check_version(opened)
        else:
            if not opened.is_server:
                use_wal(opened.db.engine)
            _migrate(opened)
    except (SQLAlchemyError, sqlite3.Error) as exc:
        opened.db.dispose()
        raise error_for(exc, opened.where, opened.path) from None
    except UnicodeDecodeError:
        opened.db.dispose()
        raise damaged(opened.where, opened.path, "its schema cannot be read") from None
    except BaseException:
        opened.db.dispose()
        raise
    return opened


def _open_folder(folder: Path) -> Opened:
    """The SQLite database in ``folder``, read-only when sovopt cannot write there."""
    path = folder / DB_NAME
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the run store folder {folder}: "
                             f"{exc.strerror or exc}; give a writable folder with "
                             "--store DIR (or SOVOPT_STORE)") from None
    if not folder.is_dir():
        raise StoreError(f"the run store {folder} is not a folder; give a folder "
                         "with --store DIR (or SOVOPT_STORE)")
    if path.exists() and not path.is_file():
        raise StoreError(f"the run store {folder}: {path} is not a file; "
                         + STORE_ADVICE.format(db=path))
    read_only = can_write(folder, path) is not None
    if read_only and not path.is_file():
        raise StoreError(f"the run store folder {folder} is read-only, so no store "
                         "can be created there; give a writable folder with --store DIR "
                         "(or SOVOPT_STORE)")
    engine = sqlite_engine(lambda: open_sqlite(path, read_only))
    return Opened(folder, path, str(folder), False, Database(engine, str(folder), read_only))


def _check_is_sovopt_store(opened: Opened) -> None:
    """Refuse a database that holds tables but no sovopt schema_version: another
    program's database, which sovopt must never write into."""
    names = set(opened.db.read(lambda conn: inspect(conn).get_table_names()))
    names.discard("sqlite_sequence")
    if names and "schema_version" not in names:
        shown = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
        what = opened.path or opened.where
        raise StoreError(f"{what} is not a sovopt run store (it is another "
                         f"program's database, with tables {shown}); nothing was written "
                         "to it; give a sovopt store with --store DIR (or SOVOPT_STORE), "
                         "or a new empty folder or database")


def _newer(opened: Opened, found: int) -> StoreError:
    return StoreError(f"the run store {opened.path or opened.where} was written by a newer "
                      f"sovopt (schema version {found}; this one knows up to "
                      f"{SCHEMA_VERSION}); upgrade sovopt to use it")


def _check_version(opened: Opened) -> None:
    """A read-only store cannot be migrated: it must be at this sovopt's version."""
    found = opened.db.read(schema_version)
    if found > SCHEMA_VERSION:
        raise _newer(opened, found)
    if found < SCHEMA_VERSION:
        raise StoreError(f"the run store {opened.where} is read-only and from an older "
                         f"sovopt (schema version {found}, this one needs "
                         f"{SCHEMA_VERSION}); make it writable once so it can be "
                         "upgraded, or give another store with --store DIR")


def _migrate(opened: Opened) -> None:
    """Apply the migrations this store lacks, each in its own transaction."""
    found = opened.db.read(schema_version)
    if found > SCHEMA_VERSION:
        raise _newer(opened, found)
    if found == SCHEMA_VERSION:
        return
    for m in MIGRATIONS:
        if m.version <= found:
            continue

        def step(conn: Connection, m=m) -> None:  # noqa: B023 -- bound per step
            try:
                apply_migration(conn, m)
            except ValueError as exc:
                raise StoreError(f"run store {opened.where}: {exc}") from None

        opened.db.write(step)


def _first_line(exc: BaseException, secret: str | None = None) -> str:
    """The driver's message, first line only, with any password taken out."""
    line = (str(driver_error(exc)).strip().splitlines() or ["unknown error"])[0]
    if secret:
        line = line.replace(secret, "***")
    return line


def damaged(where: str, path: Path | None, what: str) -> StoreError:
    """The StoreError of a store whose stored values cannot be read."""
    if path is None:
        return StoreError(f"the run store {where} holds values sovopt cannot read ({what}); "
                          "give another store with --store, or restore it from a backup")
    return StoreError(f"the run store {path} is damaged ({what}); "
                      + STORE_ADVICE.format(db=path))


def error_for(exc: BaseException, where: str, path: Path | None) -> StoreError:
    """The one-line StoreError for a database error: busy, unreachable, read-only or
    damaged."""
    text_ = _first_line(exc)
    low = text_.lower()
    if is_busy(exc):
        return StoreError(f"the run store {where} stayed busy for {retry_for_s():.0f} s "
                          "(another sovopt is writing to it); try again later")
    if path is None and is_connection_lost(exc):
        return StoreError(f"the run store server {where} could not be reached for "
                          f"{retry_for_s():.0f} s ({text_}); what was recorded before is kept; "
                          "try again when the server is back")
    if "readonly" in low or "read-only" in low:
        return StoreError(f"the run store {where} is read-only ({text_}): its runs "
                          "can be listed and shown, but no run can be recorded there; "
                          "give a writable store with --store DIR (or SOVOPT_STORE)")
    if path is None:
        return StoreError(f"the run store {where} refused a query ({text_}); check the "
                          "role's privileges (README: run store on PostgreSQL)")
    return damaged(where, path, text_)
