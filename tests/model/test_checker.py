"""The independent checker (tests/checker.py) itself: a hand-made portfolio passes, and each
broken limit is named."""

from __future__ import annotations

import pandas as pd
import pytest

from sovopt.portfolio import Portfolio
from tests.checker import check_portfolio
from tests.model_cases import (
    covers,
    feasible,
    input_row,
    make_case,
    objective,
    option,
    solve,
    supplier,
    units,
)


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
