"""Outlier unit values on the shipped data (issue 24, item 7).

Poland's tungsten of 2023: Croatia's 1.07 USD/kg and the Netherlands' 4.69 come from
tungsten ore (HS 261100) at 1.07 and 1.22 USD/kg, below a quarter of the world's median
ore price; a case built from the data had the optimiser "save" by buying from them. They
are flagged in the profile (terminal, --json, workbook) and on the About sheet, and the
case prices their ore at the world median. The references below are computed here from
the raw BACI rows, not by the module under test.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from openpyxl import load_workbook

from sovopt.cli import main
from sovopt.materials.case_builder import build_material_case
from sovopt.materials.data import load
from sovopt.materials.prices import WorldPrice, check_prices
from sovopt.materials.profiles import make_profile

ORE, POWDER = 261100, 810110


def _flows(year: int, hs: int):
    """Every BACI flow of one HS code in ``year`` that has a quantity."""
    t = load().trade
    return t[(t["year"] == year) & (t["hs"] == hs) & (t["quantity"] > 0)]


def _world_median(year: int, hs: int) -> float:
    flows = _flows(year, hs)
    return float(np.exp(np.median(np.log(flows["value"] / flows["quantity"]))))


def _to_poland(iso3: str, year: int, hs: int) -> tuple[float, float]:
    """(tonnes, thousand USD) of one exporter's flow of ``hs`` to Poland."""
    data = load()
    flows = _flows(year, hs)
    row = flows[(flows["exporter"] == data.country(iso3).code)
                & (flows["importer"] == data.country("POL").code)]
    return float(row["quantity"].sum()), float(row["value"].sum())


def _robust(iso3: str) -> float:
    """The exporter's unit value with its ore flow at the world median (by hand)."""
    q_ore, v_ore = _to_poland(iso3, 2023, ORE)
    q_pow, v_pow = _to_poland(iso3, 2023, POWDER)
    return (q_ore * _world_median(2023, ORE) + v_pow) / (q_ore + q_pow)


def test_croatian_and_dutch_tungsten_of_2023_are_outliers_priced_at_the_world_median():
    p, _ = make_profile("POL", "tungsten", 2023)
    checks = {c.iso3: c for c in check_prices(load(), p).values()}
    assert checks["HRV"].unit_value == pytest.approx(1.07, abs=0.005)
    assert checks["NLD"].unit_value == pytest.approx(4.69, abs=0.005)
    assert checks["HRV"].outlier and checks["NLD"].outlier
    median = _world_median(2023, ORE)
    assert median == pytest.approx(9.91, abs=0.005)
    assert checks["HRV"].robust_unit_value == pytest.approx(median, rel=1e-9)  # all ore
    assert checks["NLD"].robust_unit_value == pytest.approx(_robust("NLD"), rel=1e-9)
    assert checks["NLD"].robust_unit_value == pytest.approx(13.13, abs=0.005)
    assert "below 1/4 of the world median 9.91 USD/kg" in checks["HRV"].reasons[0]
    # the bulk of Poland's supply is no outlier and keeps its price
    for iso3, price in (("CZE", 21.94), ("CHN", 48.64), ("DEU", 98.23)):
        assert not checks[iso3].outlier
        assert checks[iso3].robust_unit_value == checks[iso3].unit_value
        assert checks[iso3].unit_value == pytest.approx(price, abs=0.005)


def test_a_flow_with_a_market_share_of_its_own_is_no_outlier():
    """Norway's ilmenite to Poland (0.26 USD/kg, far below the world's median titanium
    ore price 1.75) is 0.87 % of the world's titanium ore tonnes: a market price."""
    p, _ = make_profile("POL", "titanium", 2023)
    nor = next(c for c in check_prices(load(), p).values() if c.iso3 == "NOR")
    assert nor.unit_value == pytest.approx(0.26, abs=0.005)
    assert not nor.outlier


def test_the_rule_by_hand():
    narrow = WorldPrice(hs=1, median=10.0, mad=0.1, flows=50, tonnes=10_000.0)
    assert narrow.verdict(12.0, 1.0) is None  # ln 1.2 = 0.18 < 3 MADs
    assert "3.4 MADs (in log price) above" in narrow.verdict(14.0, 1.0)  # ln 1.4 = 0.336
    assert "3.6 MADs (in log price) below" in narrow.verdict(7.0, 1.0)  # ln(10/7) = 0.357
    wide = WorldPrice(hs=1, median=10.0, mad=1.0, flows=50, tonnes=10_000.0)
    assert wide.verdict(2.6, 1.0) is None and wide.verdict(39.0, 1.0) is None
    assert wide.verdict(2.4, 1.0).startswith("below 1/4 of the world median 10.00")
    assert wide.verdict(41.0, 1.0).startswith("above 4 times the world median 10.00")
    assert wide.verdict(2.4, 50.0) is None  # 0.5 % of the world's 10,000 t


def test_the_profile_lists_them(capsys, tmp_path):
    with pytest.raises(SystemExit):
        main(["materials", "profile", "--importer", "POL", "--material", "tungsten",
              "--year", "2023", "--json"])
    doc = json.loads(capsys.readouterr().out)
    by = {s["country"]: s for s in doc["suppliers"]}
    assert by["HRV"]["unit_value_outlier"] and by["NLD"]["unit_value_outlier"]
    assert not by["CZE"]["unit_value_outlier"]
    assert by["HRV"]["robust_unit_value"] == pytest.approx(_world_median(2023, ORE))
    assert [t[:3] for t in doc["price_outliers"]][:2] == ["HRV", "NLD"]
    assert "median absolute deviations" in doc["outlier_rule"]
    with pytest.raises(SystemExit):
        main(["materials", "profile", "--importer", "POL", "--material", "tungsten",
              "--year", "2023", "--out", str(tmp_path / "w.xlsx")])
    out = capsys.readouterr().out
    hrv = next(line for line in out.splitlines() if line.strip().startswith("HRV"))
    assert "1.07!" in hrv
    assert "HRV 1.07 USD/kg: HS 261100 at 1.07 USD/kg is below 1/4" in out
    sheet = load_workbook(tmp_path / "w.xlsx")["Suppliers"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2,
                                                                             values_only=True)}
    assert rows["NLD"]["unit_value_outlier"] == "yes" and rows["CZE"]["unit_value_outlier"] == "no"
    assert rows["NLD"]["robust_unit_value"] == pytest.approx(_robust("NLD"))


def test_the_case_builder_prices_them_robustly():
    built = build_material_case("POL", ["tungsten"], 2023, 2027, 2028)
    options = built.case.options.set_index("option_id")
    assert options.loc["BUY-HRV-TUNGSTEN", "unit_cost"] == pytest.approx(
        _world_median(2023, ORE), rel=1e-9)
    assert options.loc["BUY-NLD-TUNGSTEN", "unit_cost"] == pytest.approx(_robust("NLD"),
                                                                         rel=1e-9)
    assert "OUTLIER unit value HRV 1.07 USD/kg" in options.loc["BUY-HRV-TUNGSTEN", "notes"]
    q, v = _to_poland("CZE", 2023, POWDER)
    assert options.loc["BUY-CZE-TUNGSTEN", "unit_cost"] == pytest.approx(v / q, rel=1e-12)
    assert "OUTLIER" not in options.loc["BUY-CZE-TUNGSTEN", "notes"]
    about = " ".join(built.notes)
    assert "Tungsten 2023, OUTLIER unit values" in about and "NLD 4.69 USD/kg" in about
    assert "Outlier rule:" in about
