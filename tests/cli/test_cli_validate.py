"""``sovopt validate``: output lines, summary, exit codes, and files that are not workbooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovopt import schema
from sovopt.cli import cli
from tests.bad_workbooks.make_bad_workbooks import BUILDERS
from tests.helpers_workbook import CaseBook
from tests.paths import REPO

#: The Options headers as the messages list them (the schema's order).
OPTION_COLUMNS = ", ".join(schema.OPTIONS.column_names)


SOVOPT = Path(sys.executable).parent / "sovopt"


def validate(path: Path) -> tuple[int, list[str], str]:
    """Run ``sovopt validate PATH``: exit code, stderr lines, stdout."""
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result.exit_code, result.stderr.splitlines(), result.stdout


def test_valid_case_exits_0_with_a_summary(tmp_path):
    code, err, out = validate(CaseBook().save(tmp_path / "case.xlsx"))
    assert code == 0
    # O4's supplier is in a prohibited country: the solve leaves it out, validate says so
    assert err == ["warning: Options!A5: option O4 will be left out of the solve: value from "
                   "prohibited country PRO",
                   "case.xlsx is valid: 2 capabilities, 4 options, 3 years (1 warning)"]
    assert out == ""


def test_warnings_are_listed_and_counted_but_exit_0(tmp_path):
    book = CaseBook().set("Options", "I3", 2030).set("Options", "N1", "colour")
    code, err, _ = validate(book.save(tmp_path / "case.xlsx"))
    assert code == 0
    assert err == [
        "warning: Options!N1: unknown column 'colour' is ignored; expected one of "
        + OPTION_COLUMNS,
        "warning: Options!I3: available_from 2030 is outside the horizon 2026..2028; expected "
        "a year in the horizon (before it: the option is available from the start; after it: "
        "never)",
        "warning: Options!A3: option O2 will be left out of the solve: cannot deliver by "
        "2028: available_from 2030 + lead time 0",
        "warning: Options!A5: option O4 will be left out of the solve: value from "
        "prohibited country PRO",
        "case.xlsx is valid: 2 capabilities, 4 options, 3 years (4 warnings)",
    ]


def test_singular_summary(tmp_path):
    book = CaseBook()
    book.sheets["Settings"][4][1] = 2026
    book.sheets["Demand"] = [row[:2] for row in book.sheets["Demand"]]
    book.sheets["Budget"] = book.sheets["Budget"][:2]
    book.sheets["Capabilities"].pop()
    book.sheets["Demand"].pop()
    book.sheets["Options"] = book.sheets["Options"][:2]
    book.set("Options", "H2", 0)  # O1 delivers within the one year (no exclusion warning)
    book.sheets["Inputs"] = book.sheets["Inputs"][:1]
    book.sheets["Scenarios"] = book.sheets["Scenarios"][:1]
    code, err, _ = validate(book.save(tmp_path / "one.xlsx"))
    assert code == 0, err
    assert err == ["one.xlsx is valid: 1 capability, 1 option, 1 year"]


def test_errors_exit_1_errors_before_warnings(tmp_path):
    book = CaseBook().set("Options", "I3", 2030).set("Options", "E3", "abc")
    book.set("Budget", "B4", -1)
    code, err, out = validate(book.save(tmp_path / "case.xlsx"))
    assert code == 1
    assert err[:3] == [
        "error: Options!E3: unit_cost 'abc' is not a number; expected a number >= 0",
        "error: Budget!B4: budget -1 is out of range; expected a number >= 0",
        "warning: Options!I3: available_from 2030 is outside the horizon 2026..2028; expected "
        "a year in the horizon (before it: the option is available from the start; after it: "
        "never)",
    ]
    assert err[3:] == ["case.xlsx is not valid: 2 errors, 1 warning"]
    assert out == ""


BROKEN_CASES = {
    "wrong_type.xlsx": ["error: Options!E3: unit_cost 'abc' is not a number; expected a "
                        "number >= 0"],
    "five_errors.xlsx": [
        "error: Settings!B5: last_year 2020 is before first_year 2026; expected a year >= "
        "2026 (first_year, Settings!B4)",
        "error: Options!E3: unit_cost 'abc' is not a number; expected a number >= 0",
        "error: Options!G2: local_content 1.3 is out of range; expected a number in [0, 1]",
        "error: Suppliers!A6: duplicate supplier_id 'S1' (also in Suppliers!A2); expected "
        "each supplier_id once",
        "error: Options!C4: unknown supplier_id 'S99'; expected an id from Suppliers",
    ],
    "formula_no_value.xlsx": ["error: Budget!B2: formula has no computed value; open and "
                              "save the workbook in Excel or LibreOffice"],
    "excel_error.xlsx": ["error: Budget!B3: the cell shows the Excel error #DIV/0!; correct "
                         "the formula or type the value"],
    "merged_cells.xlsx": ["error: Options!M2: cells M2:M3 are merged inside the table; "
                          "expected one value per cell; unmerge them"],
    "missing_sheet.xlsx": ["error: Budget: the workbook has no sheet Budget; expected the "
                           "sheets Settings, Countries, Suppliers, Capabilities, Demand, "
                           "Options, Inputs, Budget, Scenarios"],
    "missing_column.xlsx": ["error: Options: header row 1 has no column 'unit_cost'; "
                            f"expected the headers {OPTION_COLUMNS} in row 1 (any order)"],
    "bad_settings.xlsx": [
        "error: Settings!B7: objective 'cheapest' is not allowed; expected one of "
        "min_dependence, min_cost, balanced",
        "error: Settings!A8: unknown setting 'horizon'; expected one of case_name, "
        "home_country, first_year, last_year, currency, objective, allow_unmet, "
        "time_limit_s, mip_gap, cvar_beta",
    ],
}


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_broken_case_workbooks(bad_workbooks, name):
    code, err, _ = validate(bad_workbooks / name)
    assert code == 1
    expected = BROKEN_CASES[name]
    n = len(expected)
    assert err == [*expected, f"{name} is not valid: {n} error{'s' if n > 1 else ''}, "
                   "0 warnings"]


NOT_WORKBOOKS = {
    "old_format.xls": "is an Excel 97-2003 workbook (.xls), which sovopt cannot read; convert "
                      "it with `soffice --headless --convert-to xlsx old_format.xls`",
    "table.csv": "is a CSV file; a case is a workbook with one sheet per table",
    "renamed_text.xlsx": "is text (a CSV or text file renamed to .xlsx?)",
    "truncated.xlsx": "is damaged: it is not a complete .xlsx archive",
    "password_protected.xlsx": "is password-protected; remove the password",
    "renamed_xls.xlsx": "is an Excel 97-2003 workbook (.xls) with an .xlsx name; convert it "
                        "with `soffice --headless --convert-to xlsx renamed_xls.xlsx`",
    "macro_enabled.xlsm": "is a macro-enabled workbook (.xlsm); save it as .xlsx",
    "empty.xlsx": "is empty (0 bytes)",
    "word_document.xlsx": "is a Word document, not an Excel workbook",
    "zip_bomb.xlsx": "is compressed 1029 times (at most 200); it looks like a zip bomb",
    "entity_expansion.xlsx": "is not a valid workbook: its XML declares entities or a "
                             "document type, which is not allowed (EntitiesForbidden)",
}


@pytest.mark.parametrize("name", sorted(NOT_WORKBOOKS))
def test_files_that_are_not_workbooks_give_one_clear_line(bad_workbooks, name):
    code, err, out = validate(bad_workbooks / name)
    assert code == 1
    assert len(err) == 1, err
    assert err[0].startswith(f"error: {name}: ")
    assert NOT_WORKBOOKS[name] in err[0]
    assert "Traceback" not in err[0] and out == ""


def test_excel_lock_file(tmp_path):
    lock = tmp_path / "~$case.xlsx"
    lock.write_bytes(b"\x05Alice" + bytes(160))
    code, err, _ = validate(lock)
    assert code == 1
    assert err == ["error: ~$case.xlsx: is Excel's lock file (Excel creates ~$ files while a "
                   "workbook is open), not a workbook; validate the workbook itself"]


def test_missing_file_and_folder(tmp_path):
    code, err, _ = validate(tmp_path / "nowhere.xlsx")
    assert code == 1
    assert err == [f"error: nowhere.xlsx: file not found (looked for {tmp_path / 'nowhere.xlsx'})"]
    folder = tmp_path / "cases.xlsx"
    folder.mkdir()
    code, err, _ = validate(folder)
    assert code == 1
    assert err == ["error: cases.xlsx: is a folder, not a workbook; give the path of an .xlsx "
                   "file"]


def test_other_extension(tmp_path):
    path = tmp_path / "case.ods"
    path.write_bytes(b"PK\x03\x04")
    code, err, _ = validate(path)
    assert code == 1
    assert err == ["error: case.ods: is an OpenDocument spreadsheet (.ods); convert it with "
                   "`soffice --headless --convert-to xlsx case.ods` or save it as .xlsx (Excel "
                   "Workbook) in Excel"]


def test_usage_error_without_a_path():
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert "Missing argument 'CASE.xlsx'" in result.output


@pytest.mark.parametrize(("name", "code", "last"), [
    ("good.xlsx", 0, "good.xlsx is valid: 2 capabilities, 4 options, 3 years"),
    ("wrong_type.xlsx", 1, "wrong_type.xlsx is not valid: 1 error, 0 warnings"),
    ("truncated.xlsx", 1, "error: truncated.xlsx: is damaged"),
])
def test_console_script(tmp_path, bad_workbooks, name, code, last):
    """The installed ``sovopt`` entry point, as a planner runs it."""
    path = bad_workbooks / name
    if name == "good.xlsx":
        path = CaseBook().save(tmp_path / name)
    proc = subprocess.run([str(SOVOPT), "validate", str(path)], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, NO_COLOR="1"))
    assert proc.returncode == code, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.splitlines()[-1].startswith(last)
    assert "Traceback" not in proc.stderr


def test_generator_writes_every_file(tmp_path):
    """make_bad_workbooks.py runs and writes the files committed next to it."""
    proc = subprocess.run([sys.executable, str(REPO / "tests/bad_workbooks/make_bad_workbooks.py"),
                           str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(BUILDERS)
    committed = REPO / "tests/bad_workbooks"
    for name in BUILDERS:
        assert (committed / name).exists(), f"run make_bad_workbooks.py: {name} is missing"
