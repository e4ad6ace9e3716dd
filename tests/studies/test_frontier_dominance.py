"""A frontier no point of which is dominated: the ε grid lies between the ends'
measured values, every point keeps its bound, cost does not rise as the bound
loosens, and a point that a known plan beats takes that plan and says so."""

from __future__ import annotations

import pandas as pd
import pytest

from sovopt.report import Report
from sovopt.studies.frontier import FrontierSpec, frontier_points, take_dominating
from sovopt.studies.tasks import PointResult
from sovopt.workbook.case_reader import read_case
from tests.paths import EXAMPLE


def _point(index: int, role: str, level: float | None, measure: float,
           cost: float) -> PointResult:
    report = Report(summary={"status": "optimal", "total_cost": cost},
                    tables={"portfolio": pd.DataFrame()}, run={})
    return PointResult(index, report, 0.0, extra={
        "role": role, "level": level, "measure": measure, "started": [f"plan{index}"],
        "cost_bound": cost, "violations": 0})


def test_a_point_beaten_by_a_known_plan_takes_it_and_says_so():
    """Level 1 (bound 0.09) found a plan of measure 0.085 for 70, but level 2's plan
    (measure 0.06, cost 60) keeps 0.09 too and is cheaper: level 1 takes it. The
    least-dependence end (0.02, 100) is beaten by nothing that keeps 0.02; the
    least-cost end (0.10, 50) by nothing cheaper."""
    points = [_point(0, "least cost", None, 0.10, 50.0),
              _point(1, "level 1", 0.09, 0.085, 70.0),
              _point(2, "level 2", 0.06, 0.06, 60.0),
              _point(3, "least exposure", None, 0.02, 100.0)]
    out = take_dominating(points)
    assert [p.report.summary["total_cost"] for p in out] == [50.0, 60.0, 60.0, 100.0]
    assert [p.extra["measure"] for p in out] == [0.10, 0.06, 0.06, 0.02]
    assert out[1].extra["role"] == "level 1" and out[1].extra["level"] == 0.09
    assert out[1].extra["took"].startswith("took the plan of level 2 (point 2)")
    assert out[1].extra["cost_bound"] == 70.0  # its own proof is kept
    assert out[0] is points[0] and out[2] is points[2] and out[3] is points[3]


def _assert_undominated(points: list[PointResult]) -> None:
    cost = [float(p.report.summary["total_cost"]) for p in points]
    measure = [p.extra["measure"] for p in points]
    tol = 1e-6
    # least cost first: measure falls and cost does not fall, point by point
    for i in range(len(points) - 1):
        assert measure[i + 1] <= measure[i] + tol, (i, measure)
        assert cost[i + 1] >= cost[i] - tol * cost[i], (i, cost)
    for i, p in enumerate(points):
        if p.extra["level"] is not None:
            assert measure[i] <= p.extra["level"] + 1e-7
        for j in range(len(points)):
            dominated = (measure[j] <= measure[i] + 1e-9 and cost[j] < cost[i] - tol * cost[i])
            assert not dominated, (i, j, measure, cost)
        band = p.extra["cost_bound"]
        assert band is None or band <= cost[i] + 1e-6


@pytest.mark.slow
def test_the_examples_frontier_of_six_points_is_not_dominated_at_a_short_limit():
    """At 12 s for all six points the least-cost end is often not proven (the defect
    showed it at 73 %): whatever each point reaches, the frontier must not be
    dominated, and its levels lie evenly between the ends' measured values."""
    case, _ = read_case(EXAMPLE)
    points = frontier_points(case, FrontierSpec("cvar", 6, time_limit=12.0))
    assert len(points) == 6 and all(p.report.summary["total_cost"] for p in points)
    _assert_undominated(points)
    levels = [p.extra["level"] for p in points[1:-1]]
    step = (levels[0] - levels[-1]) / 3
    assert step > 0 and levels == pytest.approx([levels[0] - k * step for k in range(4)],
                                                abs=1e-9)
    if not any(p.extra.get("took") for p in (points[0], points[-1])):
        # the grid lies between the ends' measured values, in the measure's own units
        top, low = points[0].extra["measure"], points[-1].extra["measure"]
        assert levels[0] == pytest.approx(top - (top - low) / 5, abs=1e-9)
        assert levels[-1] == pytest.approx(low + (top - low) / 5, abs=1e-9)
