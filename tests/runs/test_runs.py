"""The SQLite run store's own behaviour: table encoding, live runs, concurrent processes,
killed processes, migrations from older schema versions. What both back ends share
(round trips, content-addressed inputs, ids, groups, the README's queries) is in
tests/runs/test_run_store.py, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sovopt.errors import SovoptError
from sovopt.outputs import SUMMARY_KEYS
from sovopt.runs import (
    DB_NAME,
    SCHEMA_VERSION,
    RunStore,
    decode_table,
    encode_table,
)
from tests.builders import make_report
from tests.paths import REPO as ROOT
from tests.runs.records import record


def test_table_encoding_keeps_dtypes() -> None:
    df = pd.DataFrame({
        "i": [1, 2], "f": [1.0, np.nan], "s": ["x", None], "b": [True, False],
        "n": pd.array([1, None], dtype="Int64"),
        "t": pd.to_datetime(["2026-01-01", None]).tz_localize("UTC"),
    })
    pd.testing.assert_frame_equal(decode_table(encode_table(df)), df)
    empty = pd.DataFrame({"x": pd.Series(dtype="int64"), "y": pd.Series(dtype="float64")})
    pd.testing.assert_frame_equal(decode_table(encode_table(empty)), empty)
    indexed = pd.DataFrame({"v": [1.5]}, index=pd.Index(["a"], name="k"))
    assert list(decode_table(encode_table(indexed)).columns) == ["k", "v"]














def test_delete_refuses_a_live_run(tmp_path: Path) -> None:
    with RunStore(tmp_path) as store:
        run_id = store.begin(None)  # this process is alive
        assert store.list()["status"].tolist() == ["running"]
        with pytest.raises(SovoptError, match="still running"):
            store.delete(run_id)
        store.delete(run_id, force=True)
        assert store.list().empty


# --------------------------------------------------------------------------- processes

WORKER = """
import sys, time
from pathlib import Path
from sovopt.runs import RunStore
from tests.builders import make_report
from tests.runs.records import record
store_dir, case_path, name, n, go = sys.argv[1:6]
while not Path(go).exists():
    time.sleep(0.005)
with RunStore(store_dir) as store:
    for k in range(int(n)):
        report = make_report()
        big = report.tables["deliveries"]
        report.tables["deliveries"] = big.loc[big.index.repeat(400)].reset_index(drop=True)
        rid = store.begin(case_path, label=f"{name}-{k}", case_name="Concurrent")
        store.finish(rid, report)
print("done")
"""

KILLED = """
import sys, time
from sovopt.runs import RunStore
store = RunStore(sys.argv[1])
rid = store.begin(sys.argv[2], label="killed", case_name="Killed")
print(rid, flush=True)
time.sleep(120)
"""


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def test_four_processes_write_one_store(tmp_path: Path, case_file: Path) -> None:
    store_dir, go = tmp_path / "store", tmp_path / "go"
    RunStore(store_dir).close()
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(store_dir), str(case_file),
                               f"p{i}", "3", str(go)], cwd=ROOT, env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(4)]
    time.sleep(0.5)
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        assert out.strip() == "done"
    with RunStore(store_dir) as store:
        runs = store.list()
        assert len(runs) == 12
        assert set(runs["status"]) == {"optimal"}
        assert sorted(runs["label"]) == sorted(f"p{i}-{k}" for i in range(4) for k in range(3))
        assert runs["run_id"].is_unique
        for rid in runs["run_id"]:
            report = store.get(rid)
            assert len(report.tables["deliveries"]) == 1200
            assert len(report.tables) == 9
        assert store.blob_count() == 1
        assert store.integrity_check() == "ok"


def test_killed_process_leaves_an_interrupted_run(tmp_path: Path, case_file: Path) -> None:
    store_dir = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(store_dir), str(case_file)],
                            cwd=ROOT, env=_env(), stdout=subprocess.PIPE, text=True)
    run_id = proc.stdout.readline().strip()
    assert run_id.startswith("r0001-")
    with RunStore(store_dir) as store:
        assert store.list()["status"].tolist() == ["running"]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    with RunStore(store_dir) as store:
        runs = store.list()
        assert runs["status"].tolist() == ["interrupted"]
        assert store.list(status="interrupted")["run_id"].tolist() == [run_id]
        assert store.list(status="running").empty
        report = store.get(run_id)
        assert report.summary["status"] == "interrupted"
        assert report.tables == {}
        assert all(report.summary[k] is None for k in SUMMARY_KEYS
                   if k not in ("status", "run_id"))
        assert store.input_bytes(run_id) == case_file.read_bytes()
        assert store.integrity_check() == "ok"
        store.delete(run_id)  # an interrupted run may be deleted without force
        assert store.blob_count() == 0


# --------------------------------------------------------------------------- migrations

V1_SCHEMA = """
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL,
    applied_at TEXT NOT NULL);
