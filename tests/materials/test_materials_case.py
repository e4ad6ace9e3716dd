"""``sovopt materials case`` and ``inputs``: a case built from the data validates clean,
solves, and its status quo reports the profile's import risk; tier-2 inputs spread a value
share over the producing countries."""

from __future__ import annotations

import json

import pytest

from sovopt.cli import main
from sovopt.materials.case_builder import build_material_case, status_quo_path
from sovopt.materials.data import MaterialsError, load
from sovopt.materials.method import production_tonnes
from sovopt.materials.profiles import make_profile
from sovopt.materials.tier2 import tier2_rows
from sovopt.metrics import evaluate
from sovopt.prepare import prepare
from sovopt.solver import solve_case
from sovopt.workbook.case_reader import read_case
from sovopt.workbook.portfolio_sheet import read_portfolio
from sovopt.workbook.write_case import write_case_workbook

MATERIALS = ["tungsten", "cobalt"]


@pytest.fixture(scope="module")
def built_case(tmp_path_factory):
    """POL, tungsten and cobalt, data of 2022, a three-year horizon, written and read."""
    folder = tmp_path_factory.mktemp("materials")
    path = folder / "pol.xlsx"
    with pytest.raises(SystemExit) as exc:
        main(["materials", "case", str(path), "--importer", "POL", "--materials",
              ",".join(MATERIALS), "--base-year", "2022", "--first-year", "2027",
              "--last-year", "2029", "--adversary", "RUS"])
    assert exc.value.code == 0
    return path


def test_built_case_validates_clean(built_case):
    case, warnings = read_case(built_case)
    assert warnings == []
    assert list(case.capabilities["capability_id"]) == ["TUNGSTEN", "COBALT"]
    countries = case.countries.set_index("country_id")
    assert countries.loc["POL", "tier"] == "home"
    assert countries.loc["CZE", "tier"] == "ally"  # EU27 and NATO, like Poland
    assert countries.loc["CHN", "tier"] == "neutral"
    assert countries.loc["RUS", "tier"] == "adversary"  # the override
    data = load()
    assert countries.loc["CHN", "risk_score"] == data.wgi_score(2022, 156)
    p, _ = make_profile("POL", "tungsten", 2022)
    demand = case.demand[case.demand["capability_id"] == "TUNGSTEN"]["demand"]
    assert demand.tolist() == pytest.approx([p.apparent_consumption] * 3, rel=1e-12)
    options = case.options.set_index("option_id")
    cze = next(s for s in p.suppliers if s.iso3 == "CZE")
    assert options.loc["BUY-CZE-TUNGSTEN", "unit_cost"] == pytest.approx(
        cze.value / cze.quantity, rel=1e-12)
    for placeholder in ("RECYCLE-TUNGSTEN", "NEWLINE-TUNGSTEN"):
        assert options.loc[placeholder, "mode"] == "domestic"
        assert "ASSUMPTION" in options.loc[placeholder, "notes"]
    assert {"EMB-CHN", "HALF-CHN"} <= set(case.scenarios["scenario_id"])


def test_about_sheet_names_the_data_and_the_assumptions(built_case):
    from openpyxl import load_workbook

    about = load_workbook(built_case)["About"]
    text = " ".join(str(c.value) for row in about.iter_rows() for c in row if c.value)
    assert "BACI" in text and "World Mining Data" in text and "WGI" in text
    assert "2022" in text and "ASSUMPTION" in text


def test_status_quo_stress_reports_the_profile_import_risk(built_case, capsys):
    """The status quo repeats the base year: its import risk per capability and year is the
    profile's, and the overall KPI is their mean (criticality 1 each)."""
    sq = status_quo_path(built_case)
    with pytest.raises(SystemExit) as exc:
        main(["stress", str(built_case), "--portfolio", str(sq), "--json"])
    assert exc.value.code == 0
    summary = json.loads(capsys.readouterr().out)
    expected = {m.upper(): make_profile("POL", m, 2022)[0].import_risk for m in MATERIALS}
    assert summary["import_risk"] == pytest.approx(sum(expected.values()) / 2, rel=1e-9)
    case, _ = read_case(built_case)
    metrics = evaluate(prepare(case), read_portfolio(sq, case))
    dep = metrics.tables["dependence"]
    for cap, risk in expected.items():
        got = dep.loc[dep["capability_id"] == cap, "import_risk"]
        assert got.tolist() == pytest.approx([risk] * 3, rel=1e-9)


