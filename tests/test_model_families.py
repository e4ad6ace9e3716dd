"""Known answers, one small case per constraint family (docs/FORMULATION.md).

In each case the family under test is what decides the answer: the expected
objective is worked out by hand in the test (arithmetic in the comments), the
decisive quantities (which options start, when, how many units) are asserted,
and the portfolio passes the independent checker. Where a family can be
switched off, the same case without it is solved too, to show that the family
is what made the difference.

Objective values: ``cost`` = Σ_t spend[t] / Σ_t B[t]; every case's budget is
100 a year unless stated. Tests are registered with :func:`covers`, and
:func:`test_every_family_has_a_test` fails when a family of
``sovopt.model.constraints.FAMILIES`` has none.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sovopt.model.constraints import FAMILIES
from sovopt.portfolio import Portfolio
from sovopt.prepare import prepare
from sovopt.solve import SolveResult
from tests.checker import check_portfolio, value_origin
from tests.model_cases import (
    countries,
    covered_families,
    covers,
    input_row,
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


def feasible(case, result: SolveResult) -> None:
    """The solve is optimal and the independent checker finds nothing wrong."""
    assert result.status == "optimal", (result.status, result.diagnosis)
    assert check_portfolio(case, result.portfolio) == []


MIN_COST_WITHOUT = {fam: preset([{"cost": 1}], switch_off=[fam])
                    for fam in ("min_order", "supplier_capacity", "budget", "localization",
                                "country_share", "dual_sourcing")}


def test_every_family_has_a_test() -> None:
    """Every constraint family of the model has a known-answer test, and no more
    (those of the sustainment families in tests/test_sustainment.py)."""
    covered = covered_families()
    assert sorted(set(FAMILIES) - set(covered)) == []
    assert sorted(set(covered) - set(FAMILIES)) == []


# ---------------------------------------------------------------- 1. demand


@covers("demand")
def test_demand_is_met_exactly_each_year() -> None:
    """Two capabilities, two years; each year's demand is delivered exactly.

    R1 demand 4, 6; R2 demand 0, 2. Cheapest: a1 (3/unit) for R1, a2 (5/unit)
    for R2 over b1 (4) and b2 (6). cost = 3·(4+6) + 5·2 = 40; 40/200 = 0.2.
    """
    case = make_case(
        [option("a1", "SA", 3, "R1"), option("b1", "SB", 4, "R1"),
         option("a2", "SA", 5, "R2"), option("b2", "SB", 6, "R2")],
        years=[2027, 2028], demand={"R1": [4, 6], "R2": [0, 2]})
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.2, abs=1e-9)
    assert units(r) == {("a1", 2027): 4, ("a1", 2028): 6, ("a2", 2028): 2}


@covers("demand")
def test_demand_with_nothing_to_buy_costs_nothing() -> None:
    """No demand at all: the empty portfolio is optimal (exit 0) and costs nothing.

    Regression: the model then has no columns, and solve_case used to report
    status no_solution (exit 4).
    """
    case = make_case([option("a", "SA", 1)], demand={"R": 0})
    r = solve(case)
    assert r.exit_code == 0
    feasible(case, r)
    assert r.term_values.get("cost", 0.0) == pytest.approx(0.0, abs=1e-12)
    assert units(r) == {} and starts(r) == {}


# ---------------------------------------------------------------- 2. one_start


@covers("one_start")
def test_one_start_mandatory_option_is_started_once() -> None:
    """A mandatory, dearer option with a lead time and a minimum order is started.

    Years 2027–28, demand 10 a year. cheap (SA) 1/unit; mand (SH) 2/unit,
    fixed 5, lead time 1, min_total_qty 3, mandatory. mand must start in 2027
    (the only start that leaves a delivery year) and deliver 3 in 2028:
    cost = 5 + 3·2 + (10 + 7)·1 = 28; 28/200 = 0.14.
    """
    case = make_case(
        [option("cheap", "SA", 1),
         option("mand", "SH", 2, fixed_cost=5.0, lead_time_years=1, min_total_qty=3.0,
                mandatory=True)],
        years=[2027, 2028])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(28 / 200, abs=1e-9)
    assert starts(r)["mand"] == 2027
    assert units(r) == {("cheap", 2027): 10, ("cheap", 2028): 7, ("mand", 2028): 3}


@covers("one_start")
def test_one_start_optional_option_is_left_alone() -> None:
    """The same case without mandatory: mand is not started, cost 20/200 = 0.1."""
    case = make_case(
        [option("cheap", "SA", 1),
         option("mand", "SH", 2, fixed_cost=5.0, lead_time_years=1, min_total_qty=3.0)],
        years=[2027, 2028])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.1, abs=1e-9)
    assert set(starts(r)) == {"cheap"}


@covers("one_start")
def test_one_start_mandatory_without_deliverable_year_is_not_dropped() -> None:
    """A mandatory option whose capability has no demand once it could deliver.

    Years 2027–28, demand 10 then 0; mand has lead time 1, so it could start
    in 2027 and deliver only in 2028, when nothing is needed. The delivery_window family
    says Σ_t start = 1: either the portfolio starts it (paying its fixed cost
    5: cost (10 + 5)/200 = 0.075) or the case is reported infeasible naming
    the option. Regression: prepare used to drop the option's start years, so
    the requirement vanished silently (cost 0.05, mand not started).
    """
    case = make_case(
        [option("cheap", "SA", 1),
         option("mand", "SH", 2, fixed_cost=5.0, lead_time_years=1, mandatory=True)],
        years=[2027, 2028], demand={"R": [10, 0]})
    r = solve(case)
    if r.status == "infeasible":
        assert any("mand" in rel.message for rel in r.diagnosis)
    else:
        feasible(case, r)
        assert objective(r) == pytest.approx(15 / 200, abs=1e-9)


@covers("one_start")
def test_one_start_mandatory_with_min_order_and_nothing_to_deliver_is_infeasible() -> None:
    """The same mandatory option with min_total_qty 3: it must start but cannot deliver.

    Σ_t x = 0 ≥ 3·1 is impossible: the case is infeasible and the diagnosis
    names the mandatory option (exit 3).
    """
    case = make_case(
        [option("cheap", "SA", 1),
         option("mand", "SH", 2, fixed_cost=5.0, lead_time_years=1, mandatory=True,
                min_total_qty=3.0)],
        years=[2027, 2028], demand={"R": [10, 0]})
    r = solve(case)
    assert r.exit_code == 3
    assert any("mand" in rel.message for rel in r.diagnosis)


# ---------------------------------------------------------------- 3. delivery_window


@covers("delivery_window")
def test_delivery_window_lead_time_forces_the_dearer_option_early() -> None:
    """Lead times decide which option serves which year.

    Years 2027–29, demand 0, 5, 5. dom (SH) 1/unit, lead 2: first delivery
    2029 if started in 2027 (its only start year). lic (SB, license) 2/unit,
    lead 1, available_from 2028: first delivery 2029. buy (SA) 3/unit, lead 0.
    2028 can only come from buy: 5·3 = 15; 2029 from dom: 5·1 = 5.
    cost = 20; 20/300.
    """
    case = make_case(
        [option("dom", "SH", 1, lead_time_years=2),
         option("lic", "SB", 2, mode="license", local_content=0.5, lead_time_years=1,
                available_from=2028),
         option("buy", "SA", 3)],
        years=[2027, 2028, 2029], demand={"R": [0, 5, 5]})
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(20 / 300, abs=1e-9)
    assert starts(r)["dom"] == 2027
    assert "lic" not in starts(r)
    assert units(r) == {("buy", 2028): 5, ("dom", 2029): 5}


@covers("delivery_window")
def test_delivery_window_caps_units_per_year() -> None:
    """max_qty_per_year 4 on the cheap option: 4·1 + 6·3 = 22; 22/100."""
    case = make_case([option("cheap", "SA", 1, max_qty_per_year=4.0),
                      option("dear", "SB", 3)])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.22, abs=1e-9)
    assert units(r) == {("cheap", 2027): 4, ("dear", 2027): 6}


@covers("delivery_window")
def test_delivery_window_available_from_and_default_cap() -> None:
    """available_from 2028 keeps the cheap option out of 2027; blank cap = peak demand.

    Demand 3, 8. cheap (SA) 1/unit from 2028 with no yearly cap (so up to the
    capability's largest demand, 8); dear (SB) 2/unit. cost = 3·2 + 8·1 = 14;
    14/200 = 0.07.
    """
    case = make_case([option("cheap", "SA", 1, available_from=2028),
                      option("dear", "SB", 2)],
                     years=[2027, 2028], demand={"R": [3, 8]})
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.07, abs=1e-9)
    assert units(r) == {("dear", 2027): 3, ("cheap", 2028): 8}
    assert starts(r)["cheap"] == 2028


# ---------------------------------------------------------------- 4. min_order


@covers("min_order")
def test_min_order_forces_more_of_the_dearer_option() -> None:
    """A minimum order makes the dearer option deliver more than it otherwise would.

    Years 2027–28, demand 5 a year. big (SA) 2/unit, min_total_qty 6; small
    (SB) 1/unit, at most 3 a year. Without min_order: small 6, big 4:
    6 + 8 = 14. With it big is needed (small gives at most 6 < 10) and must
    deliver ≥ 6: cost = 2·big + (10 − big) = 10 + big, least at big = 6:
    16; 16/200 = 0.08.
    """
    case = make_case([option("big", "SA", 2, min_total_qty=6.0),
                      option("small", "SB", 1, max_qty_per_year=3.0)],
                     years=[2027, 2028], demand={"R": 5})
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.08, abs=1e-9)
    assert totals(r) == {"big": 6, "small": 4}
    off = solve(case, MIN_COST_WITHOUT["min_order"])
    assert objective(off) == pytest.approx(0.07, abs=1e-9)
    assert totals(off) == {"big": 4, "small": 6}


@covers("min_order")
def test_min_order_above_reachable_total_rules_the_option_out() -> None:
    """min_total_qty 12 over a total demand of 10: cheap cannot start; 10·2 = 20."""
    case = make_case([option("cheap", "SA", 1, min_total_qty=12.0),
                      option("dear", "SB", 2)], years=[2027, 2028], demand={"R": 5})
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(20 / 200, abs=1e-9)
    assert "cheap" not in starts(r)


# ---------------------------------------------------------------- 5. supplier_link


@covers("supplier_link")
def test_supplier_link_activation_cost_favours_one_supplier() -> None:
    """One supplier for both capabilities beats two cheaper ones once activation counts.

    R1, R2 demand 10 each; every supplier costs 10 to engage. S1 offers both at
    1/unit; S2 offers R1 and S3 offers R2 at 0.6/unit.
    S1 alone: 10 + 10 + 10 = 30; S2 + S3: 20 + 6 + 6 = 32; S1 + S3 (or S2):
    20 + 10 + 6 = 36. Best: S1, 30/100 = 0.3.
    """
    case = make_case(
        [option("s1r1", "S1", 1, "R1"), option("s1r2", "S1", 1, "R2"),
         option("s2r1", "S2", 0.6, "R1"), option("s3r2", "S3", 0.6, "R2")],
        demand={"R1": 10, "R2": 10},
        suppliers=[supplier("A", "S1", 10), supplier("A", "S2", 10),
                   supplier("B", "S3", 10), supplier("H", "SH")])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.3, abs=1e-9)
    assert set(starts(r)) == {"s1r1", "s1r2"}
    assert totals(r) == {"s1r1": 10, "s1r2": 10}


# ---------------------------------------------------------------- 6. supplier_capacity


@covers("supplier_capacity")
def test_supplier_capacity_is_shared_by_its_options() -> None:
    """A supplier's 6 units a year go where they save most.

    R1, R2 demand 4 each. S1 (capacity 6) offers both at 1/unit; SB offers
    R1 at 3 and R2 at 2. S1 saves 2/unit on R1 and 1/unit on R2, so S1: R1 4,
    R2 2; SB: R2 2. cost = 4 + 2 + 2·2 = 10; 10/100 = 0.1 (0.08 without the
    capacity).
    """
    case = make_case(
        [option("a1", "S1", 1, "R1"), option("a2", "S1", 1, "R2"),
         option("b1", "SB", 3, "R1"), option("b2", "SB", 2, "R2")],
        demand={"R1": 4, "R2": 4},
        suppliers=[supplier("A", "S1", capacity=6), supplier("B", "SB"),
                   supplier("H", "SH")])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.1, abs=1e-9)
    assert units(r) == {("a1", 2027): 4, ("a2", 2027): 2, ("b2", 2027): 2}
    off = solve(case, MIN_COST_WITHOUT["supplier_capacity"])
    assert objective(off) == pytest.approx(0.08, abs=1e-9)


# ---------------------------------------------------------------- 7. budget


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


# ---------------------------------------------------------------- 8. localization


@pytest.mark.parametrize(("integer", "dom_units", "cost"), [
    # 2·d ≥ 0.5·(2·d + (10 − d)) ⇔ 1.5·d ≥ 5 ⇔ d ≥ 10/3: whole units d = 4,
    # cost 2·4 + 6 = 14; continuous d = 10/3, cost 20/3 + 20/3 = 40/3
    (True, 4.0, 14.0),
    (False, 10 / 3, 40 / 3),
])
@covers("localization")
def test_localization_forces_a_domestic_share(integer: bool, dom_units: float,
                                              cost: float) -> None:
    """Half of the year's unit spending must be local: dom (λ = 1, 2/unit) vs buy (1/unit)."""
    case = make_case([option("dom", "SH", 2), option("buy", "SA", 1)], local_share=0.5,
                     capabilities=[{"capability_id": "R", "name": "R",
                                    "integer_units": integer}])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(cost / 100, abs=1e-9)
    assert totals(r)["dom"] == pytest.approx(dom_units, abs=1e-6)
    assert totals(r)["buy"] == pytest.approx(10 - dom_units, abs=1e-6)
    if not integer:
        # d(ℓ) = 10·ℓ/(2 − ℓ), cost (10 + d)/100: d′ = 20/(2 − ℓ)² = 8.889 at ℓ = 0.5,
        # so one point of target costs 8.889/100/100 = 0.000889 of the budget
        duals = r.duals.set_index(["constraint", "year"])["marginal_value"]
        assert duals[("localization", 2027)] == pytest.approx(20 / 2.25 / 1e4, abs=1e-9)
    off = solve(case, MIN_COST_WITHOUT["localization"])
    assert objective(off) == pytest.approx(0.1, abs=1e-9)


@covers("localization")
def test_localization_counts_local_content_of_foreign_suppliers() -> None:
    """A licence with 60 % local content meets a 50 % target alone.

    lic (SA, license, λ = 0.6) 1.5/unit; buy (SA) 1/unit; dom (SH) 3/unit.
    Target 0.5: 0.6·1.5·l ≥ 0.5·(1.5·l + b) with l + b = 10:
    0.9·l ≥ 0.75·l + 0.5·(10 − l) ⇔ 0.65·l ≥ 5 ⇔ l ≥ 7.69 → 8 (dom is
    dearer than lic for the same local value). cost = 8·1.5 + 2 = 14; 0.14.
    """
    case = make_case([option("lic", "SA", 1.5, mode="license", local_content=0.6),
                      option("buy", "SA", 1), option("dom", "SH", 3)], local_share=0.5)
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.14, abs=1e-9)
    assert totals(r) == {"lic": 8, "buy": 2}


