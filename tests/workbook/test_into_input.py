"""``--into-input``: result sheets added to the case workbook, input sheets untouched."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference

from sovopt.errors import SovoptError
from sovopt.metrics import evaluate
from sovopt.report import report_from_solve
from sovopt.solver import solve_case
from sovopt.workbook.case_reader import read_case
from sovopt.workbook.into_input import RESULT_SHEET_NAMES, write_into_input
from tests.builders import Y1, Y2, case_workbook, hand_case
from tests.libreoffice import convert_to_pdf, needs_libreoffice

BUDGET = [{"year": Y1, "budget": 60.0, "min_local_share": 0.2},
          {"year": Y2, "budget": 60.0, "min_local_share": 0.2}]


def _style(cell) -> tuple:
    return (cell.number_format, repr(cell.font), repr(cell.fill), repr(cell.border),
            repr(cell.alignment), repr(cell.protection), cell.quotePrefix)


def snapshot(path: Path) -> dict:
    """Everything a planner set on the input sheets, in comparable form."""
    wb = openpyxl.load_workbook(path)
    sheets = {}
    for ws in wb.worksheets:
        if ws.title in RESULT_SHEET_NAMES:
            continue
        cells = {c.coordinate: (c.value, c.data_type, _style(c))
                 for row in ws.iter_rows() for c in row}
        validations = sorted(
            (str(dv.sqref), dv.type, dv.formula1, dv.formula2, dv.operator, dv.allow_blank,
             dv.showDropDown, dv.showErrorMessage, dv.error, dv.errorTitle, dv.prompt)
            for dv in ws.data_validations.dataValidation)
        notes = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row
                 if c.comment is not None}
        widths = {k: d.width for k, d in ws.column_dimensions.items()}
        sheets[ws.title] = {
            "cells": cells, "validations": validations, "notes": notes, "widths": widths,
            "freeze": ws.freeze_panes, "merged": sorted(map(str, ws.merged_cells.ranges)),
            "conditional": sorted(str(r.sqref) for r in ws.conditional_formatting),
        }
    names = sorted((n, dn.attr_text, dn.localSheetId) for n, dn in wb.defined_names.items())
    return {"order": [n for n in wb.sheetnames if n not in RESULT_SHEET_NAMES],
            "sheets": sheets, "names": names}


@pytest.fixture(scope="module")
def report_and_case(tmp_path_factory):
    folder = tmp_path_factory.mktemp("into")
    path, case = case_workbook(hand_case(budget=BUDGET), folder)
    result = solve_case(case, "min_dependence")
    report = report_from_solve(result, evaluate(result.data, result.portfolio), path)
    return report, path.read_bytes(), case


def test_input_sheets_are_unchanged(report_and_case, tmp_path):
    report, original, case = report_and_case
    path = tmp_path / "case.xlsx"
    path.write_bytes(original)
    before = snapshot(path)
    assert before["names"] and any(s["validations"] for s in before["sheets"].values())
    backup = write_into_input(report, path)
    assert backup == tmp_path / "case.xlsx.bak"
    assert backup.read_bytes() == original
    after = snapshot(path)
    assert after == before
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-len(RESULT_SHEET_NAMES):] == list(RESULT_SHEET_NAMES)
    assert wb["Result Summary"]["A2"].value == "Status"
    assert wb["Result Summary"]["E2"].value == "status"  # the key, for scripts
    # the reader still reads the case, and reads the same case
    again, warnings = read_case(path)
    assert warnings == []
    assert again.options.equals(case.options) and again.budget.equals(case.budget)


def test_writing_again_replaces_the_result_sheets_and_keeps_old_backups(report_and_case,
                                                                        tmp_path):
    report, original, _ = report_and_case
    path = tmp_path / "case.xlsx"
    path.write_bytes(original)
    first = write_into_input(report, path)
    after_first = path.read_bytes()
    second = write_into_input(report, path)
    assert first.name == "case.xlsx.bak" and first.read_bytes() == original
    assert second != first and second.name.startswith("case.xlsx.")
    assert second.read_bytes() == after_first
    wb = openpyxl.load_workbook(path)
    assert sum(n.startswith("Result ") for n in wb.sheetnames) == len(RESULT_SHEET_NAMES)
    copy = tmp_path / "first-backup.xlsx"
    copy.write_bytes(first.read_bytes())
    assert snapshot(path) == snapshot(copy)


def test_refuses_a_workbook_it_would_damage(report_and_case, tmp_path):
    report, original, _ = report_and_case
    path = tmp_path / "case.xlsx"
    path.write_bytes(original)
    wb = openpyxl.load_workbook(path)
    ws = wb["Budget"]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    ws.add_chart(chart, "F2")
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        assert any(n.startswith("xl/drawings/") for n in zf.namelist())
    before = path.read_bytes()
    with pytest.raises(SovoptError, match="charts on sheet Budget"):
        write_into_input(report, path)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.bak"))  # refused before the backup


@needs_libreoffice
@pytest.mark.libreoffice
def test_case_with_results_opens_in_libreoffice(report_and_case, tmp_path):
    report, original, _ = report_and_case
    path = tmp_path / "case.xlsx"
    path.write_bytes(original)
    write_into_input(report, path)
    convert_to_pdf(path, tmp_path / "pdf")
