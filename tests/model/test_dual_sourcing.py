"""Known answers for the dual_sourcing constraint family
(sovopt/model/constraints/dual_sourcing.py).

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
    units,
)


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