# ---------------------------------------------------------------- 9. country_share


@pytest.mark.parametrize(("override", "neutral_units"), [
    (None, 7),  # tier default 0.35 · 20 = 7: 7·1 + 13·2 = 33
    (0.5, 10),  # Countries row max_share 0.5 · 20 = 10: 10 + 10·2 = 30
])
@covers("country_share")
def test_country_share_caps_a_neutral_country(override: float | None,
                                              neutral_units: int) -> None:
    """A neutral supplier may hold at most 35 % (or its row's max_share) of the supply."""
    case = make_case([option("nbuy", "SN", 1), option("abuy", "SA", 2)],
                     demand={"R": 20},
                     country_rows=countries(max_share={} if override is None
                                            else {"N": override}))
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx((neutral_units + 2 * (20 - neutral_units)) / 100,
                                         abs=1e-9)
    assert totals(r) == {"nbuy": neutral_units, "abuy": 20 - neutral_units}
    off = solve(case, MIN_COST_WITHOUT["country_share"])
    assert objective(off) == pytest.approx(0.2, abs=1e-9)
    assert totals(off) == {"nbuy": 20}


@covers("country_share")
def test_country_share_counts_value_origin_of_inputs() -> None:
    """An ally's option with half its value from the neutral country shares N's cap.

    Demand 20, cap on N-origin 0.35·20 = 7. nbuy (SN) 1/unit, σ_N = 1; amix
    (SA) 1.8/unit with a non-critical input from N worth 0.5, σ_N = 0.5; abuy
    (SA) 3/unit. With a = nbuy, b = amix: a + 0.5·b ≤ 7,
    cost = a + 1.8·b + 3·(20 − a − b) = 60 − 2·a − 1.2·b. On a = 7 − b/2 the
    saving is 14 + 0.2·b, largest at b = 14, a = 0: cost 60 − 16.8 = 43.2.
    An option with 1 % of its value from prohibited Z (zbuy, 0.5/unit) is
    excluded before the model is built.
    """
    case = make_case(
        [option("nbuy", "SN", 1), option("amix", "SA", 1.8), option("abuy", "SA", 3),
         option("zbuy", "SA", 0.5)],
        demand={"R": 20},
        inputs=[input_row("amix", "N", 0.5, critical=False),
                input_row("zbuy", "Z", 0.01)])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.432, abs=1e-9)
    assert totals(r) == {"amix": 14, "abuy": 6}
    excluded = prepare(case).excluded
    assert excluded["option_id"].tolist() == ["zbuy"]
    assert "prohibited" in excluded["reason"].iloc[0] and "Z" in excluded["reason"].iloc[0]


