"""Every reported number is the verified optimum of its level, or says plainly it is not.

Regression tests of the defects an independent reimplementation of the
formulation found, each with its hand-worked answer, and a property test over
random small cases: every optimised level's portfolio passes the independent
checker (tests/checker.py) and the level's reported value is the value of that
portfolio.
"""

from __future__ import annotations

import os
import threading
import time

import highspy
import numpy as np
import pytest

import sovopt.level as level_module  # where LevelSolver runs and checks a level
import sovopt.solver as solve_module
from sovopt.highs import Stop, to_highs
from sovopt.metrics import evaluate
from sovopt.model import build_model
from sovopt.portfolio import Portfolio
from sovopt.prepare import prepare
from sovopt.report import report_from_solve
from tests.checker import check_portfolio
from tests.model_cases import (
    countries,
    level_value,
    make_case,
    option,
    preset,
    solve,
    supplier,
    totals,
)
from tests.random_cases import level_problems, random_case


def _issue_case():
    """One year, budget 10 000, allow_unmet; H home and N neutral (max share 0.35).

    R1: 20 units (continuous), R2: 17 whole units. O1 (R1, home supplier, buy)
    3/unit; O2 (R2, domestic) 4/unit; O4 (R2, bought from N) 2/unit; O5 (R1,
    licence from N, local content 1, min_total_qty 10) 5/unit.
    """
    return make_case(
        [option("O1", "SH", 3, capability="R1", mode="buy"),
         option("O2", "SH", 4, capability="R2"),
         option("O4", "SN", 2, capability="R2"),
         option("O5", "SN", 5, capability="R1", mode="license", local_content=1.0,
                min_total_qty=10)],
        demand={"R1": 20, "R2": 17},
        capabilities=[{"capability_id": "R1", "name": "r1", "integer_units": False},
                      {"capability_id": "R2", "name": "r2"}],
        budget=10000, country_rows=countries(max_share={"N": 0.35}), allow_unmet=True)


def test_reported_cost_is_the_cost_of_the_reported_portfolio() -> None:
    """min_cost: the portfolio printed is the optimum of the cost level.

    O4 is capped at 0.35·17 = 5.95, so 5 whole units; R2's other 12 from O2;
    R1's 20 from O1 (O5 costs more): 60 + 10 + 48 = 118; 118/10 000 = 0.0118.
    Unmet demand is 0, and stays exactly 0 in the cost level (not 19.99996
    of R1's 20 units, which a 1e-6 hold tolerance would allow).
    """
    case = _issue_case()
    r = solve(case, "min_cost")
    assert r.status == "optimal"
    assert level_value(r, "cost") == pytest.approx(0.0118, abs=1e-12)
    assert totals(r) == {"O1": 20, "O2": 12, "O4": 5}
    assert check_portfolio(case, r.portfolio) == []
    assert evaluate(r.data, r.portfolio).kpis["total_cost"] == pytest.approx(118.0, abs=1e-9)


def test_min_dependence_on_the_same_case_avoids_the_neutral_country() -> None:
    """min_dependence: exposure and HHI first, so nothing from N (risk 0, but HHI 0 wins).

    Any unit of O4 gives R2 a foreign share and a positive HHI; O5 has all its
    value at home. Level "exposure and concentration" = 0; then cost: R1 from
    O1 (3 < 5), R2 all from O2: 60 + 68 = 128; 0.0128.
    """
    case = _issue_case()
    r = solve(case, "min_dependence")
    assert r.status == "optimal"
    assert level_value(r, "exposure and concentration") == pytest.approx(0.0, abs=1e-12)
    assert level_value(r, "cost") == pytest.approx(0.0128, abs=1e-12)
    assert totals(r) == {"O1": 20, "O2": 17}


def _fake_status(monkeypatch, failures: int, status=highspy.HighsModelStatus.kSolveError):
    """Make the first ``failures`` level runs end with ``status`` (after really running)."""
    real = level_module.supervised_run
    calls = {"n": 0}

    def run(h, stop, heartbeat=None, every=4.0):
        got = real(h, stop, heartbeat, every)
        if heartbeat is not None and calls["n"] < failures:  # a level's (or crash) run
            calls["n"] += 1
            return status
        return got

    monkeypatch.setattr(level_module, "supervised_run", run)
    return calls


