"""Known answers for the delivery_window constraint family
(sovopt/model/constraints/delivery_window.py).

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


@covers("delivery_window")
def test_delivery_window_lead_time_forces_the_dearer_option_early() -> None:
    """Lead times decide which option serves which year.

    Years 2027–29, demand 0, 5, 5. dom (SH) 1/unit, lead 2: first delivery
    2029 if started in 2027 (its only start year). lic (SB, license) 2/unit,
    lead 1, available_from 2028: first delivery 2029. buy (SA) 3/unit, lead 0.
    2028 can only come from buy: 5·3 = 15; 2029 from dom: 5·1 = 5.
    cost = 20; 20/300.
    """
    case = make_case(
        [option("dom", "SH", 1, lead_time_years=2),
         option("lic", "SB", 2, mode="license", local_content=0.5, lead_time_years=1,
                available_from=2028),
         option("buy", "SA", 3)],
        years=[2027, 2028, 2029], demand={"R": [0, 5, 5]})
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(20 / 300, abs=1e-9)
    assert starts(r)["dom"] == 2027
    assert "lic" not in starts(r)
    assert units(r) == {("buy", 2028): 5, ("dom", 2029): 5}


@covers("delivery_window")
def test_delivery_window_caps_units_per_year() -> None:
    """max_qty_per_year 4 on the cheap option: 4·1 + 6·3 = 22; 22/100."""
    case = make_case([option("cheap", "SA", 1, max_qty_per_year=4.0),
                      option("dear", "SB", 3)])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.22, abs=1e-9)
    assert units(r) == {("cheap", 2027): 4, ("dear", 2027): 6}


@covers("delivery_window")
def test_delivery_window_available_from_and_default_cap() -> None:
    """available_from 2028 keeps the cheap option out of 2027; blank cap = peak demand.

    Demand 3, 8. cheap (SA) 1/unit from 2028 with no yearly cap (so up to the
    capability's largest demand, 8); dear (SB) 2/unit. cost = 3·2 + 8·1 = 14;
    14/200 = 0.07.
    """
    case = make_case([option("cheap", "SA", 1, available_from=2028),
                      option("dear", "SB", 2)],
                     years=[2027, 2028], demand={"R": [3, 8]})
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.07, abs=1e-9)
    assert units(r) == {("dear", 2027): 3, ("cheap", 2028): 8}
    assert starts(r)["cheap"] == 2028