# ---------------------------------------------------------------- 10. dual_sourcing


@covers("dual_sourcing")
def test_dual_sourcing_needs_a_second_supplier() -> None:
    """min_suppliers 2: a second supplier with a minimum order of 2 is brought in.

    Demand 10. a (SA) 1/unit and alic (SA, license) 1.5/unit are the same
    supplier; b (SB) 2/unit with min_total_qty 2. Two suppliers means b
    delivers ≥ 2: cost = 8·1 + 2·2 = 12; 0.12 (0.1 with one supplier).
    """
    case = make_case(
        [option("a", "SA", 1), option("alic", "SA", 1.5, mode="license", local_content=0.5),
         option("b", "SB", 2, min_total_qty=2.0)],
        capabilities=[{"capability_id": "R", "name": "R", "min_suppliers": 2}])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.12, abs=1e-9)
    # alic may be started too at no cost (a tie): assert what decides the answer
    assert {"a", "b"} <= set(starts(r))
    assert totals(r) == {"a": 8, "b": 2}
    off = solve(case, MIN_COST_WITHOUT["dual_sourcing"])
    assert objective(off) == pytest.approx(0.1, abs=1e-9)
    assert totals(off) == {"a": 10}


@covers("dual_sourcing")
def test_dual_sourcing_second_supplier_must_carry_its_share() -> None:
    """A second supplier counts only if it delivers min_supplier_share of the demand.

    Demand 10, a (SA) 1/unit, b (SB) 2/unit, min_suppliers 2. Alone a would
    win (cost 10). With the default share 0.1, b must deliver at least 1:
    9·1 + 1·2 = 11; 0.11. With share 0.3, b delivers at least 3:
    7 + 6 = 13; 0.13. A contract that delivers nothing does not count.
    """
    for share, cost, split in ((None, 0.11, {"a": 9, "b": 1}), (0.3, 0.13, {"a": 7, "b": 3})):
        cap = {"capability_id": "R", "name": "R", "min_suppliers": 2}
        if share is not None:
            cap["min_supplier_share"] = share
        case = make_case([option("a", "SA", 1), option("b", "SB", 2)], capabilities=[cap])
        r = solve(case)
        feasible(case, r)
        assert objective(r) == pytest.approx(cost, abs=1e-9)
        assert totals(r) == split


