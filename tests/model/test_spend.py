"""spend: the one definition of unit, fixed and activation spending and of exposure."""

from __future__ import annotations

import pandas as pd
import pytest

from sovopt.prepare import prepare
from sovopt.spend import (
    activation_spend,
    exposure_rate,
    local_share,
    start_spend,
    unit_spend,
    unit_spend_by_year,
)
from tests.model_cases import FIRST_YEAR, input_row, make_case, option, supplier

Y = FIRST_YEAR


@pytest.fixture(scope="module")
def d():
    """O1 from A at 2.0 a unit, local 0.25, fixed 7; O2 at home at 1.0 (local 1);
    supplier A's activation cost 5; an input of O1 from B (0.25); risks A 0.4, B 0.8."""
    case = make_case(
        [option("O1", "SA", 2.0, local_content=0.25, fixed_cost=7.0), option("O2", "SH", 1.0)],
        years=(Y, Y + 1), inputs=[input_row("O1", "B", 0.25)],
        suppliers=[supplier("A", activation_cost=5.0), supplier("H")])
    case.countries.loc[case.countries["country_id"] == "A", "risk_score"] = 0.4
    case.countries.loc[case.countries["country_id"] == "B", "risk_score"] = 0.8
    return prepare(case)


def test_unit_spend_and_local_share(d):
    """3 units of O1 (6.0, local 1.5) and 2 of O2 (2.0, local 2.0) in Y; 1 of O1 in Y+1.
    Y: cost 8.0, local 3.5; Y+1: cost 2.0, local 0.5; local share over all 4.0 / 10.0."""
    x = pd.DataFrame({"option_id": ["O1", "O2", "O1"], "year": [Y, Y, Y + 1],
                      "units": [3.0, 2.0, 1.0]})
    assert unit_spend(d.options, x)["cost"].tolist() == [6.0, 2.0, 2.0]
    by_year = unit_spend_by_year(d.options, x)
    assert by_year.loc[Y].tolist() == [8.0, 3.5] and by_year.loc[Y + 1].tolist() == [2.0, 0.5]
    assert local_share(d.options, x) == pytest.approx(0.4)
    assert local_share(d.options, x.iloc[:0]) is None


def test_fixed_and_activation_costs(d):
    starts = pd.DataFrame({"option_id": ["O1", "O2"], "start_year": [Y, Y]})
    assert start_spend(d.options, starts).tolist() == [7.0, 0.0]
    assert activation_spend(d.case.suppliers.set_index("supplier_id"), ["SA", "SH"]).to_dict() \
        == {"SA": 5.0}


def test_exposure_rate_is_the_risk_weighted_foreign_share(d):
    """O1: σ A 0.5 (risk 0.4) + σ B 0.25 (risk 0.8) = 0.2 + 0.2 = 0.4; O2 is all home."""
    rate = exposure_rate(d.origin, d.countries, d.home)
    assert rate["O1"] == pytest.approx(0.4)
    assert "O2" not in rate.index or rate["O2"] == 0.0
