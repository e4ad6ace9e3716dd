"""The GeoPolRisk profile worked by hand on three countries; the loader's errors; the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sovopt.cli import main
from sovopt.materials.data import Country, Material, MaterialsData, MaterialsError, load
from sovopt.materials.memberships import Memberships
from sovopt.materials.method import profile
from sovopt.materials.profiles import make_profile

NAN = float("nan")


def three_countries() -> MaterialsData:
    """Importer A (code 1), exporters B (2, WGI 0.2) and C (3, no WGI score).

    Trade in 2022 of a material with two HS codes (1 and 2):
      B->A: 40 t / 400 on HS 1 and 10 t / 50 on HS 2     -> 50 t, 450
      C->A: 50 t / 200 on HS 1, and a flow on HS 2 with a value of 100 but no quantity
                                                          -> 50 t, 300
      C->B: 20 t / 40 (counts only when A and B import as one)
      A->C: 5 t / 5 (A's exports are no part of A's supply)
    Production (t): A 10, B 30, C 60.9 (the method truncates to 60 for the HHI).
    """
    material = Material(name="Testium", key="testium", hs_codes=(1, 2), symbol="Ts",
                        description="", production_unit="metr. t", wmd_table="Testium")
    countries = [Country(1, "AAA", "Aland"), Country(2, "BBB", "Bland"),
                 Country(3, "CCC", "Cland")]
    trade = pd.DataFrame(
        [(2022, 1, 2, 1, 400.0, 40.0), (2022, 2, 2, 1, 50.0, 10.0),
         (2022, 1, 3, 1, 200.0, 50.0), (2022, 2, 3, 1, 100.0, NAN),
         (2022, 1, 3, 2, 40.0, 20.0), (2022, 1, 1, 3, 5.0, 5.0),
         (2022, 9, 3, 1, 999.0, 999.0)],  # another HS code: not this material
        columns=["year", "hs", "exporter", "importer", "value", "quantity"])
    production = pd.DataFrame(
        [("Testium", 1, 2022, 10.0, "metr. t", "r"), ("Testium", 2, 2022, 30.0, "metr. t", "r"),
         ("Testium", 3, 2022, 60.9, "metr. t", "e")],
        columns=["material", "code", "year", "value", "unit", "source"])
    wgi = pd.DataFrame([(2022, 1, 0.1), (2022, 2, 0.2), (2022, 3, NAN)],
                       columns=["year", "code", "wgi"])
    return MaterialsData([material], countries, trade, production, wgi, {})


def test_one_country_by_hand():
    """Numerator 50*0.2 + 50*0.5 = 35; imports 100 t; domestic 10 t;
    import risk 35/110; HHI (10^2+30^2+60^2)/100^2 = 0.46; score 0.46*35/110;
    price (450+300)/100 = 7.5 USD/kg; shares 0.5 and 0.5."""
    d = three_countries()
    p = profile(d, d.material("testium"), 2022, "AAA", "Aland", (1,))
    assert p.imports == 100.0 and p.domestic_production == 10.0
    assert p.import_risk == pytest.approx(35 / 110, rel=1e-12)
    assert p.hhi == pytest.approx(0.46, rel=1e-12)
    assert p.score == pytest.approx(0.46 * 35 / 110, rel=1e-12)
    assert p.price == pytest.approx(7.5, rel=1e-12)
    assert p.characterization_factor == pytest.approx(0.46 * 35 / 110 * 7.5 / 0.409412948)
    rows = {s.iso3: (s.quantity, s.value, s.wgi, s.wgi_missing, p.share(s))
            for s in p.suppliers}
    assert rows == {"BBB": (50.0, 450.0, 0.2, False, 0.5), "CCC": (50.0, 300.0, 0.5, True, 0.5)}
    assert [(q.iso3, q.share) for q in p.producers] == [
        ("CCC", pytest.approx(60.9 / 100.9)), ("BBB", pytest.approx(30 / 100.9)),
        ("AAA", pytest.approx(10 / 100.9))]


def test_two_countries_importing_as_one_by_hand():
    """A and B as one: B->A is risk-free (weight 0); C->A 50*0.5 = 25; C->B 20*0.5 = 10;
    numerator 35; imports 50+50+20 = 120 t; domestic 10+30 = 40 t; import risk 35/160;
    price (450+300+40)/120."""
    d = three_countries()
    p = profile(d, d.material("testium"), 2022, "AB", "A and B", (1, 2))
    assert p.import_risk == pytest.approx(35 / 160, rel=1e-12)
    assert p.domestic_production == 40.0 and p.imports == 120.0
    assert p.price == pytest.approx(790 / 120, rel=1e-12)
    b = next(s for s in p.suppliers if s.iso3 == "BBB")
    assert b.member and b.wgi == 0.0
    c = next(s for s in p.suppliers if s.iso3 == "CCC")
    assert (c.quantity, c.wgi) == (70.0, 0.5)


def test_group_importer_of_the_shipped_table():
    groups = Memberships({"AB": ("AAA", "BBB")}, "test")
    p, who = make_profile("ab", "testium", 2022, groups, three_countries())
    assert who.is_group and who.codes == (1, 2)
    assert p.import_risk == pytest.approx(35 / 160)


@pytest.mark.parametrize("importer, material, year, expected", [
    ("XYZ", "tungsten", 2022, "unknown country 'XYZ'; give an ISO3 code, one of: ABW, AFG"),
    ("POL", "unobtainium", 2022, "unknown material 'unobtainium'; available: aluminium, "
                                 "antimony"),
    ("POL", "gallium", 2022, "(gallium is not in the data: no HS code of its own"),
    ("POL", "tungsten", 2031, "no data for tungsten in 2031; years with trade and "
                              "production data: 2018-2024"),
])
def test_loader_errors_are_one_line_listing_what_is_available(importer, material, year,
                                                              expected):
    with pytest.raises(MaterialsError) as exc:
        make_profile(importer, material, year)
    message = str(exc.value)
    assert "\n" not in message
    assert expected in message
    if "country" in expected:
        assert "POL" in message and "EU27" in message and "NATO" in message


def test_profile_json_on_stdout(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["materials", "profile", "--importer", "pol", "--material", "Tungsten",
              "--year", "2022", "--json"])
    assert exc.value.code == 0
    doc = json.loads(capsys.readouterr().out)
    for key in ("importer", "material", "year", "hhi", "import_risk", "geopolrisk_score",
                "price", "domestic_production", "suppliers"):
        assert key in doc
    assert (doc["importer"], doc["material"], doc["year"]) == ("POL", "tungsten", 2022)
    top = doc["suppliers"][0]
    assert set(top) >= {"country", "quantity", "share", "wgi"}
    assert top["country"] == "CZE" and top["tier"] == "ally"
    assert sum(s["share"] for s in doc["suppliers"]) == pytest.approx(1.0)
    p, _ = make_profile("POL", "tungsten", 2022)
    assert doc["import_risk"] == p.import_risk


def test_profile_error_is_one_json_object(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["materials", "profile", "--importer", "POL", "--material", "tungsten",
              "--year", "1990", "--json"])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["exit_code"] == 2 and "no data for tungsten in 1990" in doc["error"]


def test_profile_workbook(tmp_path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "p.xlsx"
    with pytest.raises(SystemExit) as exc:
        main(["materials", "profile", "--importer", "EU27", "--material", "cobalt",
              "--year", "2022", "--out", str(out)])
    assert exc.value.code == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["Profile", "Suppliers", "Producers"]
    p, _ = make_profile("EU27", "cobalt", 2022)
    figures = {r[0]: r[1] for r in wb["Profile"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert figures["import risk"] == pytest.approx(p.import_risk, rel=1e-12)
    assert wb["Suppliers"].max_row == len(p.suppliers) + 1


def test_list_names_every_material_with_its_hs_codes_and_years(capsys):
    with pytest.raises(SystemExit):
        main(["materials", "list", "--json"])
    doc = json.loads(capsys.readouterr().out)
    by_key = {m["material"]: m for m in doc["materials"]}
    assert by_key["tungsten"]["hs_codes"] == [261100, 810110]
    assert by_key["tungsten"]["years"] == list(range(2018, 2025))
    assert len(by_key) == len(load().materials)