@covers("dual_sourcing")
def test_dual_sourcing_holds_once_a_second_line_can_deliver() -> None:
    """Years before a second supplier can deliver are single source, not infeasible.

    Years 2027–28, demand 10 a year, min_suppliers 2. a (SA) 1/unit delivers
    from 2027; b (SB) 2/unit has lead time 1, so it delivers from 2028 only.
    2027: a alone, 10. 2028: b carries at least 10 %: 9 + 2 = 11. Cost
    21/200 = 0.105; 2027 is reported as a single-source year.
    """
    case = make_case([option("a", "SA", 1), option("b", "SB", 2, lead_time_years=1)],
                     years=[2027, 2028],
                     capabilities=[{"capability_id": "R", "name": "R", "min_suppliers": 2}])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.105, abs=1e-9)
    assert units(r) == {("a", 2027): 10, ("a", 2028): 9, ("b", 2028): 1}
    src = r.data.sourcing.set_index("year")
    assert bool(src.loc[2027, "binding"]) is False and bool(src.loc[2028, "binding"]) is True


# ---------------------------------------------------------------- 11. scenario_shortfall


@covers("scenario_shortfall")
def test_scenario_shortfall_prefers_the_licence_that_loses_only_its_remainder() -> None:
    """Under an embargo of A, a licence loses its licensor's 40 %, a purchase all.

    Demand 10. dom (SH) 3/unit, at most 4 a year; lic (SA, license, λ = 0.6)
    1.5/unit, remainder 0.4 from A; buy (SA) 1/unit. Scenario: A lost
    entirely, π = 0.5 ≥ 1 − β. Level "scenario risk": dom 4, lic 6 gives
    v = 0.4·6 = 2.4, loss = 0.24, CVaR = 0.24, level 0.24 + 0.1·0.24 = 0.264
    (buy instead of lic loses 1 per unit). Cost 4·3 + 6·1.5 = 21; 0.21.
    """
    case = make_case(
        [option("dom", "SH", 3, max_qty_per_year=4.0),
         option("lic", "SA", 1.5, mode="license", local_content=0.6),
         option("buy", "SA", 1)],
        scenarios=[scenario("emb", "A", 1.0, 0.5)])
    r = solve(case, "min_dependence")
    feasible(case, r)
    assert level_value(r, "scenario risk") == pytest.approx(0.264, abs=1e-9)
    assert objective(r) == pytest.approx(0.21, abs=1e-9)
    assert totals(r) == {"dom": 4, "lic": 6}


