"""Infeasible cases: the precheck, the elastic diagnosis, unmet demand and exit codes.

Each diagnosis names a limit that would make the case feasible and the value to
type in; the amounts are worked out by hand in each test.
"""

from __future__ import annotations

import pytest

from sovopt.errors import EXIT_INFEASIBLE, EXIT_OK
from sovopt.solver import SolveResult, solve_case
from tests.checker import check_portfolio
from tests.model_cases import input_row, make_case, option, supplier, totals


def only(result: SolveResult, family: str):
    """The one relaxation of ``family`` in the diagnosis."""
    found = [r for r in result.diagnosis if r.family == family]
    assert len(found) == 1, result.diagnosis
    return found[0]


def solve(case, objective: str = "min_cost") -> SolveResult:
    """Solve to optimality (gap 0)."""
    return solve_case(case, objective, gap=0.0, time_limit=30.0)


def budget_case(**settings: object):
    """Demand 10 units in 2027 at 5 each (SA), budget 30."""
    return make_case([option("a", "SA", 5)], budget=30.0, **settings)


def test_budget_shortfall_is_diagnosed_with_the_amount() -> None:
    """10 units at 5 need 50; the budget of 30 must rise by 20 to 50 (exit 3).

    Relaxing the budget costs 20/30 of a scaled slack; dropping 4 units of
    demand would cost 1000·4/10: the budget is the row named.
    """
    r = solve(budget_case())
    assert r.status == "infeasible" and r.exit_code == EXIT_INFEASIBLE == 3
    rel = only(r, "budget")
    assert [x.family for x in r.diagnosis] == ["budget"]
    assert (rel.current, rel.needed, rel.change) == pytest.approx((30.0, 50.0, 20.0))
    assert rel.limit == "Budget 2027"
    assert rel.message == ("The case would become feasible if Budget 2027 (Budget, column "
                           "budget) rose from 30 to 50 (+20); one possible repair")


def test_budget_diagnosis_points_at_the_workbook_cell() -> None:
    """With the workbook's row and column letters known, the cell is named (Budget!B4)."""
    case = budget_case()
    case.budget["row"] = 4
    case.column_letters = {"Budget": {"year": "A", "budget": "B", "min_local_share": "C"}}
    rel = only(solve(case), "budget")
    assert rel.cell == "Budget!B4"
    assert (rel.sheet, rel.address) == ("Budget", "B4")
    assert rel.message == ("The case would become feasible if Budget 2027 (Budget!B4) rose "
                           "from 30 to 50 (+20); one possible repair")


def test_unmet_demand_allowed_solves_the_budget_case() -> None:
    """allow_unmet = yes: 6 units (30/5) are delivered, 4 reported unmet (share 0.4), exit 0."""
    case = budget_case(allow_unmet=True)
    r = solve(case)
    assert r.status == "optimal" and r.exit_code == EXIT_OK == 0
    assert check_portfolio(case, r.portfolio) == []
    assert totals(r) == {"a": 6}
    assert r.levels[0].name == "unmet demand"
    assert r.levels[0].value == pytest.approx(0.4, abs=1e-9)
    assert r.term_values["unmet"] == pytest.approx(0.4, abs=1e-9)
    unmet_units = 10 - sum(totals(r).values())
    assert unmet_units == 4


def test_localization_shortfall_is_diagnosed_with_the_reachable_share() -> None:
    """The most local mix reaches 8/15 = 0.533 of spending; the 0.6 target must fall.

    Demand 10. dom (SH) 2/unit, 80 % local, at most 5; buy (SA) 1/unit.
    Most local: dom 5 (local 0.8·10 = 8 of spend 10 + 5 = 15): 0.5333.
    The target of 0.6 must fall to 0.5333...; rounded down (the safe direction) to
    the 0.001 a share is typed to: 0.533 (0.534 would still be infeasible).
    """
    case = make_case([option("dom", "SH", 2, local_content=0.8, max_qty_per_year=5.0),
                      option("buy", "SA", 1)], local_share=0.6)
    r = solve(case)
    assert r.status == "infeasible" and r.exit_code == 3
    rel = only(r, "localization")
    assert [x.family for x in r.diagnosis] == ["localization"]
    assert rel.current == pytest.approx(0.6)
    assert rel.needed == 0.533
    assert "Localization target 2027" in rel.message
    assert "would become feasible if" in rel.message
    assert "fell from 0.6 to 0.533 (-0.067)" in rel.message


