"""Known answers for the country_share constraint family
(sovopt/model/constraints/country_share.py).

(How these tests are built: tests/model/__init__.py.)
"""

from __future__ import annotations

import pytest

from sovopt.prepare import prepare
from tests.model_cases import (
    MIN_COST_WITHOUT,
    countries,
    covers,
    feasible,
    input_row,
    make_case,
    objective,
    option,
    solve,
    totals,
)


@pytest.mark.parametrize(("override", "neutral_units"), [
    (None, 7),  # tier default 0.35 · 20 = 7: 7·1 + 13·2 = 33
    (0.5, 10),  # Countries row max_share 0.5 · 20 = 10: 10 + 10·2 = 30
])
@covers("country_share")
def test_country_share_caps_a_neutral_country(override: float | None,
                                              neutral_units: int) -> None:
    """A neutral supplier may hold at most 35 % (or its row's max_share) of the supply."""
    case = make_case([option("nbuy", "SN", 1), option("abuy", "SA", 2)],
                     demand={"R": 20},
                     country_rows=countries(max_share={} if override is None
                                            else {"N": override}))
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx((neutral_units + 2 * (20 - neutral_units)) / 100,
                                         abs=1e-9)
    assert totals(r) == {"nbuy": neutral_units, "abuy": 20 - neutral_units}
    off = solve(case, MIN_COST_WITHOUT["country_share"])
    assert objective(off) == pytest.approx(0.2, abs=1e-9)
    assert totals(off) == {"nbuy": 20}


@covers("country_share")
def test_country_share_counts_value_origin_of_inputs() -> None:
    """An ally's option with half its value from the neutral country shares N's cap.

    Demand 20, cap on N-origin 0.35·20 = 7. nbuy (SN) 1/unit, σ_N = 1; amix
    (SA) 1.8/unit with a non-critical input from N worth 0.5, σ_N = 0.5; abuy
    (SA) 3/unit. With a = nbuy, b = amix: a + 0.5·b ≤ 7,
    cost = a + 1.8·b + 3·(20 − a − b) = 60 − 2·a − 1.2·b. On a = 7 − b/2 the
    saving is 14 + 0.2·b, largest at b = 14, a = 0: cost 60 − 16.8 = 43.2.
    An option with 1 % of its value from prohibited Z (zbuy, 0.5/unit) is
    excluded before the model is built.
    """
    case = make_case(
        [option("nbuy", "SN", 1), option("amix", "SA", 1.8), option("abuy", "SA", 3),
         option("zbuy", "SA", 0.5)],
        demand={"R": 20},
        inputs=[input_row("amix", "N", 0.5, critical=False),
                input_row("zbuy", "Z", 0.01)])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.432, abs=1e-9)
    assert totals(r) == {"amix": 14, "abuy": 6}
    excluded = prepare(case).excluded
    assert excluded["option_id"].tolist() == ["zbuy"]
    assert "prohibited" in excluded["reason"].iloc[0] and "Z" in excluded["reason"].iloc[0]
