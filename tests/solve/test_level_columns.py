"""Column generation by capability inside a solve: the same optima, valid bounds, one
pool across the levels.

A solve runs it, on the solve's one column pool, before the MIP of a level whose terms
are in :data:`sovopt.level_methods.LEVEL_COLUMNS_TERMS` on a model of
:data:`sovopt.level_methods.POOLED_COLUMNS_MIN_INTEGERS` integer columns or more. The
threshold is lowered here so that small cases with known optima run it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sovopt import level_methods, solver
from sovopt.decompose.reuse import PooledColumns
from sovopt.level import BOUND_SOURCES
from sovopt.solver import solve_case
from tests.checker import check_portfolio
from tests.decompose.test_colgen import hand_case
from tests.random_cases import random_case


@pytest.fixture
def every_level(monkeypatch):
    """Column generation before every level of every model; the runs are recorded."""
    runs: list[PooledColumns] = []

    class Recorded(PooledColumns):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            runs.append(self)

    monkeypatch.setattr(level_methods, "POOLED_COLUMNS_MIN_INTEGERS", 0)
    monkeypatch.setattr(level_methods, "LEVEL_COLUMNS_TERMS",
                        frozenset({"cost", "unmet", "cvar", "worst_case", "exposure", "hhi",
                                   "expected_shortfall"}))
    monkeypatch.setattr(solver, "PooledColumns", Recorded)
    return runs


def test_the_hand_case_cost_level_with_columns(every_level) -> None:
    """SA's capacity of 12 links R and Q: the least cost is 28 of a budget of 100
    (tests/decompose/test_colgen.py works it), whatever found the plan or the bound."""
    result = solve_case(hand_case(12.0), "min_cost", 60)
    cost = next(lv for lv in result.levels if lv.terms == {"cost": 1.0})
    assert result.status == "optimal"
    assert cost.value == pytest.approx(0.28, abs=1e-9)
    assert cost.bound <= cost.value + 1e-12
    assert cost.bound_from in BOUND_SOURCES
    assert check_portfolio(hand_case(12.0), result.portfolio) == []
    (pooled,) = every_level
    assert [run.name for run in pooled.history] == ["cost"]  # unmet demand: nothing to price


@pytest.mark.parametrize("seed", [0, 2, 10, 21])
def test_random_cases_give_the_same_optima_with_columns(seed: int, every_level,
                                                        monkeypatch) -> None:
    """Every level of min_dependence, proven optimal with column generation before
    each and without: the same values (optima can tie, plans may differ), every plan
    keeps every limit, and the one pool only grows from level to level."""
    case = random_case(np.random.default_rng(seed))
    with_columns = solve_case(case, "min_dependence", 60, gap=0.0)
    monkeypatch.setattr(level_methods, "POOLED_COLUMNS_MIN_INTEGERS", 10**12)
    alone = solve_case(case, "min_dependence", 60, gap=0.0)
    assert with_columns.status == alone.status == "optimal"
    for a, b in zip(with_columns.levels, alone.levels, strict=True):
        if a.value is None:
            assert b.value is None
            continue
        assert a.value == pytest.approx(b.value, rel=1e-6, abs=1e-9), a.name
        assert a.bound <= a.value + 1e-9 * max(1.0, abs(a.value))
    assert check_portfolio(case, with_columns.portfolio) == []
    (pooled,) = every_level
    sizes = [run.pool_size for run in pooled.history]
    assert sizes == sorted(sizes) and len(sizes) >= 2
