"""Known answers for the demand constraint family
(sovopt/model/constraints/demand.py).

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
