"""Fleets, repair lines, stock and leverage (the sustainment families), worked by hand.

Every case is solved to proven optimality and then evaluated by the metrics
(:func:`sovopt.metrics.evaluate`), which must report what the docstring works
out and agree with the model's own term values. Cases use the cast of
tests/model_cases.py (H home, A ally, P partner, X adversary, one supplier
S<country> each).
"""

from __future__ import annotations

import pandas as pd
import pytest

from sovopt.case import Case
from sovopt.highs import to_highs
from sovopt.metrics import evaluate
from sovopt.model import build_model
from sovopt.portfolio import Portfolio
from sovopt.prepare import prepare
from tests.checker import check_portfolio
from tests.model_cases import (
    countries,
    covers,
    make_case,
    option,
    preset,
    scenario,
    solve,
    units,
)
from tests.sustainment_cases import RISK_THEN_COST, with_repair

YEARS3 = (2027, 2028, 2029)
YEARS4 = (2027, 2028, 2029, 2030)


def fleet_capability(**fields) -> list[dict]:
    return [{"capability_id": "R", "name": "air defence", "requirement": "fleet", **fields}]


def stock_capability(stock_max: float, holding: float, **fields) -> list[dict]:
    return [{"capability_id": "R", "name": "rounds", "stock_max": stock_max,
             "holding_cost": holding, **fields}]


def agree(result, metrics, terms=("cost", "cvar", "expected_shortfall")) -> None:
    """The model's own term values equal the metrics' exact ones, and the independent
    checker (tests/checker.py) finds the portfolio feasible."""
    assert check_portfolio(result.data.case, result.portfolio) == []
    kpi = {"cost": "cost", "cvar": "cvar", "expected_shortfall": "expected_shortfall",
           "worst_case": "worst_case_shortfall"}
    for t in terms:
        if t in result.term_values:
            assert result.term_values[t] == pytest.approx(metrics.kpis[kpi[t]], abs=1e-7), t
    assert metrics.violations == []


# --- fleet in service and its support cost ----------------------------------------------


@covers("fleet_service", "support_cost")
def test_fleet_serves_for_its_service_life_and_pays_support_each_year():
    """10 platforms bought in 2027 with a 3-year service life serve 2027–2029, not 2030.

    Requirement 10 in service in 2027–2029 and none in 2030; unit cost 10, support
    cost 2 per unit in service and year. Buying the 10 in 2027 covers all three
    years (in service 10, 10, 10, then 0): cost 10·10 + 3·(10·2) = 160, the support
    paid three times (20 a year); budget 200 a year.
    """
    case = make_case([option("F", "SA", 10.0, service_life_years=3, support_cost=2.0)],
                     years=YEARS4, demand={"R": [10, 10, 10, 0]},
                     capabilities=fleet_capability(), budget=200.0)
    result = solve(case, "min_cost")
    assert result.status == "optimal"
    assert units(result) == {("F", 2027): 10.0}
    m = evaluate(result.data, result.portfolio)
    assert m.kpis["total_cost"] == pytest.approx(160.0)
    fleet = m.tables["fleet"].set_index("year")
    assert fleet["in_service"].to_dict() == {2027: 10.0, 2028: 10.0, 2029: 10.0}
    support = m.tables["spend"]
    assert support.groupby("year")["amount"].sum().to_dict() == pytest.approx(
        {2027: 120.0, 2028: 20.0, 2029: 20.0})
    agree(result, m)


@covers("fleet_service")
def test_fleet_gone_after_its_life_must_be_replaced():
    """Same fleet, but 10 also required in 2030: the 2027 units are gone in 2030.

    The cheapest plan buys 10 in 2027 and 10 more in 2030 (life 3: the first batch
    serves 2027–2029): 200 in units plus support 4·20 = 80, total 280 (budget 200 a year).
    """
    case = make_case([option("F", "SA", 10.0, service_life_years=3, support_cost=2.0)],
                     years=YEARS4, demand={"R": 10.0}, capabilities=fleet_capability(),
                     budget=200.0)
    result = solve(case, "min_cost")
    assert units(result) == {("F", 2027): 10.0, ("F", 2030): 10.0}
    m = evaluate(result.data, result.portfolio)
    assert m.kpis["total_cost"] == pytest.approx(280.0)
    agree(result, m)


# --- who keeps it running: support country and repair lines -----------------------------