def test_a_solver_error_is_retried_another_way(monkeypatch) -> None:
    """A Solve error on the first try is not an answer: the level is solved again.

    Demand 10, a (SA) 1/unit, b (SB) 2/unit: min_cost 10/100 = 0.1, proven on
    the second try; the level's note records the failed first try.
    """
    _fake_status(monkeypatch, failures=1)
    case = make_case([option("a", "SA", 1), option("b", "SB", 2)])
    r = solve(case, "min_cost")
    assert r.status == "optimal" and r.exit_code == 0
    assert level_value(r, "cost") == pytest.approx(0.1, abs=1e-12)
    assert any("Solve error" in lv.note for lv in r.levels)


def test_a_solver_error_that_persists_gives_no_plan(monkeypatch) -> None:
    """Solve error on every attempt: status solver_error, exit 4, no portfolio, the message."""
    _fake_status(monkeypatch, failures=10**6)
    case = make_case([option("a", "SA", 1), option("b", "SB", 2)])
    r = solve(case, "min_cost")
    assert r.status == "solver_error" and r.exit_code == 4
    assert not r.has_portfolio and r.portfolio.starts.empty
    assert "Solve error" in r.message and "without presolve" in r.message
    report = report_from_solve(r, None, None)
    assert report.summary["status"] == "solver_error"
    assert report.summary["status_detail"].startswith("The solver failed")
    assert report.summary["total_cost"] is None


def test_a_vector_that_fails_its_check_is_solved_again(monkeypatch) -> None:
    """A solution whose check fails (as HiGHS's returned MIP start did) is never used.

    The first check of every level is made to fail; each level is then solved
    from scratch and its answer (0.1, as above) is verified and used.
    """
    real = level_module.solution_problems
    seen: set[int] = set()

    def fail_first(hm, values, cost, claimed, d, portfolio, switched_off=frozenset()):
        if cost is not None and id(cost) not in seen:
            seen.add(id(cost))
            return ["model: the objective of the vector is 1, HiGHS reported 0"]
        return real(hm, values, cost, claimed, d, portfolio, switched_off)

    monkeypatch.setattr(level_module, "solution_problems", fail_first)
    case = make_case([option("a", "SA", 1), option("b", "SB", 2)])
    r = solve(case, "min_cost")
    assert r.status == "optimal"
    assert level_value(r, "cost") == pytest.approx(0.1, abs=1e-12)
    cost_level = next(lv for lv in r.levels if lv.name == "cost")
    assert "failed its check" in cost_level.note
    assert cost_level.method != "MIP from the previous portfolio"


def test_an_engaged_supplier_always_has_a_started_option() -> None:
    """z[s] ≤ Σ starts: with SN's starts held at 0, maximising z[SN] still gives 0.

    Before, z was bounded only from below by the starts, so a level that does
    not price cost could engage a supplier for nothing and pay its activation.
    """
    case = make_case([option("a", "SA", 1), option("n", "SN", 1)],
                     suppliers=[supplier("A", "SA"), supplier("N", "SN", activation_cost=5.0)])
    d = prepare(case)
    m = build_model(d)
    hm = to_highs(m, m.term_names)
    z = hm.column_of[id(m.z["SN"])]
    n_starts = [hm.column_of[id(m.start[k])] for k in m.start if k[0] == "n"]
    h = hm.highs
    cost = np.zeros(hm.num_col)
    cost[z] = -1.0
    h.changeColsCost(hm.num_col, np.arange(hm.num_col, dtype=np.int32), cost)
    idx = np.asarray(n_starts, dtype=np.int32)
    h.changeColsBounds(len(idx), idx, np.zeros(len(idx)), np.zeros(len(idx)))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert h.getSolution().col_value[z] == pytest.approx(0.0, abs=1e-9)


