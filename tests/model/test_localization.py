"""Known answers for the localization constraint family
(sovopt/model/constraints/localization.py).

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
    totals,
)


@pytest.mark.parametrize(("integer", "dom_units", "cost"), [
    # 2·d ≥ 0.5·(2·d + (10 − d)) ⇔ 1.5·d ≥ 5 ⇔ d ≥ 10/3: whole units d = 4,
    # cost 2·4 + 6 = 14; continuous d = 10/3, cost 20/3 + 20/3 = 40/3
    (True, 4.0, 14.0),
    (False, 10 / 3, 40 / 3),
])
@covers("localization")
def test_localization_forces_a_domestic_share(integer: bool, dom_units: float,
                                              cost: float) -> None:
    """Half of the year's unit spending must be local: dom (λ = 1, 2/unit) vs buy (1/unit)."""
    case = make_case([option("dom", "SH", 2), option("buy", "SA", 1)], local_share=0.5,
                     capabilities=[{"capability_id": "R", "name": "R",
                                    "integer_units": integer}])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(cost / 100, abs=1e-9)
    assert totals(r)["dom"] == pytest.approx(dom_units, abs=1e-6)
    assert totals(r)["buy"] == pytest.approx(10 - dom_units, abs=1e-6)
    if not integer:
        # d(ℓ) = 10·ℓ/(2 − ℓ), cost (10 + d)/100: d′ = 20/(2 − ℓ)² = 8.889 at ℓ = 0.5,
        # so one point of target costs 8.889/100/100 = 0.000889 of the budget
        duals = r.duals.set_index(["constraint", "year"])["marginal_value"]
        assert duals[("localization", 2027)] == pytest.approx(20 / 2.25 / 1e4, abs=1e-9)
    off = solve(case, MIN_COST_WITHOUT["localization"])
    assert objective(off) == pytest.approx(0.1, abs=1e-9)


@covers("localization")
def test_localization_counts_local_content_of_foreign_suppliers() -> None:
    """A licence with 60 % local content meets a 50 % target alone.

    lic (SA, license, λ = 0.6) 1.5/unit; buy (SA) 1/unit; dom (SH) 3/unit.
    Target 0.5: 0.6·1.5·l ≥ 0.5·(1.5·l + b) with l + b = 10:
    0.9·l ≥ 0.75·l + 0.5·(10 − l) ⇔ 0.65·l ≥ 5 ⇔ l ≥ 7.69 → 8 (dom is
    dearer than lic for the same local value). cost = 8·1.5 + 2 = 14; 0.14.
    """
    case = make_case([option("lic", "SA", 1.5, mode="license", local_content=0.6),
                      option("buy", "SA", 1), option("dom", "SH", 3)], local_share=0.5)
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.14, abs=1e-9)
    assert totals(r) == {"lic": 8, "buy": 2}
