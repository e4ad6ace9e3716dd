"""Reading a case workbook into typed tables: values, types, defaults, layout quirks."""

from __future__ import annotations

import datetime as dt
import math
import re
import time
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sovopt import validate as validate_module
from sovopt.errors import InvalidCase, Problem, SovoptError
from sovopt.workbook import cell_values as cells_module
from sovopt.workbook import typed_columns as parse_module
from sovopt.workbook.case_reader import parse_number_text, read_case
from sovopt.workbook.open_safely import scan_layout
from tests.helpers_workbook import CaseBook, big_case_book
from tests.libreoffice import needs_libreoffice, recalculate


def problems_of(book: CaseBook, tmp_path: Path, name: str = "case.xlsx") -> list[Problem]:
    """Every problem (errors and warnings) reading ``book`` finds."""
    path = book.save(tmp_path / name)
    try:
        return read_case(path)[1]
    except InvalidCase as exc:
        return exc.problems


def lines(problems: list[Problem]) -> list[str]:
    return [f"{p.severity}: {p}" for p in problems]


# ---------------------------------------------------------------------------
# The minimal valid case
# ---------------------------------------------------------------------------

def test_minimal_case_reads_typed_tables(book, tmp_path):
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert warnings == []
    s = case.settings
    assert (s.case_name, s.home_country, s.first_year, s.last_year) == \
        ("Test case", "HOM", 2026, 2028)
    assert (s.currency, s.objective, s.allow_unmet) == ("EUR", "min_cost", False)
    assert (s.time_limit_s, s.mip_gap, s.cvar_beta) == (60.0, 0.01, 0.9)
    assert isinstance(s.first_year, int) and isinstance(s.time_limit_s, float)
    assert case.years == [2026, 2027, 2028]
    assert case.source == "case.xlsx"
    assert case.settings_rows == {"case_name": 2, "home_country": 3, "first_year": 4,
                                  "last_year": 5, "currency": 6, "objective": 7}


def test_countries_fill_tier_default_max_share(book, tmp_path):
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    c = case.countries
    assert c["country_id"].tolist() == ["HOM", "ALY", "PAR", "ADV", "PRO"]
    assert c["tier"].tolist() == ["home", "ally", "partner", "adversary", "prohibited"]
    # PAR's own 0.5 overrides the partner default 0.65; blanks take the tier default
    assert c["max_share"].tolist() == [1.0, 1.0, 0.5, 0.10, 0.0]
    assert c["risk_score"].tolist() == [0.0, 0.1, 0.3, 0.9, 1.0]
    assert c["row"].tolist() == [2, 3, 4, 5, 6]
    assert c["max_share"].dtype == np.float64 and c["row"].dtype == np.int64


def test_suppliers_defaults_and_unlimited_capacity(book, tmp_path):
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    sup = case.suppliers.set_index("supplier_id")
    assert sup.loc["S2", "activation_cost"] == 1000.0
    assert sup.loc["S3", "activation_cost"] == 0.0          # default
    assert sup.loc["S2", "capacity_per_year"] == 50.0
    assert math.isnan(sup.loc["S1", "capacity_per_year"])  # blank = unlimited
    assert sup.loc["S4", "country_id"] == "PRO"              # prohibited: kept, no error


def test_capabilities_defaults(book, tmp_path):
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    cap = case.capabilities
    assert cap.to_dict("list") == {
        "capability_id": ["C1", "C2"], "name": ["Artillery rounds", "Radars"],
        "unit": ["round", "unit"], "criticality": [2.0, 1.0], "min_suppliers": [1, 1],
        "integer_units": [True, True], "min_supplier_share": [0.1, 0.1],
        "requirement": ["deliveries", "deliveries"],
        "stock_max": [0.0, 0.0], "holding_cost": [0.0, 0.0], "initial_stock": [0.0, 0.0],
        "row": [2, 3]}
    assert cap["min_suppliers"].dtype == np.int64 and cap["integer_units"].dtype == np.dtype(bool)


