"""A sweep counts honestly: a point without a plan is a failed point (exit 4), the case
as given is solved once, points the gaps cannot tell apart are marked, and a KPI that
goes up and down along a varied input is named."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sovopt.cli import main
from sovopt.executors import core_slots
from sovopt.report import Report
from sovopt.studies.record import StudyOutcome
from sovopt.studies.sweep import base_task, non_monotone, sweep_table, sweep_tasks
from sovopt.studies.tasks import PointResult
from sovopt.variation import parse_vary
from tests.study_cases import two_capability_case, write_two_capability_case


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_a_point_without_a_plan_is_a_failed_point_and_the_sweep_exits_4(
        tmp_path, capsys, isolated_run_store):
    """Least cost buys everything abroad for 20 (two_capability_case): at budget ×0.1
    (10) no plan meets demand, so that point is infeasible; ×1 (100) costs 20.
    Before: "complete: 2 of 2 points solved", exit 0."""
    case_path = write_two_capability_case(tmp_path)
    code, stdout, err = run(["sweep", str(case_path), "--vary", "budget=0.1,1",
                             "--workers", "1", "--out", str(tmp_path / "s.xlsx"), "--json"],
                            capsys)
    assert code == 4, err
    doc = json.loads(stdout)
    statuses = {p["budget (×)"]: p["status"] for p in doc["points"]}
    assert statuses == {0.1: "infeasible", 1.0: "optimal"}
    assert "1 of 2 points solved, 1 without a plan" in err
    assert "2 of 2 points solved" not in err
    assert "sweep: 1/2 points (1 without a plan)" in err or \
        "sweep: 2/2 points (1 without a plan)" in err
    cost = {p["budget (×)"]: p["total_cost"] for p in doc["points"]}
    assert cost[1.0] == pytest.approx(20.0)


def test_the_case_as_given_is_solved_once_when_the_grid_holds_it():
    case = two_capability_case()
    scaled = parse_vary("budget=0.95,1.0,1.05", case)
    tasks = sweep_tasks([scaled], case=case)
    assert [t.label for t in tasks] == ["budget×0.95", "budget×1 (the case as given)",
                                        "budget×1.05"]
    assert [t.index for t in tasks] == [0, 1, 2] and base_task(tasks).index == 1
    # a cell set to the value it holds (budget 2027 is 100) is the case as given too
    cell = parse_vary("budget:2027.budget=90,100", case)
    tasks = sweep_tasks([cell], case=case)
    assert len(tasks) == 2 and base_task(tasks).changes[0].value == 100.0
    # a grid without it gets the base as point 0
    tasks = sweep_tasks([parse_vary("budget=0.5,0.75", case)], case=case)
    assert [t.label for t in tasks] == ["base", "budget×0.5", "budget×0.75"]


def _report(cost: float, value: float, bound: float, status: str = "time_limit") -> Report:
    """A min-cost run whose cost level ended at ``value`` with ``bound`` proven (in the
    level's units, cost over the budget: the KPI scales alike)."""
    levels = pd.DataFrame([{"level": 1, "name": "cost", "status": status, "value": value,
                            "bound": bound, "gap": (value - bound) / value}])
    return Report(summary={"status": status, "total_cost": cost,
                           "mip_gap": (value - bound) / value},
                  tables={"levels": levels},
                  run={"preset": {"levels": [{"name": "cost", "terms": {"cost": 1.0}}]}})


def test_points_whose_proven_bands_overlap_are_not_distinguishable():
    """Point 0 costs 100 with at least 80 proven (value 0.5, bound 0.4 of a 200 budget);
    point 1 costs 90, proven optimal: 90 lies in [80, 100], so neither can be said
    cheaper. Point 2 costs 70, proven: below 80, told apart from both."""
    case = two_capability_case()
    vary = parse_vary("budget=1,2,3", case)
    tasks = sweep_tasks([vary], case=case)
    outcome = StudyOutcome("g", "complete", total=3)
    for i, rep in enumerate([_report(100, 0.5, 0.4), _report(90, 0.45, 0.45, "optimal"),
                             _report(70, 0.35, 0.35, "optimal")]):
        outcome.points[i] = PointResult(i, rep, 1.0)
    table = sweep_table([vary], tasks, outcome)
    assert table["distinguishable"].tolist() == [
        "not distinguishable from point 1", "not distinguishable from point 0", ""]
    assert outcome.count_text() == "3 of 3 points solved; 2 proven optimal"


def test_a_kpi_that_goes_up_and_down_along_an_input_is_named():
    case = two_capability_case()
    vary = parse_vary("budget=0.95,1,1.05", case)
    table = pd.DataFrame({"point": [0, 1, 2], "budget (×)": [0.95, 1.0, 1.05],
                          "status": ["time_limit"] * 3, "total_cost": [10.0, 11.0, 12.0],
                          "hhi_mean": [0.41, 0.40, 0.43]})
    for k in ("local_share", "exposure", "expected_shortfall", "worst_case_shortfall",
              "cvar", "unmet_units"):
        table[k] = 0.0
    found = non_monotone([vary], table)
    assert len(found) == 1
    assert found[0].startswith("Import concentration (HHI), mean is not monotone in "
                               "budget (×): 0.41 at 0.95, 0.4 at 1, 0.43 at 1.05")


def test_never_more_solves_at_once_than_cores_each_on_its_own():
    import os

    cores = sorted(os.sched_getaffinity(0))
    for asked in (1, len(cores), 4 * len(cores)):
        slots = core_slots(asked)
        assert len(slots) == min(asked, len(cores))
        flat = [c for s in slots for c in s]
        assert len(flat) == len(set(flat)) and set(flat) <= set(cores)
        assert all(len(s) == len(cores) // len(slots) for s in slots)


def cores_of_worker(shared, task):
    """A task that reports the cores its worker may run on, after a pause long enough
    that every task gets a worker of its own."""
    import os
    import time

    time.sleep(0.3)
    return os.getpid(), tuple(sorted(os.sched_getaffinity(0)))


def test_a_pinned_local_pool_gives_each_worker_its_own_cores():
    import os

    from sovopt.executors import LocalExecutor

    cores = sorted(os.sched_getaffinity(0))
    ex = LocalExecutor(4 * len(cores), pin=True)
    got: dict[int, tuple] = {}
    try:
        assert ex.workers == len(cores)
        ex.run(cores_of_worker, None, list(range(len(cores))),
               lambda i, r, e: got.update({i: r}))
    finally:
        ex.close()
    by_pid = {pid: seen for pid, seen in got.values()}
    seen = [c for s in by_pid.values() for c in s]
    assert len(seen) == len(set(seen))  # no two workers share a core
    assert all(len(s) == 1 for s in by_pid.values()) or len(cores) == 1
