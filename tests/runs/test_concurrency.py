"""Many writers and faults on a PostgreSQL store: eight solves from separate processes,
two sweeps at once, a Dask sweep with a worker killed and the server restarted, a
writer killed mid-transaction (both back ends), and a server that stays down.

Every run and every point is recorded exactly once; `runs` lists runs while they
run; a killed writer leaves no half-written run; what was recorded before a
server restart is kept and the study goes on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from sovopt.runs import RunStore
from tests.builders import BUDGET, case_workbook, hand_case
from tests.paths import REPO
from tests.runs.postgres import PASSWORD, Cluster

#: The hand case's total cost (min_dependence, EUR m) as one `sovopt solve` finds it:
#: Q-DOM 8 units x 3 = 24, R-BUY-A 7 x 1 = 7, R-LIC-B 13 x 2 + fixed 5 = 31, and SB's
#: activation cost 1: 63. Eight solves at once must each find the same.
HAND_COST = 63.0


#: The command line, as the installed ``sovopt`` script runs it.
CLI = "import sys; from sovopt.cli import main; main(sys.argv[1:])"


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("SOVOPT_STORE", None)
    env.update(extra)
    return env


def sovopt(*args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CLI, *args], cwd=REPO,
                            env=_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finished(proc: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def test_eight_solves_at_once_each_recorded_once_and_listed_while_running(
        pg_url: str, tmp_path: Path) -> None:
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    RunStore(pg_url).close()  # the schema made once, as a team's first use would
    procs = [sovopt("solve", str(case), "--label", f"p{i}", "--time-limit", "30",
                    "--out", str(tmp_path / f"p{i}.xlsx"), "--store", pg_url)
             for i in range(8)]
    seen_running: set[str] = set()
    with RunStore(pg_url) as store:
        while any(p.poll() is None for p in procs):
            seen_running |= set(store.list_runs(status="running")["run_id"])
            time.sleep(0.2)
    for p in procs:
        code, out, err = finished(p)
        assert code == 0, err
        assert PASSWORD not in out + err
    assert seen_running, "runs listed none of the eight while they ran"
    with RunStore(pg_url) as store:
        runs = store.list_runs()
        assert len(runs) == 8 and runs["run_id"].is_unique
        assert sorted(runs["label"]) == sorted(f"p{i}" for i in range(8))
        assert set(runs["status"]) == {"optimal"}
        assert runs["total_cost"].tolist() == pytest.approx([HAND_COST] * 8)
        assert seen_running <= set(runs["run_id"])
        assert store.blob_count() == 1
        assert store.integrity_check(blobs=True) == "ok"


def test_two_sweeps_at_once_record_each_point_once(pg_url: str, tmp_path: Path) -> None:
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    procs = {g: sovopt("sweep", str(case), "--vary", "budget=0.9,1.1", "--group", g,
                       "--workers", "1", "--time-limit", "30", "--json",
                       "--out", str(tmp_path / f"{g}.xlsx"), "--store", pg_url)
             for g in ("alice", "bob")}
    for group, p in procs.items():
        code, out, err = finished(p)
        assert code == 0, err
        assert json.loads(out)["group"] == group
    with RunStore(pg_url) as store:
        for group in ("alice", "bob"):
            info = store.group_info(group)
            # point 0 is the case as given, then the grid's two budgets
            assert (info["status"], info["done"], info["failed"]) == ("complete", 3, 0)
            assert store.list_runs(group=group)["point"].tolist() == [0, 1, 2]
        assert len(store.list_runs()) == 6
        # the same grid on the same case: both analysts' points agree
        a = store.list_runs(group="alice")["total_cost"].tolist()
        assert store.list_runs(group="bob")["total_cost"].tolist() == pytest.approx(a)
        assert store.integrity_check() == "ok"


KILLED_MID_FINISH = """
import sys, time
import sovopt.runs.store as st
from sovopt.runs import RunStore
from tests.builders import make_report
real = st.write_result_table
written = []
def slow(conn, run_id, name, position, df):
    real(conn, run_id, name, position, df)
    written.append(name)
    if len(written) == 3:  # three tables written inside the open transaction
        print("mid", flush=True)
        time.sleep(120)
