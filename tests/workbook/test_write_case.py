"""Writing case workbooks: content from the Case, safe text, spare input rows."""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd
import pytest

from sovopt import schema
from sovopt.example import example_case
from sovopt.workbook import style
from sovopt.workbook.write_case import (
    SPARE_ROWS,
    build_case_workbook,
    id_list_name,
    write_case_workbook,
)
from tests.builders import INJECTIONS, injected_case


def test_formula_injection_is_written_as_text(tmp_path):
    path = write_case_workbook(tmp_path / "inj.xlsx", injected_case())
    wb = openpyxl.load_workbook(path)
    name_cell = wb["Suppliers"]["B2"]
    assert name_cell.value == '=HYPERLINK("http://x")'
    assert name_cell.data_type == "s"
    assert name_cell.quotePrefix
    notes_col = schema.OPTIONS.column_names.index("notes") + 1
    for i, text in enumerate(INJECTIONS):
        cell = wb["Options"].cell(2 + i, notes_col)
        assert cell.value == text.replace("\r", "\n")  # XML reads a bare CR as LF
        assert cell.data_type == "s", text
        assert cell.quotePrefix, text
    # No formula element and no error cell anywhere in the file.
    with zipfile.ZipFile(path) as zf:
        for member in zf.namelist():
            if member.startswith("xl/worksheets/sheet"):
                xml = zf.read(member).decode()
                assert "<f>" not in xml and "<f " not in xml, member
                assert 't="e"' not in xml, member


def test_ordinary_text_gets_no_quote_prefix(tmp_path):
    wb = build_case_workbook(example_case())
    cell = wb["Suppliers"]["B2"]
    assert cell.value == "Norland Defence Systems"
    assert not cell.quotePrefix


def test_safe_text_removes_characters_a_workbook_cannot_hold():
    assert style.safe_text("\x00=1+1") == "=1+1"
    assert style.safe_text("a\x07b") == "ab"
    assert style.safe_text("x" * 40000) == "x" * style.MAX_CELL_CHARS
    assert style.safe_text("tab\tand\nnewline") == "tab\tand\nnewline"
    assert style.needs_quote("\x00=1") and style.needs_quote("=1") and not style.needs_quote("a=1")


def test_write_cell_plain_values():
    wb = openpyxl.Workbook()
    ws = wb.active
    import numpy as np

    assert style.write_cell(ws, 1, 1, np.int64(3)).value == 3
    assert style.write_cell(ws, 1, 2, np.float64(0.5)).value == 0.5
    assert style.write_cell(ws, 1, 3, np.bool_(True)).value == "yes"
    assert style.write_cell(ws, 1, 4, False).value == "no"
    assert style.write_cell(ws, 1, 5, float("nan")).value is None
    assert style.write_cell(ws, 1, 6, pd.NA).value is None
    assert style.write_cell(ws, 1, 7, "\x00=HYPERLINK(1)").data_type == "s"
    assert style.write_cell(ws, 1, 8, True, bools_as_text=False).value is True


def test_case_tables_are_written_from_the_case(tmp_path):
    case = example_case()
    path = write_case_workbook(tmp_path / "case.xlsx", case)
    wb = openpyxl.load_workbook(path)
    # Tables: schema columns only (no `row`), one row per record, NaN blank, bools yes/no.
    ws = wb["Suppliers"]
    assert [c.value for c in ws[1]] == schema.SUPPLIERS.column_names
    assert ws.max_row >= len(case.suppliers) + 1
    first = case.suppliers.iloc[0]
    assert pd.isna(first["capacity_per_year"]) and ws["E2"].value is None
    ws = wb["Capabilities"]
    col = schema.CAPABILITIES.column_names.index("integer_units") + 1
    assert {ws.cell(r, col).value for r in range(2, 2 + len(case.capabilities))} == {"yes", "no"}
    # Demand: long form pivoted to one column per year, years as integers.
    ws = wb["Demand"]
    assert [c.value for c in ws[1]] == ["capability_id", *case.years]
    for r, cap in enumerate(case.capabilities["capability_id"], start=2):
        assert ws.cell(r, 1).value == cap
        want = case.demand[case.demand.capability_id == cap].sort_values("year")["demand"]
        got = [ws.cell(r, 1 + j).value for j in range(1, len(case.years) + 1)]
        assert got == list(want)
    # Settings: every key, the case's values.
    ws = wb["Settings"]
    values = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}
    assert list(values) == schema.SETTINGS.column_names
    assert values["currency"] == "EUR m"
    assert values["allow_unmet"] == "no"
    assert values["first_year"] == 2027 and values["last_year"] == 2036


def test_filled_case_has_spare_input_rows(tmp_path):
    case = example_case()
    wb = build_case_workbook(case)
    n = len(case.options)
    last = 1 + n + SPARE_ROWS
    assert wb.defined_names[id_list_name("Options")].attr_text == f"'Options'!$A$2:$A${last}"
    ws = wb["Options"]
    assert ws.cell(last, 1).fill.fgColor.rgb.endswith(style.INPUT_COLOUR)
    assert ws.cell(last + 1, 1).fill.fgColor.rgb in (None, "00000000")
    assert all(str(dv.sqref).endswith(str(last)) for dv in ws.data_validations.dataValidation)


def test_horizon_of_a_case_cannot_be_overridden():
    with pytest.raises(ValueError, match="horizon"):
        build_case_workbook(example_case(), first_year=2030)


def test_bad_template_horizon_is_refused():
    with pytest.raises(ValueError, match="horizon"):
        build_case_workbook(None, first_year=2030, last_year=2029)