INSERT INTO schema_version VALUES (1, 'blobs, runs, run_tables, kpis', '2026-01-05T10:00:00Z');
CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, label TEXT,
    created_at TEXT NOT NULL, finished_at TEXT, case_name TEXT, input_name TEXT,
    input_sha256 TEXT REFERENCES blobs(sha256), preset TEXT, settings TEXT, versions TEXT,
    status TEXT NOT NULL, message TEXT, timings TEXT, run_info TEXT);
CREATE INDEX runs_input ON runs(input_sha256);
CREATE TABLE run_tables (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, name TEXT NOT NULL,
    position INTEGER NOT NULL, n_rows INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (run_id, name));
CREATE TABLE kpis (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, metric TEXT NOT NULL,
    position INTEGER NOT NULL, value, PRIMARY KEY (run_id, metric));
INSERT INTO blobs VALUES ('abc', 3, X'010203');
INSERT INTO runs (run_id, label, created_at, finished_at, case_name, input_name, input_sha256,
    preset, settings, versions, status, timings, run_info)
VALUES ('r0001-beef', 'old run', '2026-01-05T10:00:01+00:00', '2026-01-05T10:00:09+00:00',
    'Old case', 'old.xlsx', 'abc', '"min_cost"', '{}', '{"sovopt": "0.0.9"}', 'optimal',
    '{"solve": 8.0}', '{"run_id": "r0001-beef"}');
INSERT INTO runs (run_id, created_at, status) VALUES ('r0002-dead', '2026-01-05T11:00:00+00:00',
    'running');