@covers("scenario_shortfall")
def test_scenario_shortfall_only_in_the_scenario_years() -> None:
    """A disruption of A in 2028 only leaves 2027's purchase from A without loss.

    Years 2027–28, demand 10 a year. buy (SA) 1/unit; dom (SH) 3/unit with
    lead time 1 (first delivery 2028). 2027 can only be buy; in 2028 dom
    avoids the cut. Level "scenario risk" = 0 (it would be 0.5 + 0.05 if the
    2028-only scenario also hit 2027). Concentration: A holds all of 2027
    (h = 1), nothing in 2028: mean 0.5. Cost (10 + 30)/200 = 0.2.
    """
    case = make_case([option("buy", "SA", 1), option("dom", "SH", 3, lead_time_years=1)],
                     years=[2027, 2028],
                     scenarios=[scenario("emb", "A", 1.0, 0.5, 2028, 2028)])
    r = solve(case, "min_dependence")
    feasible(case, r)
    assert level_value(r, "scenario risk") == pytest.approx(0.0, abs=1e-9)
    assert level_value(r, "exposure and concentration") == pytest.approx(0.5, abs=1e-9)
    assert objective(r) == pytest.approx(0.2, abs=1e-9)
    assert units(r) == {("buy", 2027): 10, ("dom", 2028): 10}


