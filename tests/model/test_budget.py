"""Known answers for the budget constraint family
(sovopt/model/constraints/budget.py).

(How these tests are built: tests/model/__init__.py.)
"""

from __future__ import annotations

import pytest

from tests.model_cases import (
    covers,
    feasible,
    level_value,
    make_case,
    objective,
    option,
    preset,
    scenario,
    solve,
    starts,
    supplier,
    totals,
    units,
)


def _embargo_case(budget: list[float]):
    """dom (SH) 2/unit vs buy (SA) 1/unit, A embargoed (loss 1, p 0.2); 10 a year."""
    return make_case([option("dom", "SH", 2), option("buy", "SA", 1)],
                     years=[2027, 2028], budget=budget,
                     scenarios=[scenario("emb", "A", 1.0, 0.2)])


@covers("budget")
def test_budget_forces_the_cheaper_riskier_option_in_one_year() -> None:
    """min_dependence wants dom everywhere; 2028's budget of 15 does not allow it.

    2027: dom 10 costs 20 ≤ 20. 2028: 2·dom + (10 − dom) = 10 + dom ≤ 15, so
    dom ≤ 5 and buy ≥ 5. Scenario loss = (0/10 + 5/10)/2 = 0.25; with
    π = 0.2 ≥ 1 − β = 0.1 the CVaR is the loss itself: level value
    0.25 + 0.1·0.25 = 0.275. Concentration: A's share 0.5 in 2028 (h = 0.25,
    exact at a breakpoint), 0 in 2027: mean 0.125. Cost (20 + 15)/35 = 1.
    """
    case = _embargo_case([20, 15])
    r = solve(case, "min_dependence")
    feasible(case, r)
    assert level_value(r, "scenario risk") == pytest.approx(0.275, abs=1e-9)
    assert level_value(r, "exposure and concentration") == pytest.approx(0.125, abs=1e-9)
    assert objective(r) == pytest.approx(1.0, abs=1e-9)
    assert units(r) == {("dom", 2027): 10, ("dom", 2028): 5, ("buy", 2028): 5}
    # marginal value of budget for the scenario level (binaries fixed, LP): one
    # more unit in 2028 buys one dom instead of one buy: loss falls by 1/10/2, the
    # level by 1.1·0.05 = 0.055; 2027's budget is not binding
    duals = r.duals.set_index(["constraint", "year"])["marginal_value"]
    assert duals[("budget", 2028)] == pytest.approx(0.055, abs=1e-9)
    assert duals[("budget", 2027)] == pytest.approx(0.0, abs=1e-9)
    # with the budget switched off the safe option is used throughout
    off = solve(case, preset([{"cvar": 1, "worst_case": 0.1}, {"cost": 1}],
                             switch_off=["budget"]))
    assert off.levels[1].value == pytest.approx(0.0, abs=1e-9)
    assert totals(off) == {"dom": 20}


@pytest.mark.parametrize(("budget_2028", "expected_cost", "dom_start"), [
    (5.0, 30.0, None),  # fixed cost 10 fits in no year before 2029: buy 10·3 = 30
    (10.0, 20.0, 2028),  # start dom in 2028 (10 ≤ 10), deliver 2029: 10 + 10·1 = 20
])
@covers("budget")
def test_budget_pays_fixed_cost_in_the_start_year(budget_2028: float, expected_cost: float,
                                                  dom_start: int | None) -> None:
    """Fixed costs fall in the start year, so a tight early budget rules a start out.

    Years 2027–29, demand 0, 0, 10. dom (SH) 1/unit, fixed 10, lead time 1
    (start by 2028); buy (SA) 3/unit. Budget 5, budget_2028, 100.
    """
    budget = [5.0, budget_2028, 100.0]
    case = make_case([option("dom", "SH", 1, fixed_cost=10.0, lead_time_years=1),
                      option("buy", "SA", 3)],
                     years=[2027, 2028, 2029], demand={"R": [0, 0, 10]}, budget=budget)
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(expected_cost / sum(budget), abs=1e-9)
    assert starts(r).get("dom") == dom_start


@pytest.mark.parametrize(("budget_2027", "expected_cost", "engaged"), [
    (5.0, 30.0, "SB"),  # SA's activation 10 > 5 in 2027: SB at 3/unit, 30
    (10.0, 20.0, "SA"),  # 10 ≤ 10: SA, 10 + 10·1 = 20
])
@covers("budget")
def test_budget_pays_activation_in_the_first_year(budget_2027: float, expected_cost: float,
                                                  engaged: str) -> None:
    """Activation is paid in the first year even when deliveries come later.

    Years 2027–28, demand 0 then 10. SA costs 10 to engage, 1/unit; SB is free
    to engage, 3/unit. Budget budget_2027, 100.
    """
    budget = [budget_2027, 100.0]
    case = make_case([option("a", "SA", 1), option("b", "SB", 3)],
                     years=[2027, 2028], demand={"R": [0, 10]}, budget=budget,
                     suppliers=[supplier("A", "SA", 10.0), supplier("B", "SB"),
                                supplier("H", "SH")])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(expected_cost / sum(budget), abs=1e-9)
    assert {case.options.set_index("option_id").loc[o, "supplier_id"]
            for o in starts(r)} == {engaged}
