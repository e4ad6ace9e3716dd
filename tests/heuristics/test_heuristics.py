"""Primal heuristics on small cases whose optimum is known.

The reference optimum of each test is the plain MIP of the same model solved
to a zero gap in the test (the contract's formulation, written out literally
in bench/contract.py, proves the same optimum for the scenario level:
tests/test_bench.py): the example's scenario-risk level (CVaR + 0.1 × worst
case) for relax-and-fix, its cheapest plan (min_cost) for the repairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sovopt.example import example_case
from sovopt.heuristics import construct
from sovopt.heuristics.columns import NO_YEAR, column_years, plan_columns
from sovopt.heuristics.complete import complete
from sovopt.heuristics.construct import block_case, capability_blocks
from sovopt.heuristics.relax_and_fix import relax_and_fix, windows_of
from sovopt.heuristics.repair import repair
from sovopt.highs import Stop, add_row, has_solution, set_cost, to_highs
from sovopt.model import build_model
from sovopt.prepare import prepare
from sovopt.solver import level_cost, solve_case
from tests.checker import check_portfolio


@pytest.fixture(scope="module")
def example():
    d = prepare(example_case())
    m = build_model(d)
    hm = to_highs(m, m.term_names, {"random_seed": 0})
    return d, m, hm


def violation(hm, values: np.ndarray) -> float:
    """The largest amount by which ``values`` breaks a row, a bound or integrality."""
    act = hm.A @ values
    worst = max(np.max(hm.row_lower - act, initial=0), np.max(act - hm.row_upper, initial=0),
                np.max(hm.col_lower - values, initial=0), np.max(values - hm.col_upper,
                                                                   initial=0))
    ints = hm.integrality == 1
    return max(worst, float(np.max(np.abs(values[ints] - np.round(values[ints])), initial=0)))


def test_windows_cut_the_years_in_order() -> None:
    assert windows_of([2027, 2028, 2029, 2030, 2031], 2) == [[2027, 2028], [2029, 2030],
                                                              [2031]]


def test_every_integer_with_a_year_gets_it(example) -> None:
    d, m, hm = example
    years = column_years(hm, d.years)
    x = hm.positions(m.x)
    assert (years[x] == d.deliveries["year"].to_numpy()).all()
    assert (years[hm.positions(m.z)] == NO_YEAR).all()  # suppliers: no year


def test_relax_and_fix_finds_a_feasible_portfolio_within_its_valid_bound(example) -> None:
    """Window 1's bound ≤ the known optimum ≤ the portfolio's value, and the
    portfolio satisfies every row with integral integers."""
    d, m, hm = example
    cost, scale = level_cost(hm, {"cvar": 1.0, "worst_case": 0.1})
    set_cost(hm, cost)
    hm.highs.setOptionValue("mip_rel_gap", 0.0)
    hm.highs.run()
    optimum = hm.highs.getInfo().objective_function_value * scale
    found = relax_and_fix(hm, cost, d.years, seconds=60, window=3, gap=0.0)
    assert found is not None
    assert [w["years"] for w in found.windows] == ["2027-2029", "2030-2032", "2033-2035",
                                                   "2036-2036"]
    assert violation(hm, found.values) <= 1e-6
    value, bound = found.objective * scale, found.bound * scale
    assert bound <= optimum + 1e-7
    assert value >= optimum - 1e-7
    assert found.gap >= 0
    # integrality and bounds are as they were
    assert list(hm.highs.getLp().integrality_) == [
        __import__("highspy").HighsVarType(int(k)) for k in hm.integrality]


def _cheapest(hm):
    cost, scale = level_cost(hm, {"cost": 1.0})
    set_cost(hm, cost)
    hm.highs.setOptionValue("mip_rel_gap", 0.0)
    hm.highs.run()
    assert has_solution(hm.highs)
    return cost, np.asarray(hm.highs.getSolution().col_value)


def test_a_feasible_start_is_completed_as_it_is(example) -> None:
    _, _, hm = example
    cost, best = _cheapest(hm)
    values, step = repair(hm, cost, best, seconds=30)
    assert step == "start completed"
    assert cost @ values == pytest.approx(cost @ best, abs=1e-9)


def test_wrong_quantities_are_repaired_with_the_starts_kept(example) -> None:
    """The optimal starts with every delivery zeroed: step 1 cannot meet demand,
    step 2 re-chooses the quantities with the starts fixed, which gives back
    the optimum (the quantities of a cost optimum are optimal for its starts)."""
    _, m, hm = example
    cost, best = _cheapest(hm)
    start = best.copy()
    start[hm.positions(m.x)] = 0.0
    values, step = repair(hm, cost, start, seconds=30)
    assert step == "quantities repaired"
    assert violation(hm, values) <= 1e-6
    assert cost @ values == pytest.approx(cost @ best, rel=1e-7)
    assert np.array_equal(np.round(values[hm.binary]), np.round(best[hm.binary]))


def test_an_infeasible_start_is_repaired_to_a_feasible_portfolio(example) -> None:
    """Nothing started at all: only the proximity MIP can repair it."""
    _, _, hm = example
    cost, best = _cheapest(hm)
    values, step = repair(hm, cost, np.zeros(hm.num_col), seconds=30)
    assert step == "start repaired"
    assert violation(hm, values) <= 1e-6
    assert cost @ values >= cost @ best - 1e-9


def test_an_earlier_runs_portfolio_is_a_start_that_completes_to_its_own_value(example) -> None:
    """The cheapest plan, solved and extracted as a Portfolio (what a results
    workbook or a stored run holds), mapped back onto the columns: step 1
    completes it (dual-sourcing links and the rest follow) at the same cost;
    a start in a year the option cannot start is dropped and counted."""
    from sovopt.heuristics.columns import plan_columns
    from sovopt.heuristics.start import start_vector
    from sovopt.portfolio import Portfolio
    from sovopt.solver import solve_case

    d, m, hm = example
    ours = solve_case(example_case(), "min_cost", gap=0.0, time_limit=60)
    cost, scale = level_cost(hm, {"cost": 1.0})
    extra = ours.portfolio.starts.iloc[:1].assign(start_year=1900)
    pf = Portfolio(starts=__import__("pandas").concat([ours.portfolio.starts, extra]),
                   deliveries=ours.portfolio.deliveries)
    sv = start_vector(hm, m, d, pf)
    assert (sv.dropped_starts, sv.dropped_deliveries) == (1, 0)
    values, step = repair(hm, cost, sv.values, seconds=30, decided=plan_columns(hm, m))
    assert step == "start completed"
    assert violation(hm, values) <= 1e-6
    assert cost @ values * scale == pytest.approx(ours.term_values["cost"], rel=1e-6)


def test_the_open_columns_of_an_optimum_complete_to_its_value(example) -> None:
    """The scenario-risk optimum (zero gap) with every continuous column thrown
    away: its integers alone, completed on the open columns, give back the
    optimum's value (the continuous part of an optimum is an optimum of the LP
    its integers leave), and the vector keeps every row."""
    _, _, hm = example
    cost, scale = level_cost(hm, {"cvar": 1.0, "worst_case": 0.1})
    set_cost(hm, cost)
    hm.highs.setOptionValue("mip_rel_gap", 0.0)
    hm.highs.run()
    best = np.asarray(hm.highs.getSolution().col_value)
    ints = np.flatnonzero(hm.integrality == 1)
    thrown = np.zeros(hm.num_col)
    thrown[ints] = best[ints]
    found = complete(hm, cost, thrown, ints, seconds=30)
    assert found.values is not None and found.broken_rows == 0
    assert found.open_columns == hm.num_col - len(ints)
    assert violation(hm, found.values) <= 1e-6
    assert cost @ found.values == pytest.approx(cost @ best, rel=1e-9, abs=1e-12)
    assert np.array_equal(found.values[ints], np.round(best[ints]))


def test_a_fixed_part_that_breaks_a_row_is_refused_before_any_solve(example) -> None:
    """The cheapest plan with one capability's deliveries of a year zeroed (the
    example allows no unmet demand, so its demand row has fixed columns only), and
    the cheapest plan under a held row on its own spend that it cannot keep: both
    are refused with the rows counted, and nothing is solved."""
    d, m, hm = example
    cost, best = _cheapest(hm)
    decided, _ = plan_columns(hm, m)
    x = hm.positions(m.x)
    need = d.demand.iloc[len(d.demand) // 2]  # a requirement with demand > 0
    cut = best.copy()
    cut[x[((d.deliveries["capability_id"] == need["capability_id"])
           & (d.deliveries["year"] == need["year"])).to_numpy()]] = 0.0
    found = complete(hm, cost, cut, decided, seconds=30)
    assert found.values is None and found.broken_rows >= 1
    assert "break" in found.status

    planned = np.zeros(hm.num_col)  # the plan's own spend: a row of decided columns only
    planned[decided] = cost[decided]
    assert planned @ best > 0
    held = add_row(hm, planned, -np.inf, 0.5 * float(planned @ best))
    try:
        found = complete(hm, cost, best, decided, seconds=30)
        assert found.values is None and found.broken_rows == 1
    finally:
        hm.highs.deleteRows(1, np.array([held], dtype=np.int32))
    found = complete(hm, cost, best, decided, seconds=30)
    assert found.values is not None
    assert cost @ found.values == pytest.approx(cost @ best, rel=1e-9)


def test_relax_and_fix_from_a_feasible_start_keeps_a_valid_bound(example) -> None:
    """Window 1 may start from any feasible portfolio (here the cheapest plan); its
    bound stays at or below the level's optimum and the portfolio is feasible."""
    d, _, hm = example
    _, cheapest = _cheapest(hm)
    cost, _ = level_cost(hm, {"cvar": 1.0, "worst_case": 0.1})
    set_cost(hm, cost)
    hm.highs.setOptionValue("mip_rel_gap", 0.0)
    hm.highs.run()
    optimum = hm.highs.getInfo().objective_function_value
    found = relax_and_fix(hm, cost, d.years, seconds=60, window=4, gap=0.0, start=cheapest)
    assert found is not None
    assert violation(hm, found.values) <= 1e-6
    assert found.bound <= optimum + 1e-9 <= found.objective + 2e-9


