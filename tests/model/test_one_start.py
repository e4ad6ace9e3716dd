"""Known answers for the one_start constraint family
(sovopt/model/constraints/one_start.py).

(How these tests are built: tests/model/__init__.py.)
"""

from __future__ import annotations

import pytest

from tests.model_cases import (
    covers,
    feasible,
    make_case,
    objective,
    option,
    solve,
    starts,
    units,
)


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
