"""The run store itself: :class:`RunStore` records runs and reads them back, on a
SQLite store folder or a PostgreSQL database alike (see :mod:`sovopt.runs`)."""

from __future__ import annotations

import hashlib
import os
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, text

from sovopt.errors import SovoptError
from sovopt.outputs import SUMMARY_KEYS
from sovopt.report import Report
from sovopt.runs.codec import dumps, loads, now
from sovopt.runs.connect import (
    DEFAULT_FOLDER,
    Database,
    is_server_url,
)
from sovopt.runs.errors import DuplicatePoint, StoreError, UnknownRun, guarded
from sovopt.runs.groups import GroupsMixin, like
from sovopt.runs.liveness import INTERRUPTED, process_start, shown_status
from sovopt.runs.open import open_database
from sovopt.runs.rows import insert_run, put_blob, put_kpis, versions, with_kpis
from sovopt.runs.schema import (
    ident,
    read_result_table,
    schema_version,
    sql_table_name,
    write_result_table,
)
from sovopt.status import Status

#: Statuses a run is stored with (a finished run takes its Summary status, so a
#: stress test is ``feasible`` or ``violated``); ``interrupted`` is stored for a run
#: stopped by Ctrl-C, and shown for a ``running`` run whose process is gone.
STATUSES = tuple(str(s) for s in (
    Status.RUNNING, Status.OPTIMAL, Status.FEASIBLE, Status.TIME_LIMIT, Status.INTERRUPTED,
    Status.INFEASIBLE, Status.NO_SOLUTION, Status.SOLVER_ERROR, Status.FAILED, Status.STRESS,
    Status.VIOLATED))

#: Statuses a study's point counts as not done when its group closes.
UNFINISHED = (str(Status.FAILED), str(Status.RUNNING), str(Status.INTERRUPTED))


def _contains(given: str) -> str:
    """A LIKE pattern matching ``given`` anywhere, lower case (compared to lower())."""
    return "%" + like(given.lower())


