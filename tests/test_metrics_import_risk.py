"""The GeoPolRisk import risk of a portfolio (sovopt.metrics), worked by hand on the hand
case of tests/test_metrics.py."""

from __future__ import annotations

import pytest

from sovopt.metrics import evaluate
from sovopt.prepare import prepare
from tests.builders import Y1, Y2, hand_case, hand_portfolio


def test_import_risk_per_capability_year_and_overall():
    """Units by value origin u = Σ_o σ[o,c]·x[o,t]; risk A 0.2, B 0.5, home 0.

    R 2027: R-BUY-A 6 (A 6); R-LIC-B 4 (H 2, A 0.8, B 1.2): (0.2·6.8 + 0.5·1.2)/10 = 0.196
    R 2028: R-BUY-A 4 (A 4); R-LIC-B 6 (H 3, A 1.2, B 1.8): (0.2·5.2 + 0.5·1.8)/10 = 0.194
    Q each year: Q-DOM 4 (H 3, B 1): 0.5·1/4 = 0.125
    Horizon: R (1.96 + 1.94)/20 = 0.195, Q 0.125; criticality R 2, Q 1:
    KPI (2·0.195 + 0.125)/3 = 0.515/3.
    """
    m = evaluate(prepare(hand_case()), hand_portfolio())
    dep = m.tables["dependence"].set_index(["capability_id", "year"])["import_risk"]
    assert dep[("R", Y1)] == pytest.approx(0.196, rel=1e-12)
    assert dep[("R", Y2)] == pytest.approx(0.194, rel=1e-12)
    assert dep[("Q", Y1)] == pytest.approx(0.125, rel=1e-12)
    assert dep[("Q", Y2)] == pytest.approx(0.125, rel=1e-12)
    assert m.kpis["import_risk"] == pytest.approx(0.515 / 3, rel=1e-12)


def test_nothing_delivered_has_no_import_risk():
    from sovopt.portfolio import Portfolio

    m = evaluate(prepare(hand_case()), Portfolio.empty())
    assert m.kpis["import_risk"] is None
    assert (m.tables["dependence"]["import_risk"] == 0.0).all()