def test_options_types_and_defaults(book, tmp_path):
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    opt = case.options.set_index("option_id")
    assert list(case.options.columns) == [
        "option_id", "capability_id", "supplier_id", "mode", "unit_cost", "fixed_cost",
        "local_content", "lead_time_years", "available_from", "min_total_qty",
        "max_qty_per_year", "mandatory", "service_life_years", "support_cost",
        "support_country_id", "partner_offtake_per_year", "notes", "cost_low", "cost_high",
        "row"]
    assert opt.loc["O1", "mode"] == "domestic" and opt.loc["O1", "notes"] == "home line"
    assert opt.loc["O2", "fixed_cost"] == 0.0 and opt.loc["O2", "lead_time_years"] == 0
    assert opt.loc["O2", "available_from"] == 2027
    assert opt.loc["O1", "available_from"] == 2026           # blank = first_year
    assert opt.loc["O2", "max_qty_per_year"] == 60.0
    assert math.isnan(opt.loc["O1", "max_qty_per_year"])    # blank = no cap
    assert opt["mandatory"].tolist() == [False, False, True, False]
    assert opt.loc["O4", "local_content"] == 0.0 and opt.loc["O4", "notes"] == ""
    assert opt.loc["O3", "unit_cost"] == 1e6
    dtypes = case.options.dtypes
    assert dtypes["lead_time_years"] == np.int64 and dtypes["available_from"] == np.int64
    assert dtypes["unit_cost"] == np.float64 and dtypes["mandatory"] == np.dtype(bool)
    assert case.options["row"].tolist() == [2, 3, 4, 5]


def test_inputs_budget_scenarios(book, tmp_path):
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    assert case.inputs.to_dict("list") == {
        "option_id": ["O2", "O3"], "input": ["seeker", "chips"],
        "source_country_id": ["PAR", "ADV"], "value_share": [0.2, 0.1],
        "critical": [True, False], "row": [2, 3]}
    assert case.budget.to_dict("list") == {
        "year": [2026, 2027, 2028], "budget": [1e7, 1.2e7, 1.5e7],
        "min_local_share": [0.3, 0.0, 0.4], "row": [2, 3, 4]}
    sc = case.scenarios
    assert sc["scenario_id"].tolist() == ["SC1", "SC2", "SC2"]
    assert sc["from_year"].tolist() == [2027, 2026, 2026]    # blank = first_year
    assert sc["to_year"].tolist() == [2028, 2028, 2027]      # blank = last_year
    assert sc["probability"].tolist() == [0.1, 0.05, 0.05]
    assert sc["from_year"].dtype == np.int64


def test_demand_long_form(book, tmp_path):
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    d = case.demand
    assert list(d.columns) == ["capability_id", "year", "demand", "row"]
    assert d["capability_id"].tolist() == ["C1"] * 3 + ["C2"] * 3
    assert d["year"].tolist() == [2026, 2027, 2028] * 2
    assert d["demand"].tolist() == [100, 120, 150, 2, 0, 3]  # blank = 0
    assert d["row"].tolist() == [2, 2, 2, 3, 3, 3]
    assert case.column_letters["Demand"] == {"capability_id": "A", "2026": "B", "2027": "C",
                                             "2028": "D"}


def test_column_letters_and_cell(book, tmp_path):
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    assert case.column_letters["Options"]["local_content"] == "G"
    assert case.column_letters["Budget"] == {"year": "A", "budget": "B", "min_local_share": "C"}
    row = int(case.options.loc[case.options["option_id"] == "O3", "row"].iloc[0])
    assert case.cell("Options", "unit_cost", row) == "Options!E4"
    assert case.setting_cell("last_year") == "Settings!B5"


# ---------------------------------------------------------------------------
# Headers, blank rows, ids, words
# ---------------------------------------------------------------------------

def test_headers_any_order_any_case_trimmed(book, tmp_path):
    rows = book.sheets["Options"]
    order = [12, 4, 0, 3, 2, 1, 5, 6, 7, 8, 9, 10, 11]
    book.sheets["Options"] = [[row[j] for j in order] for row in rows]
    book.sheets["Options"][0] = [f"  {h.upper()} " for h in book.sheets["Options"][0]]
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert warnings == []
    assert case.column_letters["Options"]["option_id"] == "C"
    assert case.column_letters["Options"]["notes"] == "A"
    assert case.options["unit_cost"].tolist() == [10, 8, 1e6, 5e5]
    assert list(case.options.columns)[0] == "option_id"