# --- the first portfolio built capability by capability --------------------------------


def test_capabilities_are_cut_into_blocks_of_about_the_given_options() -> None:
    """The example's ten capabilities in order have 4, 5, 5, 3, 4, 3, 3, 3, 2, 1
    options. With 10 per block: 4+5 (a third would make 14), 5+3 (12), 4+3+3, then
    3+2+1; with 8: 4 (9), 5 (10), 5+3, 4+3 (10), 3+3+2, 1."""
    case = example_case()
    assert capability_blocks(case, per_block=10) == [
        ["AD_INT", "ART155"], ["DRONE", "RADIO"], ["ARMV", "OPV", "SATT"],
        ["CUAS", "SHORAD", "ATGM"]]
    assert capability_blocks(case, per_block=8) == [
        ["AD_INT"], ["ART155"], ["DRONE", "RADIO"], ["ARMV", "OPV"],
        ["SATT", "CUAS", "SHORAD"], ["ATGM"]]
    assert len(capability_blocks(case, per_block=1000)) == 1


def test_a_block_case_has_what_the_earlier_blocks_left() -> None:
    """Budget left as given, an engaged supplier's activation cost spent, a supplier's
    capacity less the most units taken from it in a year, no scenarios, and unmet
    demand allowed (priced, so a block never fails on demand alone)."""
    case = example_case()
    budget = case.budget.assign(budget=case.budget["budget"] * 0.5)
    options = case.options[case.options["capability_id"] == "ART155"]
    supplier = options["supplier_id"].iloc[0]
    capacity = float(case.suppliers.set_index("supplier_id").loc[supplier, "capacity_per_year"])
    taken = pd.Series({supplier: 1.0})
    sub = block_case(case, ["ART155"], budget, {supplier}, taken, localization=False)
    assert set(sub.options["option_id"]) == set(options["option_id"])
    assert list(sub.budget["budget"]) == list(case.budget["budget"] * 0.5)
    assert (sub.budget["min_local_share"] == 0).all()
    row = sub.suppliers.set_index("supplier_id").loc[supplier]
    assert row["activation_cost"] == 0.0
    if np.isfinite(capacity):
        assert row["capacity_per_year"] == capacity - 1.0
    else:
        assert pd.isna(row["capacity_per_year"])
    assert sub.scenarios.empty and sub.settings.allow_unmet
    assert set(sub.inputs["option_id"]) <= set(options["option_id"])