def test_built_case_solves_to_a_portfolio_within_every_limit(built_case):
    case, _ = read_case(built_case)
    result = solve_case(case, "min_dependence", time_limit=60, gap=0.02)
    assert result.status == "optimal"
    metrics = evaluate(result.data, result.portfolio)
    assert metrics.violations == []
    assert metrics.kpis["unmet_units"] == 0.0
    assert 0.0 <= metrics.kpis["import_risk"] <= 1.0


def test_case_errors_are_one_line():
    with pytest.raises(MaterialsError, match="unknown material 'gallium'"):
        build_material_case("POL", ["gallium"], 2022, 2027, 2029)
    with pytest.raises(MaterialsError, match="POL had no supply of antimony in 2019"):
        build_material_case("POL", ["antimony"], 2019, 2027, 2029)
    with pytest.raises(MaterialsError, match="POL is the importer"):
        build_material_case("POL", ["tungsten"], 2022, 2027, 2029, overrides={"POL": "ally"})


def test_group_importer_case_is_valid(tmp_path):
    """EU27 importing as one: members' risk is 0 (trade inside is risk-free), and the status
    quo's import risk is the group profile's."""
    built = build_material_case("EU27", ["tungsten"], 2022, 2027, 2028)
    path = write_case_workbook(tmp_path / "eu.xlsx", built.case, about_notes=built.notes)
    case, warnings = read_case(path)
    assert warnings == []
    countries = case.countries.set_index("country_id")
    assert countries.loc["DEU", "risk_score"] == 0.0
    metrics = evaluate(prepare(case), built.status_quo)
    p, _ = make_profile("EU27", "tungsten", 2022)
    assert metrics.kpis["import_risk"] == pytest.approx(p.import_risk, rel=1e-9)


def test_tier2_inputs_spread_the_share_by_world_production(built_case, tmp_path, capsys):
    """5% of BUY-CZE-TUNGSTEN's value is tungsten: each producer c gets 0.05 * p_c / Σp
    (Poland produces none, so the rows add up to 0.05); China's row is 0.05 x its share."""
    path = tmp_path / "case.xlsx"
    path.write_bytes(built_case.read_bytes())
    args = ["materials", "inputs", str(path), "--option", "BUY-CZE-TUNGSTEN", "--material",
            "tungsten", "--share", "0.05", "--year", "2022", "--json"]
    for _ in range(2):  # a second run replaces the rows of the first
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 0
        doc = json.loads(capsys.readouterr().out)
    assert (tmp_path / "case.xlsx.bak").exists()
    case, warnings = read_case(path)
    assert warnings == []
    rows = case.inputs[case.inputs["option_id"] == "BUY-CZE-TUNGSTEN"]
    tonnes = production_tonnes(load(), load().material("tungsten"), 2022)
    tonnes = tonnes[tonnes > 0]
    assert len(rows) == len(tonnes) == len(doc["rows"])
    assert rows["value_share"].sum() == pytest.approx(0.05, rel=1e-12)
    china = rows.loc[rows["source_country_id"] == "CHN", "value_share"].iloc[0]
    assert china == pytest.approx(0.05 * tonnes[156] / tonnes.sum(), rel=1e-9)
    assert not rows["critical"].any()
    assert set(doc["added_countries"]) <= set(case.countries["country_id"])


def test_tier2_errors_list_what_is_available(built_case):
    case, _ = read_case(built_case)
    with pytest.raises(MaterialsError, match="option 'NOPE' is not in the case; options: "):
        tier2_rows(case, "NOPE", "tungsten", 0.05)
    with pytest.raises(MaterialsError, match="would pass 1"):
        tier2_rows(case, "RECYCLE-TUNGSTEN", "tungsten", 0.05)  # local_content is 1


