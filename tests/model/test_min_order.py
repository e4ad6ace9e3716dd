"""Known answers for the min_order constraint family
(sovopt/model/constraints/min_order.py).

(How these tests are built: tests/model/__init__.py.)
"""

from __future__ import annotations

import pytest

from tests.model_cases import (
    MIN_COST_WITHOUT,
    covers,
    feasible,
    make_case,
    objective,
    option,
    solve,
    starts,
    totals,
)


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
