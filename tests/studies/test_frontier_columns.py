"""A frontier that runs column generation on one pool: the same hand-worked points,
bounds never above them, and fewer columns priced than with a fresh pool per point.

Column generation runs on models of 2,000 integer columns or more
(:data:`sovopt.level_methods.POOLED_COLUMNS_MIN_INTEGERS`); here the threshold is
lowered so that the hand case of tests/study_cases.py (frontier worked there) runs it.
"""

from __future__ import annotations

import pytest

from sovopt import level_methods
from sovopt.decompose.pool import ColumnPool
from sovopt.decompose.reuse import PooledColumns
from sovopt.level import BOUND_SOURCES
from sovopt.studies import frontier
from sovopt.studies.frontier import FrontierSpec, frontier_points, frontier_table
from tests.study_cases import FRONTIER_6, two_capability_case


class FreshPoolEachRun(PooledColumns):
    """The same column generation without reuse: every run starts an empty pool."""

    def run(self, *args, **kwargs):
        self.pool = ColumnPool()
        return super().run(*args, **kwargs)


@pytest.fixture
def pooled(monkeypatch):
    monkeypatch.setattr(level_methods, "POOLED_COLUMNS_MIN_INTEGERS", 0)


def test_pooled_frontier_keeps_the_hand_worked_points(pooled):
    points = frontier_points(two_capability_case(), FrontierSpec("exposure", 6))
    table = frontier_table(points, {})
    expected = sorted(FRONTIER_6, reverse=True)  # least cost first
    assert table["measure"].tolist() == pytest.approx([m for m, _ in expected], abs=1e-9)
    assert table["cost"].tolist() == pytest.approx([c for _, c in expected], rel=1e-9)
    assert set(table["status"]) == {"optimal"}
    for p, (_, cost) in zip(points, expected, strict=True):
        assert p.extra["violations"] == 0
        # the proven band: the lowest cost proven possible is never above the optimum
        assert p.extra["cost_bound"] <= cost * (1 + 1e-7)
        assert p.extra["cost_bound"] == pytest.approx(cost, rel=1e-6)
        assert p.extra["bound_from"] in BOUND_SOURCES
        assert p.extra["pool_size"] >= 2  # a plan of each capability at least


def test_the_pool_saves_columns_across_points(pooled, monkeypatch):
    """Priced columns per point with one pool against a fresh pool per run: no point
    after the first prices more, and the whole frontier prices fewer (each
    capability's few extreme plans are found once)."""
    shared = frontier_points(two_capability_case(), FrontierSpec("exposure", 6))
    monkeypatch.setattr(frontier, "PooledColumns", FreshPoolEachRun)
    fresh = frontier_points(two_capability_case(), FrontierSpec("exposure", 6))
    per_point = [p.extra["columns_priced"] for p in shared]
    without = [p.extra["columns_priced"] for p in fresh]
    assert per_point[0] > 0
    assert all(a <= b for a, b in zip(per_point[1:], without[1:], strict=True))
    assert sum(per_point) < sum(without)
    # the pool only grows, and ends holding every column priced
    assert max(p.extra["pool_size"] for p in shared) >= sum(per_point)
    # the same frontier either way
    assert [p.report.summary["total_cost"] for p in shared] == pytest.approx(
        [p.report.summary["total_cost"] for p in fresh], rel=1e-9)


def test_small_models_leave_the_frontier_to_highs():
    """Below the threshold there is no pool: no column counts on the points."""
    points = frontier_points(two_capability_case(), FrontierSpec("exposure", 3))
    assert all("columns_priced" not in p.extra for p in points)
    assert {p.extra["bound_from"] for p in points} == {"HiGHS"}