def test_case_json_is_one_object(tmp_path, capsys):
    path = tmp_path / "c.xlsx"
    with pytest.raises(SystemExit) as exc:
        main(["materials", "case", str(path), "--importer", "DEU", "--materials", "tungsten",
              "--base-year", "2022", "--first-year", "2027", "--last-year", "2028", "--json"])
    assert exc.value.code == 0
    doc = json.loads(capsys.readouterr().out)
    p, _ = make_profile("DEU", "tungsten", 2022)
    assert doc["materials"][0]["import_risk"] == p.import_risk
    assert doc["status_quo_import_risk"] == pytest.approx(p.import_risk, rel=1e-9)
    assert status_quo_path(path).is_file() and doc["status_quo"] == str(status_quo_path(path))
    with pytest.raises(SystemExit) as exc:  # exists: refused without --force
        main(["materials", "case", str(path), "--importer", "DEU", "--materials", "tungsten",
              "--base-year", "2022", "--first-year", "2027", "--last-year", "2028", "--json"])
    assert exc.value.code == 2
    assert "already exists" in json.loads(capsys.readouterr().out)["error"]


def test_inputs_refuses_a_workbook_open_in_a_spreadsheet_program(built_case, tmp_path, capsys):
    path = tmp_path / "case.xlsx"
    path.write_bytes(built_case.read_bytes())
    (tmp_path / ".~lock.case.xlsx#").write_text("lock")
    with pytest.raises(SystemExit) as exc:
        main(["materials", "inputs", str(path), "--option", "BUY-CZE-TUNGSTEN", "--material",
              "tungsten", "--share", "0.05", "--json"])
    assert exc.value.code == 2
    assert "open in a spreadsheet program" in json.loads(capsys.readouterr().out)["error"]
    assert path.read_bytes() == built_case.read_bytes()
    assert not (tmp_path / "case.xlsx.bak").exists()


def test_growth_scales_demand_and_the_status_quo_alike():
    """demand[t] = D0·(1+g)^(t − first_year); the status quo scales with it, so its import
    risk stays the profile's."""
    built = build_material_case("POL", ["tungsten"], 2022, 2027, 2029, growth=0.1)
    p = built.profiles[0]
    demand = built.case.demand.sort_values("year")["demand"].tolist()
    assert demand == pytest.approx([p.apparent_consumption * 1.1 ** k for k in range(3)],
                                   rel=1e-12)
    delivered = built.status_quo.deliveries.groupby("year")["units"].sum().tolist()
    assert delivered == pytest.approx(demand, rel=1e-12)


def test_an_edited_membership_table_sets_tiers_and_groups(tmp_path):
    from sovopt.materials.memberships import load_memberships

    table = tmp_path / "groups.csv"
    table.write_text("# my groups\ngroup,iso3,name\nV4,POL,Poland\nV4,CZE,Czechia\n"
                     "V4,SVK,Slovakia\nV4,HUN,Hungary\n", encoding="utf-8")
    ms = load_memberships(table)
    built = build_material_case("POL", ["tungsten"], 2022, 2027, 2028, memberships=ms,
                                overrides={"CHN": "adversary"})
    tiers = built.case.countries.set_index("country_id")["tier"]
    assert tiers["CZE"] == "ally" and tiers["DEU"] == "neutral"  # not in this table's V4
    assert tiers["CHN"] == "adversary"
    v4, _ = make_profile("V4", "tungsten", 2022, ms)
    assert v4.members == tuple(load().country(c).code for c in ("CZE", "HUN", "POL", "SVK"))
    bad = tmp_path / "bad.csv"
    bad.write_text("country,code\nPOL,616\n", encoding="utf-8")
    with pytest.raises(MaterialsError, match="needs the columns group and iso3"):
        load_memberships(bad)


def test_a_huge_membership_file_is_refused_without_reading_it(tmp_path):
    from sovopt.materials.memberships import MAX_BYTES, load_memberships

    big = tmp_path / "big.csv"
    with big.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(MaterialsError, match="larger than 1024 KiB"):
        load_memberships(big)