def test_model_cost_equals_metrics_cost_when_cost_is_not_optimised() -> None:
    """A level of HHI alone: the plan pays exactly what the model's cost term says.

    a (SA) and n (SN, activation 5) at 1/unit, demand 10: HHI alone is least
    at 5/5 (0.5), so both suppliers are used; cost 10 + 5 = 15 in both views.
    """
    case = make_case([option("a", "SA", 1), option("n", "SN", 1)],
                     suppliers=[supplier("A", "SA"), supplier("N", "SN", activation_cost=5.0)])
    r = solve(case, preset([{"hhi": 1}]))
    assert r.status == "optimal"
    metrics = evaluate(r.data, r.portfolio)
    assert metrics.kpis["total_cost"] == pytest.approx(15.0, abs=1e-9)
    assert r.term_values["cost"] * r.data.total_budget == pytest.approx(15.0, abs=1e-9)


def test_dependence_sheet_counts_suppliers_as_the_model_does() -> None:
    """A token second supplier is single source in the report as in the model.

    Demand 10, min_suppliers 2, share 0.1: a 9 + b 1 counts two suppliers; a
    hand-made a 9.5 + b 0.5 (continuous units) counts one: single source, and
    min_suppliers is reported broken in that year.
    """
    case = make_case([option("a", "SA", 1), option("b", "SB", 2)],
                     capabilities=[{"capability_id": "R", "name": "R", "min_suppliers": 2,
                                    "integer_units": False}])
    r = solve(case)
    dep = evaluate(r.data, r.portfolio).dependence
    assert dep["suppliers"].tolist() == [2] and not bool(dep["single_source"].iloc[0])
    token = Portfolio(
        starts=r.portfolio.starts,
        deliveries=r.portfolio.deliveries.assign(
            units=[9.5 if o == "a" else 0.5 for o in r.portfolio.deliveries["option_id"]]))
    m = evaluate(r.data, token)
    assert m.dependence["suppliers"].tolist() == [1]
    assert bool(m.dependence["single_source"].iloc[0])
    assert any("1 supplier(s) deliver at least 10% of the demand in 2027" in v
               for v in m.violations)


def test_a_stop_request_ends_the_solve_with_its_best_verified_portfolio() -> None:
    """A Stop requested mid-solve (what Ctrl-C does) ends within seconds, status interrupted.

    The bundled example takes well over a second; the request comes 1.5 s in.
    Whatever was found by then is verified (the checker finds nothing wrong);
    the levels not reached say so; the exit code is 130.
    """
    from sovopt.example import example_case

    case = example_case()
    stop = Stop()
    timer = threading.Timer(1.5, stop.request)
    t0 = time.monotonic()
    timer.start()
    r = solve_module.solve_case(case, time_limit=120, stop=stop)
    elapsed = time.monotonic() - t0
    timer.cancel()
    assert r.status == "interrupted" and r.exit_code == 130
    assert elapsed < 1.5 + 5.0
    assert any(lv.status == "not solved: interrupted" for lv in r.levels)
    if r.has_portfolio:
        assert check_portfolio(case, r.portfolio) == []


#: Random cases per run of the suite; SOVOPT_CAMPAIGN=200 runs a larger campaign.
CASES = int(os.environ.get("SOVOPT_CAMPAIGN", "50"))
SEED = int(os.environ.get("SOVOPT_CAMPAIGN_SEED", "20261201"))


def test_every_level_of_random_cases_is_its_portfolio() -> None:
    """Property: for random small cases, each optimised level's value is its portfolio's.

    Seeded (SOVOPT_CAMPAIGN_SEED, default 20261201); each case is solved with
    one of the three presets at gap 0. Infeasible cases must be diagnosed;
    every other must be optimal, and every level checks out
    (:func:`tests.random_cases.level_problems`).
    """
    rng = np.random.default_rng(SEED)
    failures, solved = [], 0
    for i in range(CASES):
        case = random_case(rng)
        objective = ("min_cost", "min_dependence", "balanced")[i % 3]
        r = solve(case, objective)
        if r.status == "infeasible":
            assert r.diagnosis, f"case {i}: infeasible without a diagnosis"
            continue
        assert r.status == "optimal", f"case {i} ({objective}): {r.status} {r.message}"
        solved += 1
        found = level_problems(case, r)
        if found:
            failures.append(f"case {i} ({objective}): {found}")
    assert not failures, failures
    assert solved >= CASES // 3, f"only {solved} of {CASES} random cases were feasible"