@pytest.mark.parametrize("workers", [1, 2])
def test_the_blocks_portfolio_keeps_the_shared_limits_of_the_example(workers: int) -> None:
    """The example in four blocks of about 10 options: each block's cheapest plan
    within what the blocks before it left; with two workers, each part within its
    share of the budget and capacity, then a short block again with what the
    others left. Together they keep every year's budget and every supplier's
    capacity (the independent checker); the example's budget is tight in
    2027-2028, so some requirements are left short there, which the repair of
    the start puts right (next test)."""
    case = example_case()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(construct, "OPTIONS_PER_BLOCK", 10)
        portfolio = construct.constructive_portfolio(case, 120, Stop(), workers=workers)
    assert portfolio is not None and len(portfolio.starts)
    problems = check_portfolio(case, portfolio)
    assert not [p for p in problems if p.startswith(("budget", "supplier_capacity"))]
    # only requirements left short: demand, a fleet in service, a stocked munition
    assert all(p.startswith(("demand", "fleet_service", "stock_balance")) for p in problems)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_solve_from_the_blocks_portfolio_reaches_the_known_cheapest_plan(
        monkeypatch, workers: int) -> None:
    """With the size threshold at 0 the example's min_cost solve starts from the blocks'
    portfolio (built by one process or by two) and still ends at the cheapest plan
    the plain MIP proves (zero gap)."""
    import sovopt.solver as solve_module

    plain = solve_case(example_case(), "min_cost", gap=0.0, time_limit=60)
    monkeypatch.setattr(solve_module, "CONSTRUCT_MIN_INTEGERS", 0)
    monkeypatch.setattr(solve_module, "default_workers", lambda: workers)
    monkeypatch.setattr(construct, "OPTIONS_PER_BLOCK", 10)
    built = solve_case(example_case(), "min_cost", gap=0.0, time_limit=60)
    assert built.status == plain.status == "optimal"
    assert any("built capability by capability (4 blocks" in n for n in built.notes)
    assert built.term_values["cost"] == pytest.approx(plain.term_values["cost"], rel=1e-9)
    assert check_portfolio(example_case(), built.portfolio) == []


