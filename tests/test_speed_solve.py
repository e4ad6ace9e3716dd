"""The speed work inside the solve: a given start, per-level gaps, relax-and-fix.

Known answers: the example's cheapest plan (min_cost) and its scenario-risk
optimum, each solved to a zero gap by the plain MIP in the test (the contract's
literal formulation proves the same scenario optimum: tests/test_bench.py).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import sovopt.level_methods
import sovopt.solver as solve_module
from sovopt.example import example_case
from sovopt.portfolio import Portfolio
from sovopt.presets import load_preset
from sovopt.solver import solve_case
from tests.checker import check_portfolio

#: min_dependence cut after its scenario-risk level (unmet demand, then scenario risk)
SCENARIO_ONLY = replace(load_preset("min_dependence"),
                        levels=load_preset("min_dependence").levels[:2])


@pytest.fixture(scope="module")
def cheapest():
    result = solve_case(example_case(), "min_cost", gap=0.0, time_limit=60)
    assert result.status == "optimal"
    return result


def test_an_earlier_plan_as_start_is_completed_and_kept_optimal(cheapest) -> None:
    result = solve_case(example_case(), "min_cost", gap=0.0, time_limit=60,
                        start=cheapest.portfolio)
    assert result.status == "optimal"
    assert any("given start was used" in n and "start completed" in n for n in result.notes)
    assert result.term_values["cost"] == pytest.approx(cheapest.term_values["cost"], rel=1e-9)
    assert check_portfolio(example_case(), result.portfolio) == []


def test_an_empty_plan_as_start_is_repaired_to_a_feasible_one(cheapest) -> None:
    result = solve_case(example_case(), "min_cost", gap=0.0, time_limit=60,
                        start=Portfolio.empty())
    assert result.status == "optimal"
    assert any("given start was used" in n and "start repaired" in n for n in result.notes)
    assert result.term_values["cost"] == pytest.approx(cheapest.term_values["cost"], rel=1e-9)


def test_each_level_reaches_highs_with_its_own_absolute_gap(monkeypatch) -> None:
    """The preset's gap in the level's units over the level's cost scale is what HiGHS
    gets as mip_abs_gap (never below HiGHS's default 1e-6)."""
    seen = []
    real = solve_module._Solve._level_gaps

    def spy(self, level, scale):
        real(self, level, scale)
        seen.append((level.name, level.stop_gap / scale,
                     self.hm.highs.getOptionValue("mip_abs_gap")[1]))

    monkeypatch.setattr(solve_module._Solve, "_level_gaps", spy)
    solve_case(example_case(), "min_dependence", gap=0.01, time_limit=15)  # options only
    names = [name for name, _, _ in seen]
    assert names == ["scenario risk", "exposure and concentration", "cost"]
    for _, wanted, got in seen:
        assert got == pytest.approx(max(wanted, 1e-6))
    seen.clear()  # a zero gap asks for proof: HiGHS's own absolute gap
    solve_case(example_case(), SCENARIO_ONLY, gap=0.0, time_limit=60)
    assert [got for _, _, got in seen] == [1e-6]


def test_relax_and_fix_on_the_scenario_level_keeps_its_optimum(monkeypatch) -> None:
    """With the size threshold lowered to 0, the example's scenario-risk level goes
    through relax-and-fix first; the level ends within 1 % of the known optimum
    with a bound no higher than it.

    The optimum is the plain MIP's at a zero gap (0.06428, the golden value of
    tests/test_golden.py). Two verified solutions may differ by HiGHS's feasibility
    tolerance (1e-6 per row, over the scenario rows): 1e-5 of weighted demand,
    twenty times below the level's default absolute gap, is allowed below it."""
    exact = solve_case(example_case(), SCENARIO_ONLY, gap=0.0, time_limit=120)
    optimum = next(lv for lv in exact.levels if lv.name == "scenario risk").value
    monkeypatch.setattr(sovopt.level_methods, "RF_MIN_INTEGERS", 0)
    result = solve_case(example_case(), SCENARIO_ONLY, gap=0.01, time_limit=120)
    level = next(lv for lv in result.levels if lv.name == "scenario risk")
    assert level.value is not None
    assert optimum - 1e-5 <= level.value <= optimum * 1.01 + 1e-6
    assert level.bound is not None and level.bound <= optimum + 1e-6
    assert not any("relax-and-fix found no portfolio" in n for n in result.notes)
    assert check_portfolio(example_case(), result.portfolio) == []


def test_relax_and_fix_without_a_first_window_bound_leaves_the_levels_bound() -> None:
    """Window 1 stopped by its time before HiGHS had a dual bound: relax-and-fix's
    bound is then -inf, which says nothing, so the level keeps its own bound (here
    none, and no gap) instead of reporting an infinite gap; a value that is
    relax-and-fix's own still names it as the method."""
    from types import SimpleNamespace

    from sovopt.heuristics.relax_and_fix import RelaxFixResult
    from sovopt.level import BOUND_RELAX_AND_FIX
    from sovopt.solver import LevelResult, LevelSolver, _Solve

    level = LevelResult("scenario risk", {"cvar": 1.0}, "time_limit", value=0.5,
                        method="MIP from relax-and-fix")
    found = RelaxFixResult(values=None, objective=0.25, bound=float("-inf"), windows=[])
    solver = SimpleNamespace(within_gap=lambda v, b: False)
    solver.take_bound = lambda lv, bound, source: LevelSolver.take_bound(solver, lv, bound,
                                                                         source)
    host = SimpleNamespace(solver=solver)
    _Solve._with_relax_and_fix(host, level, found, scale=2.0)
    assert (level.bound, level.gap, level.status) == (None, None, "time_limit")
    assert level.method == "relax-and-fix" and level.bound_from == ""

    found = RelaxFixResult(values=None, objective=0.25, bound=0.2, windows=[])
    _Solve._with_relax_and_fix(host, level, found, scale=2.0)
    assert level.bound == pytest.approx(0.4) and level.gap == pytest.approx(0.2)
    assert level.bound_from == BOUND_RELAX_AND_FIX


def test_a_level_starts_from_the_cheapest_plan_it_knows_not_the_latest() -> None:
    """Relax-and-fix's plan and the level's start, on cost (1, 2): (1, 1) costs 3 and
    (2, 0) costs 2. The cheaper goes to HiGHS whichever came first; on a tie the
    first listed; a missing plan is passed over, and with none the last name stays."""
    from sovopt.level import cheapest_plan

    cost = np.array([1.0, 2.0])
    relaxed, start = np.array([1.0, 1.0]), np.array([2.0, 0.0])
    values, method = cheapest_plan(cost, [(relaxed, "relax-and-fix"), (start, "the start")])
    assert method == "the start" and list(values) == [2.0, 0.0]
    values, method = cheapest_plan(cost, [(start, "relax-and-fix"), (relaxed, "the start")])
    assert method == "relax-and-fix"
    assert cheapest_plan(cost, [(start, "relax-and-fix"), (start.copy(), "the start")]
                         )[1] == "relax-and-fix"
    assert cheapest_plan(cost, [(None, "relax-and-fix"), (relaxed, "the start")]
                         )[1] == "the start"
    assert cheapest_plan(cost, [(None, "relax-and-fix"), (None, "the start")]) == (
        None, "the start")