# ---------------------------------------------------------------- 12. hhi_epigraph


@covers("hhi_epigraph")
def test_hhi_epigraph_min_dependence_spreads_foreign_supply() -> None:
    """Import concentration makes min_dependence split the foreign part evenly.

    Demand 10. dom (SH) 3/unit, at most 2; a (SA) 1/unit; b (SB) 2/unit; no
    scenarios, no risk scores. Foreign shares s_A + s_B = 0.8 at best (dom
    counts for no one); Σ s² is least at 0.4/0.4: 0.32 (exact: 0.4 is a
    breakpoint). min_cost buys a only (HHI 1). Cost 2·3 + 4·1 + 4·2 = 18.
    """
    case = make_case([option("dom", "SH", 3, max_qty_per_year=2.0), option("a", "SA", 1),
                      option("b", "SB", 2)])
    r = solve(case, "min_dependence")
    feasible(case, r)
    assert level_value(r, "exposure and concentration") == pytest.approx(0.32, abs=1e-9)
    assert objective(r) == pytest.approx(0.18, abs=1e-9)
    assert totals(r) == {"dom": 2, "a": 4, "b": 4}
    cheap = solve(case, "min_cost")
    assert totals(cheap) == {"a": 10}


def exact_hhi(case, result: SolveResult) -> dict[tuple[str, int], float]:
    """Σ_{c ≠ h} s[r,c,t]² per (r,t), from the portfolio (σ from the checker)."""
    sigma = value_origin(case)
    opts = case.options.set_index("option_id")
    dem = {(r, int(t)): float(q) for r, t, q in case.demand[
        ["capability_id", "year", "demand"]].itertuples(index=False)}
    share: dict[tuple[str, str, int], float] = {}
    for (o, t), u in units(result).items():
        r = opts.loc[o, "capability_id"]
        for c, s in sigma[o].items():
            if c != case.settings.home_country:
                share[r, c, t] = share.get((r, c, t), 0.0) + s * u / dem[r, t]
    out: dict[tuple[str, int], float] = {}
    for (r, _c, t), s in share.items():
        out[r, t] = out.get((r, t), 0.0) + s * s
    return out


