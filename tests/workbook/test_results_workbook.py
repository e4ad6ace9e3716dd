"""The results workbook: every sheet and Summary key, formats, charts, safe text, LibreOffice."""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pytest

from sovopt.metrics import evaluate
from sovopt.outputs import SUMMARY, SUMMARY_KEYS
from sovopt.report import TABLE_NAMES, report_from_solve
from sovopt.solver import solve_case
from sovopt.workbook.results import RESULT_SHEETS, money_format, write_results
from tests.builders import BUDGET, Y1, Y2, case_workbook, hand_case, solved_hand_case
from tests.libreoffice import convert_to_pdf, needs_libreoffice, pdf_text


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """The hand case (from a workbook) solved with min_dependence, and its results file."""
    case, _, report, out = solved_hand_case(tmp_path_factory.mktemp("results"))
    return report, out, case


def test_every_sheet_and_summary_key(solved):
    report, out, _ = solved
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(RESULT_SHEETS)
    summary = pd.read_excel(out, sheet_name="Summary")
    assert list(summary.columns[:5]) == ["Metric", "Value", "Unit", "Meaning", "Key"]
    assert summary["Key"].tolist() == list(SUMMARY_KEYS)
    assert summary["Metric"].tolist() == [q.label for q in SUMMARY]
    values = dict(zip(summary["Key"], summary["Value"], strict=True))
    assert values["status"] == "optimal" and values["objective"] == "min_dependence"
    assert values["total_cost"] == pytest.approx(report.summary["total_cost"])
    ws = wb["Summary"]
    numeric = [k for k, v in report.summary.items() if isinstance(v, float)]
    for i, key in enumerate(SUMMARY_KEYS, start=2):
        cell = ws.cell(row=i, column=2)
        if key in numeric:
            assert cell.data_type == "n", key  # numbers as numbers, not text
    assert "EUR m" in ws["B4"].number_format  # total_cost in the case's currency
    assert set(TABLE_NAMES) <= set(report.tables)


def test_sheets_have_frozen_headers_charts_and_colour_scales(solved):
    _, out, _ = solved
    wb = openpyxl.load_workbook(out)
    for name in RESULT_SHEETS:
        assert wb[name].freeze_panes in ("A2", "B2"), name
        assert wb[name].cell(row=1, column=1).value is not None, name
    # openpyxl does not read charts back: count them in the package instead
    with zipfile.ZipFile(out) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 3  # headline measures; spend by year and country; scenario losses
    assert len(wb["Dependence"].conditional_formatting) >= 3
    assert len(wb["Scenarios"].conditional_formatting) >= 2


def test_portfolio_sheet_has_units_per_year(solved):
    report, out, _ = solved
    sheet = pd.read_excel(out, sheet_name="Portfolio")
    assert list(sheet.columns[:7]) == ["Option", "Capability", "Supplier", "Country", "Mode",
                                       "Unit", "Start year"]
    assert [c for c in sheet.columns if isinstance(c, int)] == [Y1, Y2]
    per_year = sheet[[Y1, Y2]].fillna(0).sum(axis=1)
    assert per_year.tolist() == pytest.approx(sheet["Total units"].tolist())
    assert sheet["Option"].tolist() == report.tables["portfolio"]["option_id"].tolist()


def test_spend_sheet_carries_the_budget_line(solved):
    report, out, _ = solved
    spend = pd.read_excel(out, sheet_name="Spend", nrows=2)
    assert spend["Year"].tolist() == [Y1, Y2]
    assert spend["Budget (EUR m)"].tolist() == [60.0, 60.0]
    used = report.tables["constraints"].query("constraint == 'budget'")["used"]
    assert spend["Total (EUR m)"].tolist() == pytest.approx(used.tolist())


def test_user_text_is_never_a_formula(tmp_path):
    case = hand_case(budget=BUDGET, settings={"case_name": "=HYPERLINK(\"http://x\")"})
    opts = case.options.copy()
    opts.loc[0, "option_id"] = "=cmd|' /C calc'!A0"
    case.options = opts
    result = solve_case(case, "min_cost")
    report = report_from_solve(result, evaluate(result.data, result.portfolio), None)
    out = write_results(report, tmp_path / "r.xlsx", "+EUR")
    wb = openpyxl.load_workbook(out)
    found = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell)
                    found += 1
    assert found >= 2  # the case name (Run) and the option id (Portfolio)
    assert money_format('EUR "m"') == '#,##0.00 "EUR m"'


def test_infeasible_report_carries_the_diagnosis(tmp_path):
    tight = [{"year": Y1, "budget": 10.0}, {"year": Y2, "budget": 60.0}]
    _, case = case_workbook(hand_case(budget=tight), tmp_path)
    result = solve_case(case, "min_dependence")
    assert result.status == "infeasible"
    report = report_from_solve(result, None, None)
    out = write_results(report, tmp_path / "r.xlsx", "EUR m")
    diag = pd.read_excel(out, sheet_name="Diagnostics")
    rows = diag[diag["Severity"] == "infeasible"]
    assert len(rows) >= 1
    assert "Budget!B2" in rows["Where"].tolist()
    assert rows["Message"].str.contains("Budget 2027").any()
    summary = pd.read_excel(out, sheet_name="Summary").set_index("Key")["Value"]
    assert summary["status"] == "infeasible" and pd.isna(summary["total_cost"])


@needs_libreoffice
@pytest.mark.libreoffice
def test_results_workbook_opens_in_libreoffice(solved, tmp_path):
    _, out, _ = solved
    text = pdf_text(convert_to_pdf(out, tmp_path / "pdf"))
    assert "In short" in text and "Total cost" in text


def test_dependence_and_scenarios_show_names_with_the_ids(solved):
    """People read "Ally (A)" for country A and "embargo A (S1)" for scenario S1 (the names
    of the hand case's Countries and Scenarios rows); the report's tables, which --json
    and the run store carry, keep the ids only."""
    report, out, _ = solved
    countries = {"H": "Home", "A": "Ally", "B": "Partner"}
    scenarios = {"S1": "embargo A", "S2": "half of B", "S3": "A partial"}
    dep = pd.read_excel(out, sheet_name="Dependence")
    tops = dep["Top foreign country"].dropna()
    raw = report.tables["dependence"]["top_foreign_country"]
    assert len(tops) >= 1  # the plan buys abroad: some year has a top foreign country
    assert tops.tolist() == [f"{countries[c]} ({c})" for c in raw.dropna()]
    ws = openpyxl.load_workbook(out)["Dependence"]
    matrix_heads = [c.value for c in ws[1] if isinstance(c.value, str) and "(" in c.value]
    assert "Home (H)" in matrix_heads  # the heat map, home country first
    sc = pd.read_excel(out, sheet_name="Scenarios")
    assert list(sc.columns[:3]) == ["Scenario", "Capability", "Units lost (units)"]
    ids = report.tables["scenarios"]["scenario_id"]
    assert sc["Scenario"].tolist() == [f"{scenarios[k]} ({k})" for k in ids]
    for table in ("dependence", "scenarios"):
        assert not [c for c in report.tables[table].columns if c.endswith("_name")]