def test_budget_marginal_value_in_money_and_words() -> None:
    """The budget's dual, per currency unit and in words, worked by hand.

    Demand 10 (continuous units), budget 20; a (SA, risk 1) 1/unit, dom (SH)
    3/unit. Level 1 exposure = (units of a)/20: the budget buys dom up to
    3·dom + (10 − dom) = 20, dom = 5, exposure 5/20 = 0.25. One more unit of
    budget buys 0.5 more dom and 0.5 less a: exposure falls by 0.5/20 =
    0.025 per unit (the normaliser Σ B stays), "2.5 points" per EUR.
    """
    case = make_case([option("a", "SA", 1), option("dom", "SH", 3)],
                     capabilities=[{"capability_id": "R", "name": "R",
                                    "integer_units": False}],
                     country_rows=countries(risk={"A": 1.0}), budget=20)
    r = solve(case, preset([{"exposure": 1}, {"cost": 1}]))
    assert level_value(r, "level 1") == pytest.approx(0.25, abs=1e-9)
    row = r.duals.set_index("constraint").loc["budget"]
    assert row["marginal_value"] == pytest.approx(0.025, abs=1e-9)
    # all 20 are spent: the budget binds, and the words say so
    assert row["meaning"] == ("one more EUR of budget in 2027 (it binds: all of it is spent) "
                              "lowers level 1 by 2.5 points")


def test_duals_have_their_own_time_after_a_time_limited_solve() -> None:
    """A solve that spends its whole (tiny) limit still gets its marginal values.

    The example with a 2 s limit, started from its cheapest plan so that it has a
    portfolio however busy the machine is: whatever the levels reach, the LP
    re-solve has its share of the limit held back for it, at least a second (and
    HiGHS's clock, which adds up over the runs, does not count against it), so
    every budget and localization year has a value.
    """
    from sovopt.example import example_case

    case = example_case()
    cheapest = solve_module.solve_case(case, "min_cost", gap=0.05)
    r = solve_module.solve_case(case, time_limit=2.0, start=cheapest.portfolio)
    assert r.has_portfolio, r.status
    years = len(case.years)
    assert len(r.duals) == 2 * years
    assert r.duals["meaning"].str.contains(" in 20").all()


def test_status_detail_says_how_far_from_optimal() -> None:
    """A time-limited plan says which level may be how much better, in words."""
    from sovopt.solver import LevelResult, SolveResult

    case = _issue_case()
    r = solve(case, "min_dependence")
    limited = SolveResult(
        status="time_limit", preset=r.preset, data=r.data, mip_gap=0.01, verified=True,
        levels=[LevelResult("scenario risk", {}, "optimal", 0.1, 0.0),
                LevelResult("exposure and concentration", {}, "time_limit", 0.5, 0.62),
                LevelResult("cost", {}, "not solved: time limit")])
    from sovopt.report import status_detail

    assert status_detail(limited) == (
        "Not proven optimal: the time limit ended the solve: the best possible could be up "
        "to 62% better on exposure and concentration; cost was not optimised (no time left).")
    assert status_detail(r) == ("Proven optimal: every level is within the requested gap "
                                "of 0.0%.")


def test_min_supplier_share_that_cannot_add_up_is_infeasible_with_its_cell() -> None:
    """min_suppliers 3 × min_supplier_share 0.4 = 120 % of demand: infeasible, named."""
    case = make_case([option("a", "SA", 1), option("b", "SB", 2), option("p", "SP", 2)],
                     capabilities=[{"capability_id": "R", "name": "R", "min_suppliers": 3,
                                    "min_supplier_share": 0.4}])
    r = solve(case)
    assert r.status == "infeasible"
    [rel] = r.diagnosis
    assert "min_supplier_share" in rel.cell and rel.needed == pytest.approx(0.3333)
    assert rel.needed * 3 <= 1.0