def test_blank_rows_are_skipped_rows_keep_workbook_numbers(book, tmp_path):
    book.sheets["Options"].insert(2, [None] * 13)
    book.sheets["Options"].insert(3, ["  ", None, "", None])
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert warnings == []
    assert case.options["option_id"].tolist() == ["O1", "O2", "O3", "O4"]
    assert case.options["row"].tolist() == [2, 5, 6, 7]


def test_ids_are_stripped_and_nfc_normalised(book, tmp_path):
    decomposed = unicodedata.normalize("NFD", "Sé")
    composed = unicodedata.normalize("NFC", "Sé")
    book.set("Suppliers", "A3", decomposed)
    book.set("Options", "C3", f"  {composed}\u00a0")
    book.set("Options", "B2", " C1 ")
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert warnings == []
    assert case.suppliers["supplier_id"].tolist()[1] == composed
    assert case.options["supplier_id"].tolist()[1] == composed
    assert case.options["capability_id"].tolist()[0] == "C1"


def test_numeric_ids_become_text(book, tmp_path):
    book.set("Suppliers", "A2", 101)
    book.set("Options", "C2", "101")
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    assert case.suppliers["supplier_id"].tolist()[0] == "101"
    assert case.options["supplier_id"].tolist()[0] == "101"


@pytest.mark.parametrize(("cell", "expected"), [
    ("yes", True), ("Y", True), ("TRUE", True), ("true", True), (1, True), (True, True),
    ("1", True), ("no", False), ("n", False), ("False", False), (0, False), (False, False),
    (" No ", False),
])
def test_yes_no_words(book, tmp_path, cell, expected):
    book.set("Options", "L2", cell)
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    assert case.options["mandatory"].tolist()[0] is expected


def test_choices_are_case_insensitive(book, tmp_path):
    book.set("Options", "D2", " Domestic ")
    book.set("Countries", "C3", "ALLY")
    book.set("Settings", "B7", "Balanced")
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    assert case.options["mode"].tolist()[0] == "domestic"
    assert case.countries["tier"].tolist()[1] == "ally"
    assert case.settings.objective == "balanced"


def test_sheet_names_match_case_insensitively_and_other_sheets_are_ignored(book, tmp_path):
    book.sheets = {(" options " if k == "Options" else k): v for k, v in book.sheets.items()}
    book.sheets["About"] = [["This workbook is a case"]]
    book.sheets["Summary"] = [["metric", "value"], ["status", "optimal"]]
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert warnings == [] and len(case.options) == 4


def test_demand_year_headers_as_text(book, tmp_path):
    book.sheets["Demand"][0] = ["capability_id", "2026", " 2027 ", 2028.0]
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert warnings == []
    assert case.demand["demand"].tolist() == [100, 120, 150, 2, 0, 3]


def test_missing_optional_sheets_read_as_empty_typed_tables(book, tmp_path):
    book.drop_sheet("Inputs").drop_sheet("Scenarios")
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert [(p.where, p.severity) for p in warnings] == [("Inputs", "warning"),
                                                          ("Scenarios", "warning")]
    assert "no sheet Inputs; it is read as empty" in str(warnings[0])
    assert case.inputs.empty and list(case.inputs.columns) == [
        "option_id", "input", "source_country_id", "value_share", "critical", "row"]
    assert case.scenarios.empty and case.scenarios["from_year"].dtype == np.int64


def test_empty_optional_sheets_with_headers_only(book, tmp_path):
    book.sheets["Inputs"] = book.sheets["Inputs"][:1]
    book.sheets["Scenarios"] = [[]]
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert warnings == [] and case.inputs.empty and case.scenarios.empty


def test_optional_columns_may_be_absent(book, tmp_path):
    for header in ("fixed_cost", "lead_time_years", "available_from", "max_qty_per_year",
                   "mandatory", "notes"):
        book.drop_column("Options", header)
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert warnings == []
    assert case.options["fixed_cost"].tolist() == [0.0] * 4
    assert case.options["available_from"].tolist() == [2026] * 4
    assert case.options["mandatory"].tolist() == [False] * 4
    assert case.options["max_qty_per_year"].isna().all()
    assert "fixed_cost" not in case.column_letters["Options"]


