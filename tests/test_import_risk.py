"""The one GeoPolRisk import-risk formula (sovopt.import_risk), worked by hand, and the
materials profile using it."""

from __future__ import annotations

import pandas as pd
import pytest

from sovopt.import_risk import import_risk, risk_terms
from sovopt.materials.data import Material
from sovopt.materials.method import Profile


def test_terms_and_ratio_by_hand():
    """Three sources: 6 t at w 0.2, 2 t at 0.5, 2 t of domestic production (w 0):
    Σ q·w = 1.2 + 1.0 = 2.2, Σ q = 10, IR = 0.22."""
    q = pd.Series([6.0, 2.0, 2.0])
    w = pd.Series([0.2, 0.5, 0.0])
    at_risk, supply = risk_terms(q, w)
    assert at_risk == pytest.approx(2.2, rel=1e-15)
    assert supply == 10.0
    assert import_risk(at_risk, supply) == pytest.approx(0.22, rel=1e-15)


def test_grouped_terms_and_nothing_supplied():
    """Per group: A gets 4 t at 0.5 and 4 t at 0 (IR 0.25); B gets nothing (IR 0, not NaN)."""
    q = pd.Series([4.0, 4.0, 0.0])
    w = pd.Series([0.5, 0.0, 0.9])
    at_risk, supply = risk_terms(q, w, by=[pd.Series(["A", "A", "B"])])
    assert at_risk.to_dict() == {"A": 2.0, "B": 0.0}
    assert supply.to_dict() == {"A": 8.0, "B": 0.0}
    assert import_risk(at_risk, supply).tolist() == [0.25, 0.0]
    assert import_risk(0.0, 0.0) == 0.0


def test_profile_divides_by_imports_plus_domestic_production():
    """A profile with Σ q·w = 30 over 100 t imported and 50 t produced at home: 30/150."""
    material = Material(name="Tungsten", key="tungsten", hs_codes=(261100,), symbol="W",
                        description="", production_unit="t", wmd_table="Tungsten")
    p = Profile(importer="POL", importer_name="Poland", members=(616,), material=material,
                year=2023, suppliers=[], producers=[], hhi=0.5, domestic_production=50.0,
                world_production=1000.0, numerator=30.0, imports=100.0)
    assert p.import_risk == pytest.approx(0.2, rel=1e-15)
    assert p.score == pytest.approx(0.1, rel=1e-15)
