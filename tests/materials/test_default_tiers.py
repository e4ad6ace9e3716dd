"""Default tiers of a case built from the data follow a stated rule (issue 24, item 7).

Before, Japan, Australia and the Republic of Korea were "neutral" (max share 0.35) for
Poland while Türkiye was an "ally". The rule (sovopt/materials/memberships.py), from the
shipped table as of the data year: ally = a fellow member of a treaty group (EU27,
NATO); partner = a stated partner of such a group; else neutral.
"""

from __future__ import annotations

import json

import pytest

from sovopt.cli import main
from sovopt.materials.data import MaterialsError
from sovopt.materials.memberships import load_memberships, tier_of, tier_reason

SHIPPED = load_memberships()


def _tier(iso3: str, importer: str, year: int) -> str:
    return tier_of(iso3, (importer,), importer, SHIPPED, {}, year)


@pytest.mark.parametrize(("iso3", "tier"), [
    ("TUR", "ally"), ("CZE", "ally"), ("USA", "ally"), ("IRL", "ally"),  # IRL: EU only
    ("JPN", "partner"), ("AUS", "partner"), ("KOR", "partner"), ("NZL", "partner"),
    ("CHN", "neutral"), ("RUS", "neutral"), ("CHE", "neutral"), ("BRA", "neutral")])
def test_poland_2023(iso3: str, tier: str) -> None:
    assert _tier(iso3, "POL", 2023) == tier


def test_the_reasons_name_the_treaty_and_the_year() -> None:
    assert tier_reason("TUR", ("POL",), "POL", SHIPPED, {}, 2023) == (
        "ally", "NATO member since 1952")
    assert tier_reason("JPN", ("POL",), "POL", SHIPPED, {}, 2023) == (
        "partner", "NATO partner since 2014")
    assert tier_reason("RUS", ("POL",), "POL", SHIPPED, {"RUS": "adversary"}, 2023) == (
        "adversary", "given on the command line")


def test_as_of_the_data_year() -> None:
    """Finland joined NATO in 2023, Sweden in 2024; the EU's security and defence
    partnership with Moldova dates from 2024."""
    assert _tier("FIN", "USA", 2022) == "neutral" and _tier("FIN", "USA", 2023) == "ally"
    assert _tier("SWE", "USA", 2023) == "neutral" and _tier("SWE", "USA", 2024) == "ally"
    assert _tier("MDA", "POL", 2023) == "neutral" and _tier("MDA", "POL", 2024) == "partner"
    # from the partner's side: Japan's case sees NATO's members as partners
    assert _tier("POL", "JPN", 2023) == "partner" and _tier("CHN", "JPN", 2023) == "neutral"


def test_partners_do_not_import_as_members() -> None:
    assert "JPN" not in SHIPPED.members("NATO")
    assert len(SHIPPED.members("NATO")) == 32 and len(SHIPPED.members("EU27")) == 27


def test_a_bad_role_or_year_names_its_row(tmp_path) -> None:
    table = tmp_path / "groups.csv"
    table.write_text("group,iso3,name,since,role\nV4,POL,Poland,1991,member\n"
                     "V4,UKR,Ukraine,soon,partner\nV4,CZE,Czechia,,friend\n", encoding="utf-8")
    with pytest.raises(MaterialsError) as exc:
        load_memberships(table)
    assert "row 3 (V4, UKR): since 'soon'" in str(exc.value)
    assert "row 4 (V4, CZE): role 'friend'; expected member or partner" in str(exc.value)


def test_materials_case_lists_the_tiers_it_assigned(tmp_path, capsys) -> None:
    out = tmp_path / "pol.xlsx"
    with pytest.raises(SystemExit) as exc:
        main(["materials", "case", str(out), "--importer", "POL", "--materials",
              "tungsten", "--base-year", "2023", "--first-year", "2027", "--last-year",
              "2028", "--json"])
    assert exc.value.code == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    tiers = {t["country"]: (t["tier"], t["reason"]) for t in doc["tiers"]}
    assert tiers["POL"] == ("home", "the importer")
    assert tiers["TUR"] == ("ally", "NATO member since 1952")
    assert tiers["CZE"] == ("ally", "EU27 member since 2004, NATO member since 1999")
    assert tiers["CHN"][0] == "neutral"
    assert "Tiers assigned (memberships as of 2023): home: POL (the importer); ally:" in (
        captured.err)
    assert "TUR (NATO)" in captured.err
    from openpyxl import load_workbook

    about = load_workbook(out)["About"]
    text = " ".join(str(c.value) for row in about.iter_rows() for c in row if c.value)
    assert "Tiers assigned (memberships as of 2023)" in text
    countries = {r[0]: r[2] for r in load_workbook(out)["Countries"].iter_rows(
        min_row=2, values_only=True) if r[0]}
    assert countries["TUR"] == "ally" and countries["CHN"] == "neutral"


def test_tier2_inputs_add_producers_with_the_same_rule() -> None:
    """Lithium producers missing from Poland's niobium case come in with the tiers of the
    table (they were all neutral): USA and Portugal allies, Australia a partner."""
    from sovopt.materials.case_builder import build_material_case
    from sovopt.materials.tier2 import tier2_rows

    case = build_material_case("POL", ["niobium"], 2023, 2027, 2028).case
    result = tier2_rows(case, "BUY-BRA-NIOBIUM", "lithium", 0.05, year=2023)
    countries = result.case.countries.set_index("country_id")
    added = countries.loc[result.added_countries]
    assert added.loc["USA", "tier"] == "ally" and added.loc["PRT", "tier"] == "ally"
    assert added.loc["AUS", "tier"] == "partner" and added.loc["AUS", "max_share"] == 0.65
    assert added.loc["CHL", "tier"] == "neutral" and added.loc["CHL", "max_share"] == 0.35