def test_capacity_shortfall_is_caught_by_the_precheck() -> None:
    """Supplier capacity 6 and a yearly cap of 3 cannot give 10: short at Demand!C5.

    Demand 10 in 2027. a (SA, capacity 6); b (SB) at most 3 a year.
    Reachable 6 + 3 = 9 < 10. The precheck names the Demand cell.
    """
    case = make_case([option("a", "SA", 1), option("b", "SB", 2, max_qty_per_year=3.0)],
                     suppliers=[supplier("A", "SA", capacity=6.0), supplier("B", "SB"),
                                supplier("H", "SH")])
    case.demand["row"] = 5
    case.column_letters = {"Demand": {"capability_id": "A", "2027": "C"}}
    r = solve(case)
    assert r.status == "infeasible" and r.exit_code == 3
    rel = only(r, "demand")
    assert rel.cell == "Demand!C5"
    assert (rel.current, rel.needed) == pytest.approx((10.0, 9.0))
    assert "Demand of R in 2027 (Demand!C5) is 10" in rel.message
    assert "at most 9" in rel.message
    assert r.levels == []  # caught before any model was built


def test_capacity_shortfall_with_unmet_allowed_reports_the_unmet_units() -> None:
    """The same case with allow_unmet = yes: 9 delivered, 1 unmet (0.1), exit 0."""
    case = make_case([option("a", "SA", 1), option("b", "SB", 2, max_qty_per_year=3.0)],
                     suppliers=[supplier("A", "SA", capacity=6.0), supplier("B", "SB"),
                                supplier("H", "SH")], allow_unmet=True)
    r = solve(case)
    assert r.status == "optimal" and r.exit_code == 0
    assert check_portfolio(case, r.portfolio) == []
    assert totals(r) == {"a": 6, "b": 3}
    assert r.levels[0].value == pytest.approx(0.1, abs=1e-9)


def test_too_few_suppliers_is_single_source_by_necessity_not_infeasible() -> None:
    """min_suppliers 3 with options from two suppliers only: no year can hold the rule
    (the dual_sourcing family's per-year rule), so R is single source throughout, not
    infeasible; the least-cost plan buys a's 10 units for 10, with a warning naming
    the min_suppliers cell."""
    case = make_case([option("a", "SA", 1), option("b", "SB", 2)],
                     capabilities=[{"capability_id": "R", "name": "R", "min_suppliers": 3}])
    r = solve(case)
    assert r.exit_code == 0
    assert totals(r) == {"a": 10}
    from sovopt.sourcing import never_met

    assert never_met(r.data)["capability_id"].tolist() == ["R"]


def test_excluded_mandatory_option_is_caught_by_the_precheck() -> None:
    """A mandatory option with value from a prohibited country cannot be started."""
    case = make_case([option("a", "SA", 1), option("m", "SB", 2, mandatory=True)],
                     inputs=[input_row("m", "Z", 0.05)])
    r = solve(case)
    assert r.exit_code == 3
    rel = only(r, "one_start")
    assert "Mandatory option m" in rel.message and "prohibited country Z" in rel.message


def test_dual_sourcing_against_capacity_relaxes_the_cheaper_limit() -> None:
    """Of two conflicting limits, the elastic model relaxes the one that moves least.

    Demand 10 in one year; a (SA) 1/unit; b (SB, capacity 5) 2/unit with a
    minimum order of 8. The precheck passes (a alone reaches 10), but
    min_suppliers 2 forces b to start and so deliver ≥ 8 > 5: one of the two
    limits must move. Relaxing SB's capacity by 3 costs 3/5 = 0.6 (scaled);
    dropping dual sourcing costs 1/2 = 0.5 — the cheaper relaxation wins:
    min_suppliers of R must fall from 2 to 1.
    """
    case = make_case([option("a", "SA", 1), option("b", "SB", 2, min_total_qty=8.0)],
                     capabilities=[{"capability_id": "R", "name": "R", "min_suppliers": 2}],
                     suppliers=[supplier("A", "SA"), supplier("B", "SB", capacity=5.0),
                                supplier("H", "SH")])
    r = solve(case)
    assert r.exit_code == 3
    assert [x.family for x in r.diagnosis] == ["dual_sourcing"]
    rel = r.diagnosis[0]
    assert (rel.current, rel.needed) == pytest.approx((2.0, 1.0))


def test_feasible_case_exits_zero() -> None:
    """A case that solves reports status optimal, no diagnosis and exit code 0."""
    r = solve(make_case([option("a", "SA", 5)], budget=50.0))
    assert r.status == "optimal" and r.exit_code == 0 and r.diagnosis == []


def test_shared_supplier_capacity_is_diagnosed_with_the_amount() -> None:
    """SA's 6 units a year must serve R1 and R2 (4 each): capacity must rise by 2 to 8.

    The precheck looks at one capability at a time (4 ≤ 6 each) and passes;
    the elastic model relaxes the capacity (2/6 scaled) rather than demand
    (1000·2/4).
    """
    case = make_case([option("a1", "SA", 1, "R1"), option("a2", "SA", 1, "R2")],
                     demand={"R1": 4, "R2": 4},
                     suppliers=[supplier("A", "SA", capacity=6.0), supplier("H", "SH")])
    r = solve(case)
    assert r.exit_code == 3
    rel = only(r, "supplier_capacity")
    assert [x.family for x in r.diagnosis] == ["supplier_capacity"]
    assert (rel.current, rel.needed) == pytest.approx((6.0, 8.0))
    assert "Capacity of SA" in rel.message and "rose from 6 to 8 (+2)" in rel.message