def test_settings_defaults_when_optional_keys_absent(book, tmp_path):
    book.sheets["Settings"] = book.sheets["Settings"][:5]
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    assert case.settings.currency == "EUR" and case.settings.objective == "min_dependence"
    assert "currency" not in case.settings_rows


def test_settings_extra_columns_are_ignored(book, tmp_path):
    book.set("Settings", "C1", "meaning")
    book.set("Settings", "C2", "shown on every report")
    _, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert warnings == []


def test_settings_without_header_row_warns(book, tmp_path):
    book.sheets["Settings"] = book.sheets["Settings"][1:]
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert [str(p) for p in warnings] == [
        "Settings!A1: row 1 is not the header row; it is read as a setting; expected 'key' "
        "in A1 and 'value' in B1"]
    assert case.settings.case_name == "Test case" and case.settings_rows["case_name"] == 1


def test_settings_typed_values(book, tmp_path):
    book.append("Settings", ["allow_unmet", "yes"])
    book.append("Settings", ["time_limit_s", "120"])
    book.append("Settings", ["mip_gap", 0.05])
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert case.settings.allow_unmet is True
    assert case.settings.time_limit_s == 120.0 and case.settings.mip_gap == 0.05
    assert lines(warnings) == ["warning: Settings!B9: time_limit_s is a number stored as "
                               "text ('120'), read as 120; type it as a number"]