def partner_cut_case(budget, repair_cost: float | None = 30.0) -> Case:
    """Fleet of 10 bought from ally A, supported from partner P; P cut 100 % in 2029.

    Unit cost 10 (100 in 2027), support cost 1 per unit and year (10 a year), life 5.
    Scenario E (probability 1, so CVaR = its loss) cuts P in 2029 only.
    """
    case = make_case([option("F", "SA", 10.0, service_life_years=5, support_cost=1.0,
                             support_country_id="P")],
                     years=YEARS3, demand={"R": 10.0}, capabilities=fleet_capability(),
                     budget=budget, scenarios=[scenario("E", "P", 1.0, 1.0, 2029, 2029)])
    return case if repair_cost is None else with_repair(case, repair_cost)


@covers("fleet_shortfall")
def test_support_cut_without_repair_line_takes_the_whole_year_out_of_service():
    """Without a repair line the 2029 availability is 0 and the loss is that year's need.

    In 2029 the foreign-supported fleet keeps 1 − α[E,P,2029] = 0 of its units:
    shortfall 10 of 10; loss[E] = (w·10/10) / (3 weights) = 1/3.
    """
    result = solve(partner_cut_case(1000.0, repair_cost=None), RISK_THEN_COST)
    m = evaluate(result.data, result.portfolio)
    assert m.kpis["cvar"] == pytest.approx(1 / 3)
    fleet = m.tables["fleet"].set_index("year")
    assert fleet.loc[2029, "availability"] == 0.0
    assert fleet.loc[2028, "availability"] == 1.0
    agree(result, m)


@covers("home_support", "fleet_shortfall")
def test_repair_line_opened_in_time_keeps_the_fleet_available():
    """With a repair line (lead time 1) started by 2028, the fleet is supported at home in
    2029, which the cut does not reach: availability 1, loss 0.

    Cost: 100 units + 3·10 support + 30 line = 160 of a budget of 3000.
    """
    result = solve(partner_cut_case(1000.0), RISK_THEN_COST)
    m = evaluate(result.data, result.portfolio)
    assert result.portfolio.repairs["start_year"].iloc[0] <= 2028
    assert m.kpis["cvar"] == pytest.approx(0.0)
    fleet = m.tables["fleet"].set_index("year")
    assert fleet.loc[2029, "availability"] == 1.0
    assert fleet.loc[2029, "home_supported"] == 10.0
    assert m.kpis["total_cost"] == pytest.approx(160.0)
    agree(result, m)


@covers("repair_line")
@pytest.mark.parametrize("budget, bought", [([110, 40, 10], True), ([110, 39, 10], False)])
def test_min_dependence_buys_the_repair_line_exactly_when_it_fits(budget, bought):
    """The line (fixed cost 30) fits only in 2028 of budget (110, 40, 10).

    2027 spends 100 on units + 10 support = 110 (no room); 2028 spends 10 support,
    leaving 30 with a budget of 40: the line fits (it opens in 2029, lead time 1) and
    min_dependence buys it, loss 0. With 39 in 2028 it fits in no year that opens it in
    time (2029 starts open only in 2030): no line, loss 1/3.
    """
    result = solve(partner_cut_case(budget), "min_dependence")
    assert result.status == "optimal"
    m = evaluate(result.data, result.portfolio)
    assert (len(result.portfolio.repairs) == 1) is bought
    if bought:
        assert result.portfolio.repairs["start_year"].tolist() == [2028]
    assert m.kpis["cvar"] == pytest.approx(0.0 if bought else 1 / 3)
    agree(result, m)


def test_hand_made_plan_with_a_repair_line_is_stressed_exactly():
    """Stress of a hand-made plan: 10 units in 2027, repair line started 2027 (open 2028).

    Spend: 2027 100 + 10 support + 30 line = 140; 2028 and 2029 10 each (home support,
    factor 1): 160. The cut of P in 2029 reaches nothing: loss 0. Without the line the
    same plan loses 2029 whole: 1/3.
    """
    case = partner_cut_case(1000.0)
    d = prepare(case)
    starts = pd.DataFrame({"option_id": ["F"], "start_year": [2027]})
    deliveries = pd.DataFrame({"option_id": ["F"], "year": [2027], "units": [10.0]})
    repairs = pd.DataFrame({"repair_id": ["RL"], "start_year": [2027]})
    m = evaluate(d, Portfolio(starts, deliveries, repairs))
    assert m.kpis["total_cost"] == pytest.approx(160.0)
    assert m.kpis["worst_case_shortfall"] == pytest.approx(0.0)
    assert m.tables["repairs"]["supports_from"].tolist() == [2028]
    bare = evaluate(d, Portfolio(starts, deliveries))
    assert bare.kpis["worst_case_shortfall"] == pytest.approx(1 / 3)
    assert bare.kpis["total_cost"] == pytest.approx(130.0)


