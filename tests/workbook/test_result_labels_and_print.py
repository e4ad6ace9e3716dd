"""Result sheets people read and print: labels, names, rounded numbers, print setup, PDF.

The hand case (tests.builders) is solved once; the example case is solved with a
short time limit for the PDF check (its status_detail is then the long sentence
of a plan not proven optimal)."""

from __future__ import annotations

import openpyxl
import pytest

from sovopt.example import example_case
from sovopt.outputs import SUMMARY, rounded
from sovopt.pipeline import solve_and_report
from sovopt.report import report_from_solve
from sovopt.solver import solve_case
from sovopt.workbook.portfolio_sheet import header_key, read_portfolio
from sovopt.workbook.print_setup import MIN_SCALE
from sovopt.workbook.results import write_results
from tests.builders import Y1, Y2, case_workbook, hand_case, solved_hand_case
from tests.libreoffice import (
    FULL_SIZE_HEIGHT,
    convert_to_pdf,
    needs_libreoffice,
    page_word_heights,
    pdf_text,
    reading_order_text,
)


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    return solved_hand_case(tmp_path_factory.mktemp("labels"))


@pytest.mark.parametrize(("value", "kind", "expected"), [
    (5649.000000000001, "money", 5649.0),       # 1e-6 relative
    (55.30000000000001, "money", 55.3),
    (0.1234, "money", 0.1234),                  # small amounts keep 1e-6 relative
    (1234567.891, "money", 1234567.89),         # never coarser than a cent
    (9.9999653e-10, "units", 0.0),              # a near-zero is 0
    (36.490000000001, "units", 36.49),
    (1.0 / 3.0, "units", 0.333333),
    (0.2400000000004, "share", 0.24),
    (460.0000000006, "number", 460.0),          # 9 significant digits
    (-1e-12, "number", 0.0),
    (4.285714285714286, "snap", 4.285714285714286),  # read back: a real fraction is kept
    (36.490000000001, "snap", 36.49),                # ... the solver's noise is not
    (2027.0000001, "year", 2027),
    ("AD_INT", "text", "AD_INT"),
    (None, "money", None),
    (0.30000000000000004, "exact", 0.30000000000000004),  # the diagnosis types it as is
])
def test_numbers_are_rounded_as_people_write_them(value, kind, expected):
    assert rounded(value, kind) == expected


def test_summary_reads_label_value_unit_meaning_and_key_last(solved):
    _, _, report, out = solved
    ws = openpyxl.load_workbook(out)["Summary"]
    assert [c.value for c in ws[1]][:5] == ["Metric", "Value", "Unit", "Meaning", "Key"]
    for i, q in enumerate(SUMMARY, start=2):
        assert ws.cell(row=i, column=1).value == q.label
        assert ws.cell(row=i, column=5).value == q.key
    cost = next(i for i, q in enumerate(SUMMARY, start=2) if q.key == "total_cost")
    assert ws.cell(row=cost, column=3).value == "EUR m"
    assert ws.cell(row=cost, column=2).value == rounded(report.summary["total_cost"], "money")
    assert ws.print_title_rows == "$1:$1"
    assert "hand case" in ws.oddFooter.left.text
    assert report.summary["run_id"] in ws.oddFooter.center.text
    assert ws.oddFooter.right.text == "Page &P of &N"


def test_portfolio_reads_back_with_label_or_key_headers(solved, tmp_path):
    """The sheet as written (labels) and the same sheet headed by the keys of older
    workbooks give the solve's own portfolio, starts and units exactly."""
    case, result, _, out = solved
    ws = openpyxl.load_workbook(out)["Portfolio"]
    heads = [c.value for c in ws[1]]
    assert heads[:7] == ["Option", "Capability", "Supplier", "Country", "Mode", "Unit",
                         "Start year"]
    assert ws.cell(row=2, column=6).value == "unit"  # the hand case's Capabilities unit
    for headers in ("labels", "keys"):
        path = tmp_path / f"{headers}.xlsx"
        wb = openpyxl.load_workbook(out)
        if headers == "keys":
            for cell in wb["Portfolio"][1]:
                if isinstance(cell.value, str):
                    cell.value = header_key(cell.value)
            assert wb["Portfolio"]["A1"].value == "option_id"
        wb.save(path)
        back = read_portfolio(path, case)
        want = result.portfolio
        assert back.starts.sort_values("option_id").values.tolist() == \
            want.starts.sort_values("option_id").values.tolist()
        got = back.deliveries.sort_values(["option_id", "year"]).values.tolist()
        assert got == want.deliveries[want.deliveries["units"] > 0].sort_values(
            ["option_id", "year"]).values.tolist()


@pytest.mark.parametrize(("text", "key"), [
    ("Option", "option_id"), ("option_id", "option_id"), (" OPTION ", "option_id"),
    ("Start year", "start_year"), ("start-year", "start_year"),
    ("Repair line", "repair_id"), ("Total cost (EUR m)", "total_cost")])
def test_portfolio_headers_map_to_their_keys(text, key):
    assert header_key(text) == key


def test_infeasible_sheets_describe_the_case_as_it_is(tmp_path):
    tight = [{"year": Y1, "budget": 10.0}, {"year": Y2, "budget": 60.0}]
    _, case = case_workbook(hand_case(budget=tight), tmp_path)
    result = solve_case(case, "min_dependence")
    assert result.status == "infeasible"
    report = report_from_solve(result, None, None)
    out = write_results(report, tmp_path / "r.xlsx", "EUR m")
    wb = openpyxl.load_workbook(out)
    scen = [c.value for c in wb["Scenarios"]["A"] if c.value]
    assert "The case has 3 disruption scenario(s)" in scen[1]
    assert "no plan was evaluated" in scen[1]
    assert set(scen[2:]) == {"embargo A (S1)", "half of B (S2)", "A partial (S3)"}
    spend = wb["Spend"]
    assert [spend.cell(row=r, column=1).value for r in (2, 3)] == [Y1, Y2]
    budget_col = [c.value for c in spend[1]].index("Budget (EUR m)") + 1
    assert [spend.cell(row=r, column=budget_col).value for r in (2, 3)] == [10.0, 60.0]
    short = [c.value for c in wb["Summary"]["G"][1:] if c.value]
    assert len(short) == 1 and short[0].count("no portfolio meets every limit") == 1


@needs_libreoffice
@pytest.mark.libreoffice
@pytest.mark.slow
def test_example_results_print_whole_and_legible(tmp_path):
    """The example's results (solved for 5 s, so its status_detail is a long sentence)
    and the hand case's, printed to PDF: every Summary label and the whole status_detail
    sentence are there, and no page's type is smaller than MIN_SCALE of 11 pt."""
    outcome = solve_and_report(example_case(), time_limit=5.0)
    report = outcome.report
    out = write_results(report, tmp_path / "example.results.xlsx", "EUR m")
    pdf = convert_to_pdf(out, tmp_path / "pdf")
    assert "Norland" in pdf_text(pdf)
    text = " ".join(reading_order_text(pdf).split())
    for q in SUMMARY:
        assert q.label in text, q.key
    detail = " ".join(str(report.summary["status_detail"]).split())
    assert len(detail) > 30 and detail in text
    scales = page_word_heights(pdf)
    assert scales and min(scales) >= FULL_SIZE_HEIGHT * MIN_SCALE / 100 * 0.95, scales
