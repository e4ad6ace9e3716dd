"""solve_case and the pipeline: statuses, levels, portfolio and the Report, by hand.

The case: one capability R with demand 10 in one year, budget 100; option CHEAP
from A at 1.0 a unit and option DEAR at home at 3.0. min_cost has the levels
unmet demand and cost; the optimum buys 10 CHEAP units: cost term = 10 / 100 = 0.1.
"""

from __future__ import annotations

import pytest

from sovopt.errors import EXIT_INFEASIBLE, EXIT_OK
from sovopt.outputs import SUMMARY_KEYS
from sovopt.pipeline import solve_and_report
from sovopt.solver import solve_case
from tests.checker import check_portfolio
from tests.model_cases import FIRST_YEAR, make_case, option


def cheap_and_dear(**kw):
    return make_case([option("CHEAP", "SA", 1.0), option("DEAR", "SH", 3.0)], **kw)


def test_min_cost_buys_the_cheap_option():
    case = cheap_and_dear()
    result = solve_case(case, "min_cost")
    assert result.status == "optimal" and result.exit_code == EXIT_OK
    assert [lv.name for lv in result.levels][-1] == "cost"
    assert result.levels[-1].value == pytest.approx(0.1, abs=1e-9)
    x = result.portfolio.deliveries.set_index(["option_id", "year"])["units"]
    assert x[("CHEAP", FIRST_YEAR)] == pytest.approx(10.0)
    assert check_portfolio(case, result.portfolio) == []


def test_a_budget_below_the_cheapest_plan_is_infeasible_and_diagnosed():
    """10 units cost at least 10 but the budget is 6: the diagnosis asks for 4 more."""
    result = solve_case(cheap_and_dear(budget=6.0), "min_cost")
    assert result.status == "infeasible" and result.exit_code == EXIT_INFEASIBLE
    budget = [r for r in result.diagnosis if r.family == "budget"]
    assert len(budget) == 1 and budget[0].needed == pytest.approx(10.0)


def test_solve_and_report_gives_the_summary_of_the_solve():
    outcome = solve_and_report(cheap_and_dear(), "min_cost", label="hand")
    s = outcome.report.summary
    assert list(s) == list(SUMMARY_KEYS)
    assert s["status"] == "optimal" and s["objective"] == "min_cost"
    assert s["total_cost"] == pytest.approx(10.0) and s["budget_total"] == 100.0
    assert s["local_share"] == pytest.approx(0.0)  # all bought from A
    assert outcome.report.run["label"] == "hand"
    assert outcome.metrics.violations == []
    assert set(outcome.timings) == {"evaluate", "report"}


def test_solve_and_report_of_an_infeasible_case_has_blank_kpis():
    outcome = solve_and_report(cheap_and_dear(budget=6.0), "min_cost")
    s = outcome.report.summary
    assert s["status"] == "infeasible" and outcome.metrics is None
    assert s["total_cost"] is None and s["mip_gap"] is None
    diagnostics = outcome.report.tables["diagnostics"]
    assert (diagnostics["severity"] == "infeasible").sum() == 1


def test_an_lp_after_long_runs_gets_its_own_time() -> None:
    """HiGHS counts an LP's time limit on the instance's clock, which adds up over
    every run: after a 1 s MIP a 0.5 s LP stops at once unless the limit counts
    from now (sovopt.highs.set_time_limit). The duals' LP re-solve after a solve
    that used its whole limit depends on it."""
    import highspy

    from sovopt.example import example_case
    from sovopt.highs import set_cost, set_time_limit, to_highs
    from sovopt.model import build_model
    from sovopt.prepare import prepare
    from sovopt.solver import level_cost

    d = prepare(example_case())
    m = build_model(d)
    hm = to_highs(m, m.term_names, {"mip_rel_gap": 0.0, "time_limit": 1.0,
                                    "random_seed": 0})
    set_cost(hm, level_cost(hm, {"exposure": 1.0, "hhi": 1.0})[0])
    h = hm.highs
    h.run()  # the exposure level at a zero gap takes longer than 1 s
    assert h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    h.setOptionValue("solve_relaxation", True)
    h.setOptionValue("time_limit", 0.5)
    h.clearSolver()
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit  # HiGHS's clock
    set_time_limit(h, 0.5, lp=True)
    h.clearSolver()
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal


def test_each_level_reports_its_cpu_time_beside_its_wall_time() -> None:
    """A level's share of the time limit is wall-clock; its CPU seconds show how much
    work that bought (well below the wall seconds on a busy machine). The process
    cannot use more than its cores' worth of CPU in that time."""
    import os

    from sovopt.example import example_case

    outcome = solve_and_report(example_case(), "min_cost")
    levels = outcome.report.tables["levels"]
    solved = levels[levels["value"].notna()]
    assert len(solved) and (solved["cpu_seconds"] > 0).all()
    assert (solved["cpu_seconds"] <= solved["seconds"] * (os.cpu_count() or 1) + 0.1).all()


def test_each_level_reports_the_time_it_was_given() -> None:
    """The Levels table shows each solved level's share of the time limit beside the
    time it took: the shares follow time_budget.level_share (the first optimised level
    may take half of what is left for the levels, so its share is at least half the
    limit less the time spent before it and the marginal values' share held back, and
    never more than the limit)."""
    from sovopt.example import example_case

    outcome = solve_and_report(example_case(), "min_dependence", time_limit=40)
    levels = outcome.report.tables["levels"]
    solved = levels[levels["value"].notna()]
    assert len(solved) == 3
    given = solved["seconds_given"].to_numpy(float)
    assert ((given > 0) & (given <= 40)).all()
    before = sum(v for k, v in outcome.result.timings.items()
                 if k in ("prepare", "build", "hand_off", "crash start"))
    duals = outcome.result.budget.duals()
    assert duals == 4.0  # a tenth of the limit
    assert given[0] >= (40 - before - duals) / 2 - 1.0