def test_repair_families_switched_off_leave_the_fleet_exposed():
    """With repair_line and home_support switched off, the case of the test above has no
    repair line to buy: the 2029 cut takes the fleet out, loss 1/3."""
    off = preset([{"cvar": 1.0}, {"cost": 1.0}], switch_off=["repair_line", "home_support"])
    result = solve(partner_cut_case(1000.0), off)
    assert result.term_values["cvar"] == pytest.approx(1 / 3)
    assert result.portfolio.repairs.empty


# --- stockpiles -------------------------------------------------------------------------


def embargo_case(stock_max: float, years=YEARS3, embargo=(2029, 2029), budget=1000.0,
                 holding: float = 0.05) -> Case:
    """100 rounds a year, one supplier in A (unit cost 1), A embargoed with probability 1."""
    return make_case([option("O", "SA", 1.0)], years=years, demand={"R": 100.0},
                     capabilities=stock_capability(stock_max, holding), budget=budget,
                     scenarios=[scenario("E", "A", 1.0, 1.0, *embargo)])


@covers("stock_balance", "scenario_stock")
def test_formulation_worked_example_builds_stock_before_the_embargo():
    """A stock worked by hand: 100 a year for 3 years, embargo in year 3, holding 0.05.

    Without stock the year-3 loss is total: loss 1/3. With stock_max 100 the plan
    buys 100, 200, 0 (stock 0, 100, 0); the scenario draws the stock in 2029: loss 0,
    cost 300 + 0.05·100 = 305.
    """
    none = solve(embargo_case(0.0), RISK_THEN_COST)
    assert evaluate(none.data, none.portfolio).kpis["cvar"] == pytest.approx(1 / 3)
    result = solve(embargo_case(100.0), RISK_THEN_COST)
    assert units(result) == {("O", 2027): 100.0, ("O", 2028): 200.0}
    m = evaluate(result.data, result.portfolio)
    assert m.kpis["cvar"] == pytest.approx(0.0)
    assert m.kpis["total_cost"] == pytest.approx(305.0)
    stock = m.tables["stock"].set_index("year")
    assert stock["planned_stock"].to_dict() == {2027: 0.0, 2028: 100.0, 2029: 0.0}
    assert stock.loc[2029, "worst_draw"] == 100.0
    agree(result, m)


@covers("stock_balance")
@pytest.mark.parametrize("budget, stocked, loss", [(1000.0, 200.0, 0.0), (100.0, 0.0, 0.5)])
def test_two_year_embargo_stock_is_two_years_of_demand_when_affordable(budget, stocked, loss):
    """Embargo of the only supplier in 2029–2030, stock_max 200, holding 0.05.

    Affordable (1000 a year): stock 200 at the end of 2028 covers both embargo years:
    buy 100, 300, 0, 0; stock 0, 200, 100, 0; cost 400 + 0.05·300 = 415, loss 0.
    Budget 100 a year: each year can pay only its own demand, and any stock needs
    more units plus holding cost, so the stock stays 0 and 2029–2030 are lost: loss
    2/4 = 0.5.
    """
    case = embargo_case(200.0, years=YEARS4, embargo=(2029, 2030), budget=budget)
    if budget < 1000:
        case.settings = type(case.settings)(**{**case.settings.as_dict(),
                                              "allow_unmet": False})
    result = solve(case, RISK_THEN_COST)
    m = evaluate(result.data, result.portfolio)
    stock = m.tables["stock"].set_index("year")["planned_stock"]
    assert stock.max() == pytest.approx(stocked)
    assert m.kpis["cvar"] == pytest.approx(loss)
    if stocked:
        assert m.kpis["total_cost"] == pytest.approx(415.0)
    agree(result, m)


@covers("scenario_stock")
def test_stock_lost_before_it_arrived_is_never_drawn():
    """Each scenario has its own stock path: stored units must first have arrived.

    Demand 100 a year 2027–2029, A cut in 2028 only. Hand-made plan 100, 200, 0
    (planned stock 0, 100, 0): in the scenario the 200 of 2028 never arrive, so the
    scenario's stock stays 0 and 2028 and 2029 are both short: loss 2/3 (drawing the
    planned stock would wrongly give 1/3). The optimum instead stocks in 2027, before
    the cut: 200, 0, 100 (stock 100, 0, 0), loss 0, cost 300 + 0.05·100 = 305.
    """
    case = embargo_case(100.0, embargo=(2028, 2028))
    d = prepare(case)
    plan = Portfolio(pd.DataFrame({"option_id": ["O"], "start_year": [2027]}),
                     pd.DataFrame({"option_id": ["O"] * 2, "year": [2027, 2028],
                                   "units": [100.0, 200.0]}))
    m = evaluate(d, plan)
    assert m.kpis["worst_case_shortfall"] == pytest.approx(2 / 3)
    assert m.violations == []
    result = solve(case, RISK_THEN_COST)
    assert units(result) == {("O", 2027): 200.0, ("O", 2029): 100.0}
    best = evaluate(result.data, result.portfolio)
    assert best.kpis["cvar"] == pytest.approx(0.0)
    assert best.kpis["total_cost"] == pytest.approx(305.0)
    agree(result, best)