st.write_result_table = slow
store = RunStore(sys.argv[1])
rid = store.begin(None, label="killed", case_name="Killed")
print(rid, flush=True)
store.finish(rid, make_report())
"""


def test_a_writer_killed_mid_transaction_leaves_no_half_written_run(location: str) -> None:
    """kill -9 while finish() has written three tables of its transaction: the run is
    shown interrupted with no KPIs and no table rows, on either back end."""
    proc = subprocess.Popen([sys.executable, "-c", KILLED_MID_FINISH, location], cwd=REPO,
                            env=_env(), stdout=subprocess.PIPE, text=True)
    run_id = proc.stdout.readline().strip()
    assert proc.stdout.readline().strip() == "mid"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    with RunStore(location) as store:
        assert store.list_runs()["status"].tolist() == ["interrupted"]
        report = store.get(run_id)
        assert report.tables == {} and report.summary["total_cost"] is None
        assert store.integrity_check() == "ok"
        counts = store._read(lambda conn: [conn.execute(text(
            f"SELECT COUNT(*) FROM {table}")).scalar() for table in ("kpis", "result_tables")])
        assert counts == [0, 0]


def test_server_restart_mid_sweep_loses_no_point(postgres: Cluster, pg_url: str,
                                                 tmp_path: Path) -> None:
    """`pg_ctl restart` once the first point of a three-point sweep (the case as given
    and budgets x0.9 and x1.1) is recorded: the sweep goes on and ends complete, every point
    recorded once."""
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    proc = sovopt("sweep", str(case), "--vary", "budget=0.9,1.1", "--group", "g",
                  "--workers", "1", "--time-limit", "30", "--json",
                  "--out", str(tmp_path / "g.xlsx"), "--store", pg_url)
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    deadline = time.monotonic() + 240
    recorded = 0
    while recorded < 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            with engine.connect() as con:
                recorded = con.execute(text(
                    "SELECT COUNT(*) FROM runs WHERE status <> 'running'")).scalar()
        except Exception:  # the schema is not made yet
            recorded = 0
    engine.dispose()
    assert recorded >= 1 and proc.poll() is None, "the sweep ended before the restart"
    postgres.pg_ctl("restart")
    code, out, err = finished(proc)
    assert code == 0, err
    assert json.loads(out)["status"] == "complete"
    with RunStore(pg_url) as store:
        assert store.list_runs(group="g")["point"].tolist() == [0, 1, 2]
        assert len(store.list_runs()) == 3
        assert store.integrity_check() == "ok"


def test_server_down_ends_the_study_with_one_clear_line(postgres: Cluster, pg_url: str,
                                                        tmp_path: Path) -> None:
    """The server stopped for good after the first point: the sweep retries for
    SOVOPT_STORE_RETRY_S, then ends exit 1 with one line naming the server; the
    point recorded before is kept."""
    case, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    proc = sovopt("sweep", str(case), "--vary", "budget=0.9,1.1", "--group", "down",
                  "--workers", "1", "--time-limit", "30",
                  "--out", str(tmp_path / "d.xlsx"), "--store", pg_url,
                  SOVOPT_STORE_RETRY_S="3")
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    recorded, deadline = 0, time.monotonic() + 240
    while recorded < 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            with engine.connect() as con:
                recorded = con.execute(text(
                    "SELECT COUNT(*) FROM runs WHERE status <> 'running'")).scalar()
        except Exception:
            recorded = 0
    engine.dispose()
    assert recorded >= 1 and proc.poll() is None
    postgres.pg_ctl("stop")
    try:
        code, out, err = finished(proc)
    finally:
        postgres.pg_ctl("start")
    assert code == 1, err
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert f"127.0.0.1:{postgres.port}" in lines[0] and "could not be reached" in lines[0]
    assert PASSWORD not in out + err
    with RunStore(pg_url) as store:
        done = store.list_runs(group="down")
        assert len(done) >= 1 and (done["status"] == "optimal").sum() >= 1


def slow_task(folder: str, blob: bytes, task):
    """The real point solve, after a mark ``<point>-<pid>`` in ``folder`` and a pause,
    so the test can kill the worker while it holds a task."""
    from sovopt.studies.tasks import run_task

    (Path(folder) / f"{task.index}-{os.getpid()}").touch()
    time.sleep(0.5)
    return run_task(blob, task)


def test_dask_sweep_with_a_killed_worker_and_a_server_restart(postgres: Cluster, pg_url: str,
                                                              tmp_path: Path) -> None:
    """A Dask LocalCluster sweep of three points into PostgreSQL: the first worker seen
    on a point other than 0 is killed (SIGKILL), and the server restarts once a point
    is recorded; every point is recorded once and the group is complete."""
    import functools

    from sovopt.executors import DaskExecutor
    from sovopt.studies.record import run_study
    from sovopt.studies.sweep import sweep_tasks
    from sovopt.variation import parse_vary
    from tests.study_cases import two_capability_case

    marks = tmp_path / "marks"
    marks.mkdir()
    case = two_capability_case(budget=100.0)
    tasks = sweep_tasks([parse_vary("budget=0.5,0.75", case)], objective="min_cost",
                        case=case)
    killed: list[int] = []
    restarted: list[bool] = []
    stop = threading.Event()

    def saboteur() -> None:
        while not stop.is_set() and not (killed and restarted):
            for mark in marks.iterdir():
                point, pid = mark.name.split("-")
                if point != "0" and not killed:
                    os.kill(int(pid), signal.SIGKILL)
                    killed.append(int(pid))
            if not restarted:
                with RunStore(pg_url) as st:
                    if len(st.list_runs()) >= 1:
                        postgres.pg_ctl("restart")
                        restarted.append(True)
            time.sleep(0.05)

    ex = DaskExecutor(None, workers=2)
    watcher = threading.Thread(target=saboteur, daemon=True)
    try:
        with RunStore(pg_url) as store:
            watcher.start()
            outcome = run_study(ex, store, "sweep", case, None, tasks, {}, "dask",
                                fn=functools.partial(slow_task, str(marks)))
            runs = store.list_runs(group="dask")
    finally:
        stop.set()
        watcher.join(timeout=60)
        ex.close()
    assert killed and restarted
    assert outcome.status == "complete"
    assert runs["point"].tolist() == [0, 1, 2]  # the case as given, budget x0.5, x0.75
    assert set(runs["status"]) == {"optimal"}