def test_country_share_is_diagnosed_with_the_needed_share() -> None:
    """Only a neutral supplier for 20 units: N's max share 0.35 must rise by 0.65 to 1.

    N may hold 0.35·20 = 7 units; 13 more are needed: 0.35 + 13/20 = 1.
    """
    case = make_case([option("n", "SN", 1)], demand={"R": 20})
    r = solve(case)
    assert r.exit_code == 3
    rel = only(r, "country_share")
    assert (rel.current, rel.needed) == pytest.approx((0.35, 1.0))
    assert "Max share of N" in rel.message and "rose from 0.35 to 1 (+0.65)" in rel.message


# ---- allow_unmet = yes: only demand beyond reach may be left unmet (regressions: the
# ---- precheck used to be skipped altogether, see each test)


def test_excluded_mandatory_option_is_reported_even_when_unmet_is_allowed() -> None:
    """Unmet demand does not make an unstartable mandatory option optional.

    Years 2027–28; m (SB) is mandatory with lead time 3: it can never deliver.
    Expected: infeasible (exit 3) naming m, as without allow_unmet. Regression:
    it used to be dropped silently (optimal, m not started, no diagnosis).
    """
    case = make_case([option("a", "SA", 1),
                      option("m", "SB", 2, mandatory=True, lead_time_years=3)],
                     years=[2027, 2028], allow_unmet=True)
    r = solve(case)
    assert r.exit_code == 3
    assert any("Mandatory option m" in rel.message for rel in r.diagnosis)


def test_unreachable_min_suppliers_with_unmet_allowed_leaves_the_demand_unmet() -> None:
    """R's only option has value from prohibited Z; min_suppliers 2 cannot be met in any
    year, so R is single source throughout (not infeasible) and, with unmet demand
    allowed, its 10 units go unmet while R2's 5 are bought. Regression: Pyomo's
    InfeasibleConstraintException used to escape solve_case (dual_sourcing row with no
    startable option)."""
    case = make_case([option("z", "SA", 1), option("b", "SB", 1, "R2")],
                     inputs=[input_row("z", "Z", 0.1)], demand={"R": 10, "R2": 5},
                     capabilities=[{"capability_id": "R", "name": "R", "min_suppliers": 2},
                                   {"capability_id": "R2", "name": "R2"}],
                     allow_unmet=True)
    r = solve(case)
    assert r.exit_code == 0
    assert totals(r) == {"b": 5}
    from sovopt.metrics import evaluate

    assert evaluate(r.data, r.portfolio).kpis["unmet_units"] == pytest.approx(10.0)


def test_no_usable_option_with_unmet_allowed_leaves_all_demand_unmet() -> None:
    """The only option cannot deliver within the horizon; unmet demand is allowed.

    Expected: optimal (exit 0), nothing delivered, unmet share 10/10 = 1.
    Regression: the empty loss table was float-typed and pandas refused to
    merge it with the options (ValueError in scenario_shortfall.loss_rows).
    """
    case = make_case([option("a", "SA", 1, lead_time_years=1)], allow_unmet=True)
    r = solve(case)
    assert r.exit_code == 0
    assert totals(r) == {}
    assert r.levels[0].value == pytest.approx(1.0, abs=1e-9)


def test_capacity_is_relaxed_before_demand_when_it_makes_room() -> None:
    """Raising SA's capacity from 5 to 10 makes the case feasible; demand must stay.

    Demand 10. a (SA, capacity 5) 1/unit; b (SB) 1/unit but min_total_qty 20,
    more than the whole demand, so b can never start. The precheck passes
    (a 5 + b 10 ≥ 10). Relaxing SA's capacity by 5 costs 5/5 = 1 in the
    elastic model, dropping 5 units of demand 1000·5/10 = 500: the diagnosis
    should be "Capacity of supplier SA ... must rise by 5 to 10".
    """
    case = make_case([option("a", "SA", 1), option("b", "SB", 1, min_total_qty=20.0)],
                     suppliers=[supplier("A", "SA", capacity=5.0), supplier("B", "SB"),
                                supplier("H", "SH")])
    r = solve(case)
    assert r.exit_code == 3
    assert [x.family for x in r.diagnosis] == ["supplier_capacity"]
    rel = r.diagnosis[0]
    assert (rel.current, rel.needed) == pytest.approx((5.0, 10.0))