def test_stock_balance_switched_off_holds_no_stock():
    """With stock_balance switched off the worked example is family demand again: 100 a year
    (no surplus can be bought), the embargo year lost: loss 1/3, cost 300."""
    off = preset([{"cvar": 1.0}, {"cost": 1.0}], switch_off=["stock_balance",
                                                              "scenario_stock"])
    result = solve(embargo_case(100.0), off)
    assert units(result) == {("O", 2027): 100.0, ("O", 2028): 100.0, ("O", 2029): 100.0}
    assert result.term_values["cvar"] == pytest.approx(1 / 3)


def test_stock_country_share_is_of_the_years_deliveries():
    """A year that builds stock: the cap is on the share of its deliveries (sustainment).

    Demand 100 a year for 2 years, stock_max 100; A cut in 2028 (probability 1); X
    (adversary, max share 0.1 of deliveries) is the only other supplier at cost 1, A at
    cost 1. The plan must stock 100 in 2027 to cover 2028: 200 delivered in 2027, of
    which X may deliver at most 20. Capped against demand (100) it could deliver only
    10 — the share rule of country_share allows 20 of the 200. With X cheaper (0.5), the optimum
    2027 delivery is 180 from A and 20 from X.
    """
    case = make_case([option("OA", "SA", 1.0), option("OX", "SX", 0.5)], years=(2027, 2028),
                     demand={"R": 100.0}, capabilities=stock_capability(100.0, 0.0),
                     budget=1000.0, scenarios=[scenario("E", "A", 1.0, 1.0, 2028, 2028)],
                     country_rows=countries())
    result = solve(case, RISK_THEN_COST)
    got = units(result)
    assert got[("OX", 2027)] == pytest.approx(20.0)
    assert got[("OA", 2027)] == pytest.approx(180.0)
    m = evaluate(result.data, result.portfolio)
    assert m.kpis["cvar"] == pytest.approx(0.0)
    agree(result, m)


# --- leverage ---------------------------------------------------------------------------


def test_coproduction_offtake_shows_partner_dependence_on_home():
    """A co-production line with partner P (local content 0.6, unit cost 5), P taking 20
    units a year: P depends on the home country for 0.6·20·5 = 60 a year, from the
    line's first delivery year (start 2027 + lead time 1 = 2028).

    The home country depends on P for the remainder 0.4 of each unit bought: 10 units a
    year from 2028 at 5 → 0.4·50 = 20 a year (the line's fixed cost 0).
    """
    case = make_case([option("CP", "SP", 5.0, mode="coproduce", local_content=0.6,
                             lead_time_years=1, partner_offtake_per_year=20.0)],
                     years=YEARS3, demand={"R": [0, 10, 10]})
    result = solve(case, "min_cost")
    m = evaluate(result.data, result.portfolio)
    lev = m.tables["leverage"].set_index(["country_id", "year"])
    assert lev.loc[("P", 2028), "leverage_over"] == pytest.approx(60.0)
    assert lev.loc[("P", 2029), "leverage_over"] == pytest.approx(60.0)
    assert lev.loc[("P", 2028), "dependence_on"] == pytest.approx(20.0)
    assert ("P", 2027) not in lev.index or lev.loc[("P", 2027), "leverage_over"] == 0.0


# --- a case without the new columns is the same model -----------------------------------


def test_case_without_sustainment_builds_no_new_rows_or_columns():
    """A case with every sustainment column at its default builds none of the sustainment blocks."""
    case = make_case([option("O1", "SA", 1.0), option("O2", "SH", 2.0)], years=YEARS3,
                     scenarios=[scenario("E", "A", 0.5, 0.3)])
    d = prepare(case)
    assert d.fleet.empty and d.stock.empty and d.repair.empty and d.in_service.empty
    m = build_model(d)
    for name in ("in_service", "fleet_service", "rstart", "H", "stock", "scenario_stock",
                 "fleet_shortfall", "hhi_volume"):
        assert m.find_component(name) is None, name
    hm = to_highs(m, m.term_names)
    assert hm.stats()["constraints"] == len(hm.rows)