@covers("hhi_epigraph")
def test_hhi_epigraph_between_breakpoints_is_within_its_error_bound() -> None:
    """Off the breakpoints the tangent epigraph is low by at most 0.000625 a country.

    Continuous units, demand 10. dom (SH) 3/unit, at most 2; a (SA) 1/unit;
    b (SB) 2/unit, at most 3.7. HHI first (held exactly), then cost. The
    foreign 0.8 splits s_B = 0.37 (its cap), s_A = 0.43: the tangent
    model's slopes there are 0.9 (a = 0.45) and 0.7 (a = 0.35), so moving
    share from A to B helps until B's cap. Tangent values:
    h_A = 0.9·0.43 − 0.2025 = 0.1845, h_B = 0.7·0.37 − 0.1225 = 0.1365,
    sum 0.321; exact 0.43² + 0.37² = 0.1849 + 0.1369 = 0.3218.
    Cost 2·3 + 4.3·1 + 3.7·2 = 17.7; 0.177.
    """
    case = make_case([option("dom", "SH", 3, max_qty_per_year=2.0), option("a", "SA", 1),
                      option("b", "SB", 2, max_qty_per_year=3.7)],
                     capabilities=[{"capability_id": "R", "name": "R",
                                    "integer_units": False}])
    r = solve(case, preset([{"hhi": 1}, {"cost": 1}]))
    feasible(case, r)
    model_hhi = r.levels[1].value
    assert model_hhi == pytest.approx(0.321, abs=1e-7)
    assert totals(r)["a"] == pytest.approx(4.3, abs=1e-4)
    assert totals(r)["b"] == pytest.approx(3.7, abs=1e-4)
    assert objective(r) == pytest.approx(0.177, abs=1e-6)
    exact = exact_hhi(case, r)
    assert exact[("R", 2027)] == pytest.approx(0.3218, abs=1e-5)
    # two foreign countries in this (r,t): each term low by ≤ 0.000625
    assert 0.0 <= exact[("R", 2027)] - model_hhi <= 2 * 0.000625


@covers("hhi_epigraph")
def test_hhi_epigraph_stays_exact_when_country_share_is_off() -> None:
    """With country_share switched off the epigraph must still bound s² everywhere.

    Demand 10 from nbuy (SN, neutral) or abuy (SA), same price. Minimising
    HHI alone: s_N² + s_A² with s_N + s_A = 1 is least at 5/5: 0.5.
    Regression: the tangents of N used to stop at a = θ_N = 0.35 even without
    the country_share row, so the model saw 0.7·s − 0.1225 for s_N > 0.35 and
    preferred s_N = 0.6 (model 0.4575, true 0.52).
    """
    case = make_case([option("nbuy", "SN", 1), option("abuy", "SA", 1)])
    r = solve(case, preset([{"hhi": 1}], switch_off=["country_share"]))
    assert r.status == "optimal"
    assert totals(r) == {"nbuy": 5, "abuy": 5}
    assert r.levels[1].value == pytest.approx(0.5, abs=1e-9)


# ---------------------------------------------------------------- the checker itself


def _checker_case(**change: object):
    """Two years, demand 10 a year, min_suppliers 2, localization 0.2, budget 100.

    a (SA: activation 5, capacity 9) 1/unit, ≤ 8 a year, min order 4;
    b (SB) 2/unit, fixed 3, lead time 1; n (SN, neutral) 1/unit; dom (SH)
    3/unit, mandatory; z (SA) 1/unit with 1 % of its value from prohibited Z.
    """
    a = {"max_qty_per_year": 8.0, "min_total_qty": change.pop("moq", 4.0)}
    return make_case(
        [option("a", "SA", 1, **a), option("b", "SB", 2, fixed_cost=3.0, lead_time_years=1),
         option("n", "SN", 1), option("dom", "SH", 3, mandatory=True),
         option("z", "SA", 1)],
        years=[2027, 2028],
        capabilities=[{"capability_id": "R", "name": "R",
                       "min_suppliers": change.pop("min_suppliers", 2)}],
        suppliers=[supplier("A", "SA", 5.0, change.pop("capacity", 9.0)), supplier("B", "SB"),
                   supplier("N", "SN"), supplier("H", "SH")],
        inputs=[input_row("z", "Z", 0.01)],
        budget=change.pop("budget", 100.0), local_share=change.pop("local_share", 0.2))


#: the hand-made feasible portfolio of _checker_case: 2027 spend 8 + 6 + 3 + 5 = 22,
#: local share 6/14; 2028 spend 5 + 6 + 6 = 17, local share 6/17
BASE_STARTS = {"a": 2027, "b": 2027, "dom": 2027}
BASE_UNITS = {("a", 2027): 8, ("dom", 2027): 2, ("a", 2028): 5, ("b", 2028): 3,
              ("dom", 2028): 2}


def _portfolio(starts_: dict[str, int | list[int]],
               units_: dict[tuple[str, int], float]) -> Portfolio:
    """A hand-made portfolio: option -> start year(s), (option, year) -> units."""
    rows = [(o, t) for o, ts in starts_.items() for t in (ts if isinstance(ts, list) else [ts])]
    return Portfolio(
        starts=pd.DataFrame(rows, columns=["option_id", "start_year"]),
        deliveries=pd.DataFrame([(o, t, u) for (o, t), u in units_.items() if u],
                                columns=["option_id", "year", "units"]))


def test_checker_accepts_the_hand_made_portfolio() -> None:
    """The base portfolio satisfies every family (worked out in BASE_UNITS' comment)."""
    assert check_portfolio(_checker_case(), _portfolio(BASE_STARTS, BASE_UNITS)) == []


