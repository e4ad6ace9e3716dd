"""Groups of runs, one per study (frontier, sweep, robust): opened ``running``, a
point recorded at most once, closed ``complete`` or ``incomplete`` from the runs
themselves (see :class:`sovopt.runs.store.RunStore`, which has these methods)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Connection, text

from sovopt.errors import EXIT_USAGE, SovoptError
from sovopt.runs.codec import dumps, loads, now
from sovopt.runs.errors import UnknownRun, guarded

#: Columns of :meth:`RunStore.groups`.
GROUP_COLUMNS = ("group", "kind", "created", "finished", "status", "total", "done", "failed",
                 "case_name", "message")


def like(given: str) -> str:
    """A LIKE pattern matching ``given`` as a prefix (its own % and _ escaped)."""
    return given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class GroupsMixin:
    """The group methods of a run store (its ``where``, ``_read`` and ``_write``)."""

    where: str
    _read: Callable[[Callable[[Connection], Any]], Any]
    _write: Callable[[Callable[[Connection], Any]], Any]

    # ---- groups of runs (one study each)

    @guarded
    def begin_group(self, kind: str, total: int, case_name: str | None = None,
                    info: dict[str, Any] | None = None, name: str | None = None) -> str:
        """Record a new ``running`` group of ``total`` points; return its id.

        ``kind`` is the study (frontier, sweep, robust); ``info`` what it varies
        (stored as JSON). The id is ``name`` if given (refused if taken), else
        ``<kind>-<UTC time>-<4 hex>``.
        """
        gid = name or f"{kind}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"

        def step(conn: Connection) -> None:
            if conn.execute(text("SELECT 1 FROM run_groups WHERE group_id = :g"),
                            {"g": gid}).first():
                raise SovoptError(f"the run store already has a group {gid!r}; choose "
                                  "another --group name", exit_code=EXIT_USAGE)
            conn.execute(text("INSERT INTO run_groups (group_id, kind, created_at, status, "
                              "total, case_name, info) VALUES (:g, :k, :c, 'running', :t, "
                              ":n, :i)"),
                         {"g": gid, "k": kind, "c": now(), "t": int(total), "n": case_name,
                          "i": dumps(info or {})})

        self._write(step)
        return gid

    @guarded
    def finish_group(self, group: str, message: str | None = None) -> str:
        """Close a running group: ``complete`` when every one of its points is
        recorded with a result, else ``incomplete``; return the status given.

        Points and failures are counted from the runs themselves (a failed run,
        a missing point), so a study that ended early can never be closed as
        complete.
        """
        gid = self.resolve_group(group)

        def step(conn: Connection) -> str:
            total = conn.execute(text("SELECT total FROM run_groups WHERE group_id = :g"),
                                 {"g": gid}).scalar_one()
            done, failed = conn.execute(text(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status IN "
                "('failed', 'running', 'interrupted') THEN 1 ELSE 0 END), 0) "
                "FROM runs WHERE group_id = :g"), {"g": gid}).one()
            status = "complete" if done == total and not failed else "incomplete"
            conn.execute(text("UPDATE run_groups SET status = :s, finished_at = :f, done = :d, "
                              "failed = :x, message = :m WHERE group_id = :g "
                              "AND status = 'running'"),
                         {"s": status, "f": now(), "d": int(done - failed), "x": int(failed),
                          "m": message, "g": gid})
            return status

        return self._write(step)

    @guarded
    def resolve_group(self, group: str) -> str:
        """The full id of a group given by its id or a unique prefix."""
        given = str(group).strip()

        def step(conn: Connection) -> list[str]:
            if conn.execute(text("SELECT 1 FROM run_groups WHERE group_id = :g"),
                            {"g": given}).first():
                return [given]
            return [str(r[0]) for r in conn.execute(
                text("SELECT group_id FROM run_groups WHERE group_id LIKE :p ESCAPE '\\' "
                     "ORDER BY created_at DESC LIMIT 6"), {"p": like(given)})]

        found = self._read(step)
        if len(found) == 1:
            return found[0]
        if not found:
            raise UnknownRun(f"no group {given!r} in the run store {self.where} "
                             "(`sovopt runs groups` lists them)")
        raise UnknownRun(f"{given!r} matches several groups ({', '.join(found[:5])}); "
                         "give more of the group id")

    @guarded
    def groups(self) -> pd.DataFrame:
        """Every group, newest first: group, kind, created, finished, status, total,
        done, failed, case_name, message (a running group whose process is gone
        cannot be told apart here: it stays ``running`` until closed)."""
        rows = self._read(lambda conn: conn.execute(text(
            "SELECT group_id, kind, created_at, finished_at, status, total, done, failed, "
            "case_name, message FROM run_groups ORDER BY created_at DESC")).fetchall())
        return pd.DataFrame([tuple(r) for r in rows], columns=list(GROUP_COLUMNS))

    @guarded
    def group_info(self, group: str) -> dict[str, Any]:
        """One group's row of :meth:`groups` plus its ``info`` (what the study varied)."""
        gid = self.resolve_group(group)
        r = self._read(lambda conn: conn.execute(text(
            "SELECT group_id, kind, created_at, finished_at, status, total, done, failed, "
            "case_name, message, info FROM run_groups WHERE group_id = :g"),
            {"g": gid}).one())
        return {**dict(zip(GROUP_COLUMNS, r[:10], strict=True)), "info": loads(r[10], {})}

    @guarded
    def group_run_ids(self, group: str) -> list[str]:
        """The run ids of a group, in the order of their points."""
        gid = self.resolve_group(group)
        return self._read(lambda conn: [r[0] for r in conn.execute(text(
            "SELECT run_id FROM runs WHERE group_id = :g ORDER BY group_point, seq"),
            {"g": gid})])
