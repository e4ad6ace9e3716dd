"""Known answers for the scenario_shortfall constraint family
(sovopt/model/constraints/scenario_shortfall.py).

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
    scenario,
    solve,
    totals,
    units,
)


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