@pytest.mark.parametrize(("case_change", "starts_change", "units_change", "expected"), [
    ({}, {}, {("a", 2027): 7}, "demand: R in 2027 gets 9"),
    ({}, {}, {("a", 2027): 7.5, ("dom", 2027): 2.5}, "integer units: a"),
    ({}, {"a": [2027, 2028]}, {}, "one_start: a started more than once"),
    ({}, {"dom": None, "n": 2027}, {("dom", 2027): 0, ("dom", 2028): 0, ("n", 2027): 2,
                                    ("n", 2028): 2}, "one_start: mandatory option dom"),
    ({}, {}, {("a", 2027): 7, ("b", 2027): 1}, "delivery_window: b delivers in 2027"),
    ({}, {}, {("a", 2027): 7, ("n", 2027): 1}, "delivery_window: n delivers 1 in 2027 but"),
    ({}, {}, {("a", 2027): 9, ("dom", 2027): 1}, "delivery_window: a delivers 9 in 2027, above"),
    ({"moq": 14.0}, {}, {}, "min_order: a"),
    ({"capacity": 7.0}, {}, {}, "supplier_capacity: SA delivers 8 in 2027"),
    ({"budget": [21.0, 100.0]}, {}, {}, "budget: spending in 2027 is 22"),
    ({"local_share": 0.4}, {}, {}, "localization: local share in 2028"),
    ({}, {"n": 2027}, {("a", 2027): 4, ("n", 2027): 4}, "country_share: N supplies 4"),
    ({}, {"z": 2028}, {("a", 2028): 4, ("z", 2028): 1}, "country_share: z is used"),
    ({"min_suppliers": 3}, {}, {}, "dual_sourcing: R in 2027 has 2"),
    ({}, {}, {("q", 2027): 1}, "deliveries: unknown option q"),
    ({}, {}, {("a", 2029): 1}, "deliveries: a delivers 1 in 2029, outside"),
])
def test_checker_flags_each_violation(case_change: dict, starts_change: dict,
                                      units_change: dict, expected: str) -> None:
    """One change to the base case or portfolio breaks one rule; the checker names it."""
    st = {**BASE_STARTS, **starts_change}
    st = {o: t for o, t in st.items() if t is not None}
    found = check_portfolio(_checker_case(**case_change),
                            _portfolio(st, {**BASE_UNITS, **units_change}))
    assert any(msg.startswith(expected) for msg in found), found


@covers("dual_sourcing")
def test_dual_sourcing_spares_a_year_that_cannot_hold_two_whole_shares() -> None:
    """One whole unit of demand cannot come from two suppliers: that year is exempt.

    Years 2027–28, demand 1 then 10 (whole units), min_suppliers 2, a (SA)
    1/unit, b (SB) 2/unit. 2027: two suppliers would each need ⌈0.1⌉ = 1 unit,
    2 > 1, so a alone: 1. 2028: b carries ⌈1⌉ = 1: 9 + 2 = 11. Cost 12/200 = 0.06.
    """
    case = make_case([option("a", "SA", 1), option("b", "SB", 2)], years=[2027, 2028],
                     demand={"R": [1, 10]},
                     capabilities=[{"capability_id": "R", "name": "R", "min_suppliers": 2}])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.06, abs=1e-9)
    assert units(r) == {("a", 2027): 1, ("a", 2028): 9, ("b", 2028): 1}


@covers("dual_sourcing")
def test_dual_sourcing_knows_a_country_share_cap_stops_a_supplier_counting() -> None:
    """A supplier its country's max share keeps below its 10 % does not count.

    Demand 25 whole units, min_suppliers 2: a (SA, ally) and x (SX, adversary,
    max share 0.10: at most 2.5, so 2 whole units). x would need ⌈2.5⌉ = 3 to
    count, so only a can: the year is single source by necessity, not
    infeasible; a delivers all 25 at 1/unit: 25/100 = 0.25.
    """
    case = make_case([option("a", "SA", 1), option("x", "SX", 0.5)], demand={"R": 25},
                     capabilities=[{"capability_id": "R", "name": "R", "min_suppliers": 2}])
    r = solve(case)
    assert r.status == "optimal"
    assert check_portfolio(case, r.portfolio) == []
    assert not bool(r.data.sourcing["binding"].iloc[0])
    # x, cheaper, still delivers what its cap allows: 2 units; a the other 23
    assert objective(r) == pytest.approx((23 * 1 + 2 * 0.5) / 100, abs=1e-9)