INSERT INTO kpis VALUES ('r0001-beef', 'status', 0, 'optimal');
INSERT INTO kpis VALUES ('r0001-beef', 'total_cost', 1, 123.5);
"""


def test_store_from_schema_version_1_is_migrated(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / DB_NAME)
    con.executescript(V1_SCHEMA)
    con.execute("INSERT INTO run_tables VALUES ('r0001-beef', 'portfolio', 0, 1, ?)",
                (encode_table(pd.DataFrame({"option_id": ["O9"], "total_cost": [123.5]})),))
    con.commit()
    con.close()
    with RunStore(tmp_path) as store:
        assert store.schema_version == SCHEMA_VERSION == 5
        runs = store.list()
        assert runs["run_id"].tolist() == ["r0002-dead", "r0001-beef"]
        # a v1 run left running has no process to check: it stays running
        assert runs["status"].tolist() == ["running", "optimal"]
        old = store.get("r0001")
        assert old.summary["total_cost"] == 123.5
        assert old.tables["portfolio"]["option_id"].tolist() == ["O9"]
        assert old.run["preset"] == "min_cost"
        assert store.input_bytes("r0001-beef") == b"\x01\x02\x03"
        new = record(store, None, make_report())
        assert new.startswith("r0003-")
        assert store.integrity_check() == "ok"
    con = sqlite3.connect(tmp_path / DB_NAME)
    versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version")]
    columns = {r[1] for r in con.execute("PRAGMA table_info(runs)")}
    con.close()
    assert versions == [1, 2, 3, 4, 5]
    assert {"host", "pid", "proc_start", "group_id", "group_point"} <= columns


def test_a_point_of_a_group_is_recorded_once_and_the_group_closes_honestly(
        tmp_path: Path) -> None:
    """Group of 3 points: two recorded, the third refused twice over (store, then a
    second record of point 1): the group closes incomplete, never complete."""
    from sovopt.runs import DuplicatePoint

    with RunStore(tmp_path) as store:
        gid = store.begin_group("sweep", 3, "case", {"vary": ["budget=1:2:3"]}, "g1")
        for point in (0, 1):
            rid = store.begin(None, f"p{point}", group=gid, point=point)
            store.finish(rid, make_report())
        with pytest.raises(DuplicatePoint):
            store.begin(None, "again", group=gid, point=1)
        assert store.finish_group("g") == "incomplete"
        info = store.group_info("g1")
        assert (info["status"], info["done"], info["failed"]) == ("incomplete", 2, 0)
        assert store.list(group="g1")["point"].tolist() == [0, 1]
        gid2 = store.begin_group("sweep", 1, name="g2")
        store.fail(store.begin(None, "x", group=gid2, point=0), "worker lost")
        assert store.finish_group("g2") == "incomplete"
        gid3 = store.begin_group("sweep", 1, name="g3")
        store.finish(store.begin(None, "x", group=gid3, point=0), make_report())
        assert store.finish_group("g3") == "complete"
        assert store.groups()["group"].tolist()[0] == "g3"


def test_store_from_a_newer_sovopt_is_refused(tmp_path: Path) -> None:
    RunStore(tmp_path).close()
    con = sqlite3.connect(tmp_path / DB_NAME)
    con.execute("INSERT INTO schema_version VALUES (99, 'future', '2099-01-01')")
    con.commit()
    con.close()
    with pytest.raises(SovoptError, match="newer sovopt"):
        RunStore(tmp_path)


def test_new_store_uses_wal(tmp_path: Path) -> None:
    RunStore(tmp_path).close()
    con = sqlite3.connect(tmp_path / DB_NAME)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_json_blobs_of_earlier_versions_move_into_long_tables(tmp_path: Path) -> None:
    """Migration 4: every table blob becomes rows of result_<name>, dtypes kept, and
    spend by country across runs is then one SQL query (the README's first example).

    Two runs' spend tables, stored as blobs (the layout of versions 1 to 3):
      r0001: (2027, A, R, 10.0), (2027, B, R, 5.0), (2028, A, R, 2.5)
      r0002: (2027, A, R, 4.0)
    spend by (run, country): r0001 A 12.5, r0001 B 5.0, r0002 A 4.0.
    """
    con = sqlite3.connect(tmp_path / DB_NAME)
    con.executescript(V1_SCHEMA)
    con.execute("INSERT INTO runs (run_id, created_at, status) VALUES "
                "('r0003-cafe', '2026-01-05T12:00:00+00:00', 'optimal')")
    spend1 = pd.DataFrame({"year": [2027, 2027, 2028], "country_id": ["A", "B", "A"],
                           "capability_id": ["R", "R", None], "amount": [10.0, 5.0, 2.5]})
    spend2 = pd.DataFrame({"year": [2027], "country_id": ["A"], "capability_id": ["R"],
                           "amount": [4.0]})
    portfolio = pd.DataFrame({"option_id": ["O1", "O2"],
                              "start_year": pd.array([2027, None], dtype="Int64"),
                              "single": [True, False]})
    for run_id, name, position, df in (("r0001-beef", "spend", 0, spend1),
                                       ("r0001-beef", "portfolio", 1, portfolio),
                                       ("r0003-cafe", "spend", 0, spend2),
                                       ("r0003-cafe", "empty", 1,
                                        pd.DataFrame(columns=["a", "b"]))):
        con.execute("INSERT INTO run_tables VALUES (?, ?, ?, ?, ?)",
                    (run_id, name, position, len(df), encode_table(df)))
    con.commit()
    con.close()
    with RunStore(tmp_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        old = store.get("r0001-beef")
        assert list(old.tables) == ["spend", "portfolio"]
        pd.testing.assert_frame_equal(old.tables["spend"], spend1)
        pd.testing.assert_frame_equal(old.tables["portfolio"], portfolio)
        other = store.get("r0003-cafe")
        pd.testing.assert_frame_equal(other.tables["spend"], spend2)
        assert list(other.tables["empty"].columns) == ["a", "b"]
        assert other.tables["empty"].empty
    con = sqlite3.connect(tmp_path / DB_NAME)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    by_country = con.execute(README_SPEND_BY_COUNTRY).fetchall()
    con.close()
    assert "run_tables" not in tables and {"result_spend", "result_tables"} <= tables
    assert by_country == [("r0001-beef", "A", 12.5), ("r0001-beef", "B", 5.0),
                          ("r0003-cafe", "A", 4.0)]


#: The README's first example query, run as written there.
README_SPEND_BY_COUNTRY = """
SELECT run_id, country_id, SUM(amount) AS spend
FROM result_spend
GROUP BY run_id, country_id
ORDER BY run_id, country_id
"""