class RunStore(GroupsMixin):
    """The run store at ``location`` -- a folder (created if missing) or a
    ``postgresql://`` URL -- opened and migrated.

    One instance holds one small pool of connections; use it from one thread, or
    open one store per thread or process (that is what concurrency is built for).
    Close it with :meth:`close` or a ``with`` block.
    """

    def __init__(self, location: str | os.PathLike[str] = DEFAULT_FOLDER):
        self._db: Database | None = None
        opened = open_database(location)
        self.folder, self.path, self.where = opened.folder, opened.path, opened.where
        self.is_server = opened.is_server
        self._db = opened.db
        self.read_only = opened.db.read_only

    @staticmethod
    def exists(location: str | os.PathLike[str]) -> bool:
        """Whether ``location`` holds a run store (reading commands check this rather
        than create an empty store as a side effect). A database URL always counts:
        the server is asked when the store is opened."""
        from sovopt.runs.connect import DB_NAME, real_location

        location = real_location(location)
        return is_server_url(location) or (Path(location) / DB_NAME).is_file()

    def error_for(self, exc: BaseException) -> StoreError:
        """The one-line StoreError for a database error: busy, unreachable, read-only
        or damaged."""
        from sovopt.runs.open import error_for

        return error_for(exc, self.where, self.path)

    def damaged(self, what: str) -> StoreError:
        """The StoreError of a store whose stored values cannot be read."""
        from sovopt.runs.open import damaged

        return damaged(self.where, self.path, what)

    @property
    def db(self) -> Database:
        if self._db is None:
            raise StoreError(f"the run store {self.where} is closed")
        return self._db

    def _write(self, step: Callable[[Connection], Any]) -> Any:
        """``step`` in one write transaction (retried whole while the store is busy
        or the server restarts); refused on a read-only store."""
        if self.read_only:
            raise StoreError(f"the run store {self.where} is read-only: its runs can be "
                             "listed and shown, but no run can be recorded or deleted there; "
                             "give a writable store with --store DIR (or SOVOPT_STORE)")
        return self.db.write(step)

    def _read(self, step: Callable[[Connection], Any]) -> Any:
        return self.db.read(step)

    @property
    @guarded
    def schema_version(self) -> int:
        """The schema version of the open store."""
        return self._read(schema_version)

    def close(self) -> None:
        """Close the connections."""
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- recording a run

    @guarded
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
        name = Path(input_path).name if input_path is not None else None
        return self.record_new(data, name, label=label, case_name=case_name,
                               settings=settings, preset=preset, group=group, point=point)

    def record_new(self, data: bytes | None, input_name: str | None, **fields: Any) -> str:
        """Record a new ``running`` run whose input workbook is ``data`` (see
        :meth:`begin`); return its run id."""
        sha = hashlib.sha256(data).hexdigest() if data is not None else None
        pid = os.getpid()
        row = {
            "label": fields.get("label"), "created_at": now(),
            "case_name": fields.get("case_name"), "input_name": input_name,
            "input_sha256": sha, "preset": dumps(fields.get("preset")),
            "settings": dumps(fields.get("settings") or {}), "versions": dumps(versions()),
            "status": "running", "host": socket.gethostname(), "pid": pid,
            "proc_start": process_start(pid), "group_id": fields.get("group"),
            "group_point": fields.get("point"),
        }
        group, point = fields.get("group"), fields.get("point")
        attempts = []

        def step(conn: Connection) -> str:
            attempts.append(1)
            if group is not None:
                found = conn.execute(text(
                    "SELECT run_id, host, pid, status FROM runs "
                    "WHERE group_id = :g AND group_point = :p"), {"g": group, "p": point}).first()
                if found and len(attempts) > 1 and tuple(found[1:]) == (
                        row["host"], pid, "running"):
                    return str(found[0])  # our own insert, committed before a lost reply
                if found:
                    raise DuplicatePoint(f"point {point} of group {group} is already recorded")
            if data is not None:
                put_blob(conn, sha, data)
            return insert_run(conn, row)

        return self._write(step)

    @guarded
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
        attempts = []

        def step(conn: Connection) -> None:
            attempts.append(1)
            current = conn.execute(text("SELECT status, versions FROM runs WHERE run_id = :r"),
                                   {"r": run_id}).first()
            if current is None:
                raise UnknownRun(f"run {run_id} was deleted before it finished")
            if len(attempts) > 1 and current[0] == status and conn.execute(
                    text("SELECT 1 FROM kpis WHERE run_id = :r"), {"r": run_id}).first():
                return  # our own finish, committed before a lost reply
            if current[0] != "running":
                raise SovoptError(f"run {run_id} is already recorded as {current[0]}")
            versions = {**loads(current[1], {}), **(info.get("versions") or {})}
            put_kpis(conn, run_id, summary)
            for i, (name, df) in enumerate(report.tables.items()):
                write_result_table(conn, run_id, str(name), i, df)
            conn.execute(text("UPDATE runs SET status = :s, finished_at = :f, versions = :v, "
                              "timings = :t, run_info = :i WHERE run_id = :r"),
                         {"s": status, "f": now(), "v": dumps(versions), "t": dumps(timings),
                          "i": dumps(info), "r": run_id})

        self._write(step)

    @guarded
    def fail(self, run_id: str, message: str, status: str = "failed") -> None:
        """Mark a running run ``failed`` (or ``interrupted``, for a Ctrl-C before any
        portfolio was found) with ``message`` (what went wrong, for people).

        A run already finished keeps its status: failing after a successful
        :meth:`finish` (an error while printing, say) must not hide the results.
        """
        if status not in ("failed", INTERRUPTED):
            raise ValueError(f"a run cannot fail with status {status!r}")
        run_id = self.resolve(run_id)
        self._write(lambda conn: conn.execute(
            text("UPDATE runs SET status = :s, message = :m, finished_at = :f "
                 "WHERE run_id = :r AND status = 'running'"),
            {"s": status, "m": message, "f": now(), "r": run_id}))

    # ---- reading runs

    @guarded
    def resolve(self, run_id: str) -> str:
        """The full run id for ``run_id``: a full id, a run number (``r0007``, ``r7``,
        ``7``) or a unique prefix. Raises :class:`UnknownRun` otherwise."""
        given = str(run_id).strip()

        def step(conn: Connection) -> list[str]:
            if conn.execute(text("SELECT 1 FROM runs WHERE run_id = :r"), {"r": given}).first():
                return [given]
            number = re.fullmatch(r"[rR]?0*(\d+)", given)
            if number and len(number.group(1)) < 10:
                row = conn.execute(text("SELECT run_id FROM runs WHERE seq = :n"),
                                   {"n": int(number.group(1))}).first()
                if row:
                    return [str(row[0])]
            return [str(r[0]) for r in conn.execute(
                text("SELECT run_id FROM runs WHERE run_id LIKE :p ESCAPE '\\' "
                     "ORDER BY seq DESC LIMIT 6"), {"p": like(given)})]

        found = self._read(step)
        if len(found) == 1:
            return found[0]
        if not found:
            raise UnknownRun(f"no run {given!r} in the run store {self.where} "
                             "(`sovopt runs` lists them)")
        more = ", ..." if len(found) > 5 else ""
        raise UnknownRun(f"{given!r} matches several runs ({', '.join(found[:5])}{more}); "
                         "give more of the run id")

    @guarded
    def list_runs(self, case: str | None = None, label: str | None = None,
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
        where, params = [], {}
        if case:
            where.append("lower(coalesce(case_name, '')) LIKE :case ESCAPE '\\'")
            params["case"] = _contains(case)
        if label:
            where.append("lower(coalesce(label, '')) LIKE :label ESCAPE '\\'")
            params["label"] = _contains(label)
        if group:
            where.append("group_id = :group")
            params["group"] = self.resolve_group(group)
        wanted = status.strip().lower() if status else None
        if wanted in ("running", INTERRUPTED):
            where.append("status IN ('running', 'interrupted')")
        elif wanted == "stress":  # every stress test, whatever it found
            where.append("(status = 'stress' OR preset = :stress)")
            params["stress"] = dumps("stress")
        elif wanted:
            where.append("status = :status")
            params["status"] = wanted
        sql = ("SELECT run_id, created_at, label, case_name, input_name, status, preset, "
               "message, host, pid, proc_start, group_id, group_point FROM runs")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY group_point, seq" if group else " ORDER BY seq DESC"
        if limit is not None and wanted not in ("running", INTERRUPTED):
            sql += " LIMIT :limit"
            params["limit"] = int(limit)

        def step(conn: Connection) -> pd.DataFrame:
            rows = []
            for r in conn.execute(text(sql), params):
                shown = shown_status(r[5], r[8], r[9], r[10])
                if wanted in ("running", INTERRUPTED) and shown != wanted:
                    continue
                preset = loads(r[6])
                rows.append({"run_id": r[0], "created": r[1], "label": r[2],
                             "case_name": r[3], "input_name": r[4], "status": shown,
                             "preset": preset if preset is None or isinstance(preset, str)
                             else preset.get("name", "custom"), "message": r[7],
                             "group": r[11], "point": r[12]})
            if limit is not None:
                rows = rows[: int(limit)]
            return with_kpis(conn, rows)

        return self._read(step)

    # ---- one run

    @guarded
    def info(self, run_id: str) -> dict[str, Any]:
        """A run's metadata (no KPIs, no tables): run_id, label, created, finished,
        case_name, input_name, input_sha256, preset, settings, versions, status
        (shown), stored_status, message, timings, host, pid, group and point (of a
        study's run)."""
        run_id = self.resolve(run_id)
        r = self._read(lambda conn: conn.execute(text(
            "SELECT run_id, label, created_at, finished_at, case_name, input_name, "
            "input_sha256, preset, settings, versions, status, message, timings, host, pid, "
            "proc_start, run_info, group_id, group_point FROM runs WHERE run_id = :r"),
            {"r": run_id}).one())
        return {
            "run_id": r[0], "label": r[1], "created": r[2], "finished": r[3],
            "case_name": r[4], "input_name": r[5], "input_sha256": r[6],
            "preset": loads(r[7]), "settings": loads(r[8], {}), "versions": loads(r[9], {}),
            "status": shown_status(r[10], r[13], r[14], r[15]), "stored_status": r[10],
            "message": r[11], "timings": loads(r[12]), "host": r[13], "pid": r[14],
            "run_info": loads(r[16], {}), "group": r[17], "point": r[18],
        }

    @guarded
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

        def step(conn: Connection) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
            stored = {m: (t if t is not None else v) for m, v, t in conn.execute(text(
                "SELECT metric, value, text_value FROM kpis WHERE run_id = :r "
                "ORDER BY position"), {"r": rid})}
            tables = {name: read_result_table(conn, rid, name, columns)
                      for name, columns in conn.execute(text(
                          "SELECT name, columns FROM result_tables WHERE run_id = :r "
                          "ORDER BY position"), {"r": rid}).fetchall()}
            return stored, tables

        stored, tables = self._read(step)
        summary: dict[str, object] = {k: stored.get(k) for k in SUMMARY_KEYS}
        summary.update({k: v for k, v in stored.items() if k not in summary})
        summary["run_id"] = rid
        if not stored or meta["status"] in ("running", INTERRUPTED, "failed"):
            summary["status"] = meta["status"]
        run = {**meta.pop("run_info")}
        for key, value in meta.items():
            if key not in run or value is not None:
                run[key] = value
        run.setdefault("input_file", run.get("input_name"))
        return Report(summary=summary, tables=tables, run=run)

    @guarded
    def input_bytes(self, run_id: str) -> bytes:
        """The bytes of the input workbook a run was solved from."""
        rid = self.resolve(run_id)
        row = self._read(lambda conn: conn.execute(text(
            "SELECT b.data FROM runs r JOIN blobs b ON b.sha256 = r.input_sha256 "
            "WHERE r.run_id = :r"), {"r": rid}).first())
        if row is None:
            raise SovoptError(f"run {rid} has no stored input workbook")
        return bytes(row[0])

    # ---- removing runs

    @guarded
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

        def step(conn: Connection) -> None:
            sha = conn.execute(text("SELECT input_sha256 FROM runs WHERE run_id = :r"),
                               {"r": rid}).first()
            if sha is None:
                return
            conn.execute(text("DELETE FROM kpis WHERE run_id = :r"), {"r": rid})
            for (name,) in conn.execute(text("SELECT name FROM result_tables "
                                             "WHERE run_id = :r"), {"r": rid}).fetchall():
                conn.execute(text(f"DELETE FROM {ident(sql_table_name(name))} "
                                  "WHERE run_id = :r"), {"r": rid})
            conn.execute(text("DELETE FROM result_tables WHERE run_id = :r"), {"r": rid})
            conn.execute(text("DELETE FROM runs WHERE run_id = :r"), {"r": rid})
            if sha[0] is not None:
                conn.execute(text("DELETE FROM blobs WHERE sha256 = :s AND NOT EXISTS "
                                  "(SELECT 1 FROM runs WHERE input_sha256 = :s)"), {"s": sha[0]})

        self._write(step)
        return rid

    # ---- checks

    @guarded
    def integrity_check(self, blobs: bool = False) -> str:
        """``ok`` for a sound store, else what is wrong (see
        :func:`sovopt.runs.check.problems`; ``blobs`` hashes every input too)."""
        from sovopt.runs.check import problems

        found = self._read(lambda conn: problems(conn, blobs))
        return "; ".join(found) if found else "ok"

    @guarded
    def blob_count(self) -> int:
        """How many distinct input workbooks the store holds."""
        return int(self._read(lambda conn: conn.execute(
            text("SELECT COUNT(*) FROM blobs")).scalar()))

    #: The former name of :meth:`list_runs` (it shadowed the builtin), kept for callers.
    def list(self, *args: Any, **kwargs: Any) -> pd.DataFrame:  # noqa: A003
        """Same as :meth:`list_runs`."""
        return self.list_runs(*args, **kwargs)


