"""The executor seam: dask on a real LocalCluster gives what the local pool gives, and a
worker killed mid-sweep loses and duplicates no point (both executors)."""

from __future__ import annotations

import functools
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from sovopt.executors import DaskExecutor, LocalExecutor
from sovopt.runs import RunStore
from sovopt.studies.record import run_study
from sovopt.studies.sweep import sweep_tasks
from sovopt.studies.tasks import run_task
from sovopt.variation import parse_vary
from tests.study_cases import two_capability_case

pytest.importorskip("distributed")

KPIS = ("status", "total_cost", "exposure", "hhi_mean", "local_share")


def slow_task(folder, blob, task):
    """The real point solve, after leaving a mark ``<point>-<pid>`` in ``folder`` and
    a pause, so the test can kill the worker while it holds a task."""
    (Path(folder) / f"{task.index}-{os.getpid()}").touch()
    time.sleep(0.5)
    return run_task(blob, task)


def _sweep(executor, store_dir: Path, fn=run_task, group=None):
    case = two_capability_case(budget=100.0)
    tasks = sweep_tasks([parse_vary("budget=0.5:0.75:2", case)], objective="min_cost")
    with RunStore(store_dir) as store:
        outcome = run_study(executor, store, "sweep", case, None, tasks, {}, group, fn=fn)
        runs = store.list(group=outcome.group)
    table = {i: {k: p.report.summary[k] for k in KPIS} for i, p in outcome.points.items()}
    return outcome, runs, table


@pytest.fixture(scope="module")
def dask_executor():
    ex = DaskExecutor(None, workers=2)  # a LocalCluster on 127.0.0.1
    yield ex
    ex.close()


def test_dask_local_cluster_gives_the_local_results(tmp_path, dask_executor):
    local = LocalExecutor(2)
    try:
        _, _, by_local = _sweep(local, tmp_path / "a")
    finally:
        local.close()
    assert dask_executor.workers == 2
    outcome, runs, by_dask = _sweep(dask_executor, tmp_path / "b")
    assert outcome.status == "complete"
    assert by_dask == by_local
    assert sorted(runs["point"]) == [0, 1, 2]


def _kill_first_worker_seen(marks: Path, killed: list[int], stop: threading.Event) -> None:
    """Kill (SIGKILL) the first worker that leaves a mark for a point other than 0."""
    while not stop.is_set():
        for mark in marks.iterdir():
            point, pid = mark.name.split("-")
            if point != "0":
                os.kill(int(pid), signal.SIGKILL)
                killed.append(int(pid))
                return
        time.sleep(0.02)


@pytest.mark.parametrize("kind", ["local", "dask"])
def test_a_worker_killed_mid_sweep_loses_and_duplicates_no_point(kind, tmp_path, request):
    marks = tmp_path / "marks"
    marks.mkdir()
    executor = LocalExecutor(2) if kind == "local" else request.getfixturevalue(
        "dask_executor")
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=_kill_first_worker_seen, args=(marks, killed, stop))
    killer.start()
    try:
        outcome, runs, table = _sweep(executor, tmp_path / "store",
                                      fn=functools.partial(slow_task, str(marks)))
    finally:
        stop.set()
        killer.join()
        if kind == "local":
            executor.close()
    assert killed, "no worker was killed"
    assert outcome.status == "complete" and not outcome.failures
    assert sorted(runs["point"]) == [0, 1, 2]  # each point exactly once
    assert runs["run_id"].is_unique and set(runs["status"]) == {"optimal"}
    lost = {m.name.split("-")[0] for m in marks.iterdir()
            if int(m.name.split("-")[1]) == killed[0]}
    again = {m.name.split("-")[0] for m in marks.iterdir()
             if int(m.name.split("-")[1]) != killed[0]}
    assert lost and lost <= again  # what the killed worker held ran again on another
    # the results are those of an undisturbed sweep (min cost: spend 20 at any budget ≥ 20)
    assert {i: row["total_cost"] for i, row in table.items()} == pytest.approx(
        dict.fromkeys(range(3), 20.0))


def test_the_frontier_chain_runs_as_one_dask_task(dask_executor):
    """The chain on a cluster worker gives the points of the chain in this process."""
    from sovopt.studies.frontier import FrontierSpec, frontier_points, frontier_task
    from sovopt.studies.tasks import pack_case

    case = two_capability_case()
    spec = FrontierSpec("exposure", 3)
    got: dict = {}
    dask_executor.run(frontier_task, pack_case(case), [spec],
                      lambda i, r, e: got.update(result=r, error=e))
    assert got["error"] is None
    here = frontier_points(case, spec)
    assert [p.report.summary["total_cost"] for p in got["result"]] == pytest.approx(
        [p.report.summary["total_cost"] for p in here])
    assert [p.extra["started"] for p in got["result"]] == [p.extra["started"] for p in here]


def sleepy(shared, seconds: float) -> float:
    """A task that only waits."""
    time.sleep(seconds)
    return seconds


def test_a_stopped_local_run_ends_at_once_and_reports_every_task_left() -> None:
    """``stop()`` turning true ends the run without waiting for the running tasks (the
    workers are stopped): the task done before it keeps its result, each other one is
    reported once as stopped, well before its 60 s would have passed."""
    executor = LocalExecutor(2)
    got: dict[int, tuple] = {}
    t0 = time.monotonic()
    try:
        executor.run(sleepy, None, [0.0, 60.0, 60.0],
                     lambda i, result, error: got.setdefault(i, (result, error)),
                     stop=lambda: 0 in got)
    finally:
        executor.close()
    assert time.monotonic() - t0 < 45
    assert got == {0: (0.0, None), 1: (None, "stopped"), 2: (None, "stopped")}