# ---------------------------------------------------------------------------
# Numbers stored as text
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("100", 100.0), ("9,75", 9.75), ("9.75", 9.75), ("1 000", 1000.0), ("1\u00a0000,5", 1000.5),
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1,000,000", 1e6), ("1.000.000", 1e6),
    ("0,125", 0.125), ("-3", -3.0), ("+2.5", 2.5), ("1e3", 1000.0), ("50%", 0.5),
    (" 12 ", 12.0), ("1'000", 1000.0),
])
def test_parse_number_text(text, value):
    assert parse_number_text(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "reason"), [
    ("abc", "is not a number"), ("12 EUR", "is not a number"), ("1,000", "is ambiguous"),
    ("12,500", "is ambiguous"), ("nan", "is not a number"), ("inf", "is not a number"),
    ("1_000", "is not a number"), ("", "is not a number"), ("€5", "is not a number"),
])
def test_parse_number_text_rejects(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_number_text(text)


def test_numbers_stored_as_text_are_accepted_with_warnings(book, tmp_path):
    book.set("Options", "E2", "100")
    book.set("Options", "E3", "9,75")
    book.set("Budget", "B2", "1 000")
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert case.options["unit_cost"].tolist()[:2] == [100.0, 9.75]
    assert case.budget["budget"].tolist()[0] == 1000.0
    assert lines(warnings) == [
        "warning: Options!E2: unit_cost is a number stored as text ('100'), read as 100; "
        "type it as a number",
        "warning: Options!E3: unit_cost is a number stored as text ('9,75'), read as 9.75; "
        "type it as a number",
        "warning: Budget!B2: budget is a number stored as text ('1 000'), read as 1000; "
        "type it as a number",
    ]


def test_text_year_and_integer_cells(book, tmp_path):
    book.set("Budget", "A2", "2026")
    book.set("Options", "H2", "2")
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert case.budget["year"].tolist()[0] == 2026 and case.budget["year"].dtype == np.int64
    assert case.options["lead_time_years"].tolist()[0] == 2
    assert [p.where for p in warnings] == ["Options!H2", "Budget!A2"]


# ---------------------------------------------------------------------------
# Formulas and Excel errors
# ---------------------------------------------------------------------------

def test_formula_without_computed_value_is_an_error(book, tmp_path):
    book.set("Budget", "B2", "=100*2")
    problems = problems_of(book, tmp_path)
    assert lines(problems) == ["error: Budget!B2: formula has no computed value; open and "
                               "save the workbook in Excel or LibreOffice"]


def test_excel_error_value_names_the_cell(book, tmp_path):
    book.set("Budget", "B3", "#DIV/0!")
    book.set("Options", "E2", "#N/A")
    problems = problems_of(book, tmp_path)
    assert sorted(lines(problems)) == [
        "error: Budget!B3: the cell shows the Excel error #DIV/0!; correct the formula or "
        "type the value",
        "error: Options!E2: the cell shows the Excel error #N/A; correct the formula or type "
        "the value",
    ]


@needs_libreoffice
def test_formula_recalculated_by_libreoffice_reads_its_value(book, tmp_path):
    book.set("Budget", "B2", "=100*2")
    book.set("Options", "M3", '=IF(1=1,"","x")')       # computes to empty text: a blank
    book.set("Countries", "E4", "=0.25*2")
    saved = book.save(tmp_path / "case.xlsx")
    with pytest.raises(InvalidCase):
        read_case(saved)
    recalculated = recalculate(saved, tmp_path / "lo")
    case, warnings = read_case(recalculated)
    assert warnings == []
    assert case.budget["budget"].tolist() == [200.0, 1.2e7, 1.5e7]
    assert case.options["notes"].tolist()[1] == ""
    assert case.countries["max_share"].tolist()[2] == 0.5
    assert case.demand["demand"].tolist() == [100, 120, 150, 2, 0, 3]


@needs_libreoffice
def test_excel_error_from_a_real_formula(book, tmp_path):
    book.set("Budget", "B3", "=1/0")
    recalculated = recalculate(book.save(tmp_path / "case.xlsx"), tmp_path / "lo")
    problems = problems_of_path(recalculated)
    assert lines(problems) == ["error: Budget!B3: the cell shows the Excel error #DIV/0!; "
                               "correct the formula or type the value"]


def problems_of_path(path: Path) -> list[Problem]:
    try:
        return read_case(path)[1]
    except InvalidCase as exc:
        return exc.problems


# ---------------------------------------------------------------------------
# Layout: merges, hidden rows, declared size, caps
# ---------------------------------------------------------------------------

def test_merged_cells_inside_a_table_are_an_error(book, tmp_path):
    path = book.save(tmp_path / "case.xlsx",
                     edit=lambda wb: wb["Options"].merge_cells("E2:E3"))
    problems = problems_of_path(path)
    assert lines(problems) == ["error: Options!E2: cells E2:E3 are merged inside the table; "
                               "expected one value per cell; unmerge them"]


def test_merged_cells_outside_the_table_are_ignored(book, tmp_path):
    def edit(wb):
        wb["Options"]["P2"] = "Reviewer notes"
        wb["Options"].merge_cells("P2:R4")
    _, warnings = read_case(book.save(tmp_path / "case.xlsx", edit=edit))
    assert [p.where for p in warnings] == ["Options!P1"]  # values without a header


def test_hidden_rows_are_read_with_one_warning_per_sheet(book, tmp_path):
    def edit(wb):
        for r in (3, 4):
            wb["Options"].row_dimensions[r].hidden = True
        wb["Budget"].row_dimensions[2].hidden = True
    case, warnings = read_case(book.save(tmp_path / "case.xlsx", edit=edit))
    assert len(case.options) == 4
    assert lines(warnings) == [
        "warning: Options: rows 3-4 are hidden; hidden rows are read like the other rows; "
        "unhide them to review them, or delete rows that should not count",
        "warning: Budget: row 2 is hidden; hidden rows are read like the other rows; "
        "unhide them to review them, or delete rows that should not count",
    ]


def test_wrongly_declared_sheet_size_still_reads_every_row(book, tmp_path):
    """A file whose sheets declare their size as A1:A1."""
    path = book.save(tmp_path / "case.xlsx")
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A1"', data)
            dst.writestr(info, data)
    case, _ = read_case(patched)
    assert len(case.options) == 4 and case.budget["year"].tolist() == [2026, 2027, 2028]


def test_scan_layout_reads_rows_merges_and_formulas():
    xml = (b'<worksheet><sheetData><row r="2" hidden="1"><c r="A2"><f>1+1</f><v/></c></row>'
           b"<row><c/></row><row r='7' hidden='true'/><row r=\"9\"/></sheetData>"
           b'<mergeCells><mergeCell ref="B2:C4"/></mergeCells></worksheet>')
    layout = scan_layout(xml)
    assert layout.hidden_rows == frozenset({2, 7})
    assert layout.merged == ((2, 2, 4, 3),)
    assert layout.has_formulas
    assert not scan_layout(b"<worksheet><sheetData><row r='1'/></sheetData>"
                           b"<conditionalFormatting><cfRule><formula>1</formula></cfRule>"
                           b"</conditionalFormatting></worksheet>").has_formulas


def test_row_cap_is_a_clear_error(book, tmp_path, monkeypatch):
    monkeypatch.setattr(cells_module, "MAX_ROWS", 4)
    problems = problems_of(book, tmp_path)
    capped = [p for p in problems if p.where == "Options"]
    assert len(capped) == 1
    assert "the sheet reaches at least cell" in capped[0].message
    assert "at most 4 rows" in capped[0].expected


def test_column_cap_is_a_clear_error(book, tmp_path):
    book.set("Budget", "ALM2", "stray")  # column 1001
    problems = problems_of(book, tmp_path)
    assert any(p.where == "Budget" and "reaches at least cell ALM2" in p.message
               and "1000 columns" in p.expected for p in problems)


# ---------------------------------------------------------------------------
# Robustness and speed
# ---------------------------------------------------------------------------

def test_unexpected_exception_in_a_cell_becomes_a_problem(book, tmp_path, monkeypatch):
    def explode(value):
        raise RuntimeError("boom")
    monkeypatch.setattr(parse_module, "_parse_bool", explode)
    problems = problems_of(book, tmp_path)
    assert "error: Capabilities!F2: integer_units could not be read (RuntimeError: boom); " \
           "expected yes or no" in lines(problems)


def test_unexpected_exception_in_a_check_becomes_a_problem(book, tmp_path, monkeypatch):
    def explode(case, out):
        raise KeyError("surprise")
    rules = tuple(explode if r is validate_module.check_scenarios else r
                  for r in validate_module.RULES)
    monkeypatch.setattr(validate_module, "RULES", rules)
    problems = problems_of(book, tmp_path)
    assert [p.where for p in problems] == ["workbook"]
    assert "could not be read or checked (KeyError" in problems[0].message


def test_a_date_in_a_number_column(book, tmp_path):
    book.set("Budget", "B2", dt.datetime(2027, 1, 1))
    assert lines(problems_of(book, tmp_path)) == [
        "error: Budget!B2: budget is a date or time (2027-01-01); expected a number >= 0"]


def test_file_problems_raise_one_line_sovopt_error(tmp_path):
    with pytest.raises(SovoptError, match=r"^missing\.xlsx: file not found"):
        read_case(tmp_path / "missing.xlsx")


@pytest.mark.slow
def test_thirty_thousand_options_read_quickly(tmp_path):
    path = big_case_book(30_000).save(tmp_path / "big.xlsx")
    start = time.process_time()
    case, warnings = read_case(path)
    seconds = time.process_time() - start
    assert len(case.options) == 30_000 and warnings == []
    assert case.options["row"].iloc[-1] == 30_001
    assert case.options["unit_cost"].sum() == pytest.approx(
        sum(10.0 + i % 7 for i in range(30_000)))
    assert seconds < 30, f"reading 30,000 options took {seconds:.1f} s of CPU"


def test_many_bad_cells_are_capped_per_column(book, tmp_path):
    for i in range(30):
        book.append("Options", [f"X{i}", "C1", "S1", "buy", "bad", None, None])
    problems = problems_of(book, tmp_path)
    listed = [p for p in problems if re.fullmatch(r"Options!E\d+", p.where)]
    assert len(listed) == cells_module.MAX_REPORTS
    summary = [p for p in problems if p.where == "Options!E:E"]
    assert len(summary) == 1 and summary[0].message.startswith("10 more cells in this column")


def test_frames_are_plain_pandas(book, tmp_path):
    case, _ = read_case(book.save(tmp_path / "case.xlsx"))
    for name in ("countries", "suppliers", "capabilities", "options", "inputs", "budget",
                 "scenarios"):
        frame = getattr(case, name)
        assert isinstance(frame, pd.DataFrame) and frame.index.tolist() == list(range(len(frame)))
        assert frame["row"].dtype == np.int64
    assert str(case.demand["row"].dtype) == "Int64"