# --- the parts built at once -----------------------------------------------------------


def test_the_blocks_are_dealt_out_to_the_parts_in_turn() -> None:
    """The example's four blocks of about 10 options, dealt to two workers: blocks 1
    and 3 to the first, 2 and 4 to the second (capabilities in the case's order);
    to four workers one each, and never more parts than blocks."""
    case = example_case()
    blocks = capability_blocks(case, per_block=10)
    assert construct.parts_of(blocks, 2) == [
        ["AD_INT", "ART155", "ARMV", "OPV", "SATT"], ["DRONE", "RADIO", "CUAS", "SHORAD", "ATGM"]]
    assert construct.parts_of(blocks, 4) == blocks
    assert construct.parts_of(blocks, 9) == blocks


def test_a_part_holds_its_share_of_the_budget_and_of_each_suppliers_capacity() -> None:
    """A part with 19 of the example's 33 options (blocks 1 and 3: 9 + 10) gets 19/33
    of each year's budget; a supplier gets the share of its options that the part
    holds."""
    case = example_case()
    caps = ["AD_INT", "ART155", "ARMV", "OPV", "SATT"]
    part = construct.part_case(case, caps)
    assert list(part.budget["budget"]) == pytest.approx(list(case.budget["budget"] * 19 / 33))
    mine = case.options[case.options["capability_id"].isin(caps)]
    assert set(part.options["option_id"]) == set(mine["option_id"])
    assert set(part.demand["capability_id"]) <= set(caps)
    full = case.suppliers.set_index("supplier_id")["capacity_per_year"]
    for supplier, row in part.suppliers.set_index("supplier_id").iterrows():
        held = (mine["supplier_id"] == supplier).sum() / (case.options["supplier_id"]
                                                           == supplier).sum()
        if pd.isna(full[supplier]):
            assert pd.isna(row["capacity_per_year"])
        else:
            assert row["capacity_per_year"] == pytest.approx(full[supplier] * held)
