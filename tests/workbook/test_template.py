"""The blank template: every schema sheet and column, notes, drop-downs, checks, CLI."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from sovopt import schema
from sovopt.workbook import style
from sovopt.workbook.template import write_template
from sovopt.workbook.write_case import (
    ABOUT_SHEET,
    INLINE_LIST_LIMIT,
    TEMPLATE_ROWS,
    YEAR_MAX,
    YEAR_MIN,
    blank_text,
    default_horizon,
    id_list_name,
)
from tests.builders import workbook_content
from tests.paths import REPO as ROOT

COMMITTED = ROOT / "inputs" / "template.xlsx"
LAST = TEMPLATE_ROWS + 1


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    write_template(path, 2027, 2036)
    return openpyxl.load_workbook(path)


def _headers(ws) -> list:
    return [c.value for c in ws[1]]


def _validations(ws) -> dict[str, object]:
    """Validation by the first cell of its range (``B2``)."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[rng.split(":")[0]] = dv
    return out


def _table_sheets():
    return [sh for sh in schema.SHEETS if sh.layout != "settings"]


def test_every_schema_sheet_in_order_after_about(template):
    assert template.sheetnames == [ABOUT_SHEET, *(sh.name for sh in schema.SHEETS)]
    assert template.active.title == ABOUT_SHEET


@pytest.mark.parametrize("sh", _table_sheets(), ids=lambda s: s.name)
def test_table_headers_notes_and_frozen_header(template, sh):
    ws = template[sh.name]
    headers = _headers(ws)
    assert headers[: len(sh.columns)] == sh.column_names
    for j, col in enumerate(sh.columns, start=1):
        note = ws.cell(1, j).comment
        assert note is not None, col.name
        assert col.description in note.text
        assert col.range_text() in note.text
        assert ("Required." in note.text) or (col.default_text() in note.text)
        if col.unit:
            assert "Unit: " + col.unit.split("/")[0] in note.text
        assert ws.cell(1, j).font.bold
    assert ws.freeze_panes == ("B2" if sh.layout == "years" else "A2")


def test_settings_has_every_key_with_defaults(template):
    ws = template["Settings"]
    assert _headers(ws) == ["key", "value"]
    rows = {ws.cell(r, 1).value: (r, ws.cell(r, 2).value) for r in range(2, ws.max_row + 1)}
    assert list(rows) == schema.SETTINGS.column_names
    for col in schema.SETTINGS.columns:
        r, value = rows[col.name]
        assert col.description in ws.cell(r, 1).comment.text
        if col.kind == "bool":
            assert value == ("yes" if col.default else "no")
        elif col.default is not None:
            assert value == col.default
    assert rows["first_year"][1] == 2027 and rows["last_year"][1] == 2036
    assert ws.freeze_panes == "A2"
    assert ws["B2"].fill.fgColor.rgb.endswith(style.INPUT_COLOUR)


def test_settings_validations(template):
    ws = template["Settings"]
    dvs = _validations(ws)
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    assert dvs[f"B{rows['home_country']}"].formula1 == id_list_name("Countries")
    assert dvs[f"B{rows['objective']}"].formula1 == '"' + ",".join(schema.OBJECTIVES) + '"'
    assert dvs[f"B{rows['allow_unmet']}"].formula1 == '"yes,no"'
    assert dvs[f"B{rows['first_year']}"].type == "whole"
    beta = dvs[f"B{rows['cvar_beta']}"]  # [0, 1): both bounds, one open -> custom formula
    assert beta.type == "custom" and "<1" in beta.formula1 and ">=0" in beta.formula1
    limit = dvs[f"B{rows['time_limit_s']}"]
    assert (limit.type, limit.operator, limit.formula1) == ("decimal", "greaterThan", "0")


@pytest.mark.parametrize("sh", _table_sheets(), ids=lambda s: s.name)
def test_dropdowns_and_number_checks_follow_the_schema(template, sh):
    ws = template[sh.name]
    dvs = _validations(ws)
    fields = list(sh.columns)
    if sh.layout == "years":
        fields += [sh.year_column] * (len(_headers(ws)) - len(sh.columns))
    for j, col in enumerate(fields, start=1):
        letter = openpyxl.utils.get_column_letter(j)
        dv = dvs.get(f"{letter}2")
        if col.kind == "text" or (col.kind == "id" and not col.ref):
            assert dv is None, col.name
            continue
        assert dv is not None, col.name
        assert str(dv.sqref) == f"{letter}2:{letter}{LAST}"
        assert dv.allow_blank and dv.showErrorMessage
        if col.kind == "choice":
            assert (dv.type, dv.formula1) == ("list", '"' + ",".join(col.choices) + '"')
        elif col.kind == "bool":
            assert (dv.type, dv.formula1) == ("list", '"yes,no"')
        elif col.kind == "id":
            assert (dv.type, dv.formula1) == ("list", id_list_name(col.ref))
        elif col.kind == "year":
            assert (dv.type, dv.operator) == ("whole", "between")
            assert (dv.formula1, dv.formula2) == (str(YEAR_MIN), str(YEAR_MAX))
        else:
            assert dv.type == ("whole" if col.kind == "integer" else "decimal"), col.name
            if col.minimum is not None and col.maximum is not None:
                assert (dv.operator, float(dv.formula1), float(dv.formula2)) == (
                    "between", col.minimum, col.maximum)
            elif col.minimum is not None:
                op = "greaterThan" if col.exclusive_minimum else "greaterThanOrEqual"
                assert (dv.operator, float(dv.formula1)) == (op, col.minimum)
        if dv.type == "list":
            assert len(dv.formula1) <= INLINE_LIST_LIMIT


def test_id_dropdowns_point_at_defined_names(template):
    names = {n: d.attr_text for n, d in template.defined_names.items()}
    referenced = {c.ref for sh in schema.SHEETS for c in sh.columns if c.ref}
    assert set(names) == {id_list_name(r) for r in referenced}
    for ref in referenced:
        sh = schema.sheet(ref)
        letter = openpyxl.utils.get_column_letter(sh.column_names.index(sh.key) + 1)
        assert names[id_list_name(ref)] == f"'{ref}'!${letter}$2:${letter}${LAST}"


@pytest.mark.parametrize("sh", _table_sheets(), ids=lambda s: s.name)
def test_input_cells_are_styled(template, sh):
    ws = template[sh.name]
    for j in range(1, len(_headers(ws)) + 1):
        for r in (2, LAST):
            assert ws.cell(r, j).fill.fgColor.rgb.endswith(style.INPUT_COLOUR)
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width >= 8


def test_demand_and_budget_follow_the_horizon(template):
    assert _headers(template["Demand"]) == ["capability_id", *range(2027, 2037)]
    assert all(isinstance(h, int) for h in _headers(template["Demand"])[1:])
    ws = template["Budget"]
    assert [ws.cell(r, 1).value for r in range(2, 12)] == list(range(2027, 2037))
    assert ws.cell(12, 1).value is None


def test_about_sheet_documents_every_column(template):
    ws = template[ABOUT_SHEET]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    flat = [v for row in values for v in row if v is not None]
    assert ["template_version", schema.TEMPLATE_VERSION] in [row[:2] for row in values]
    header = list(("sheet", "column", "meaning", "unit", "allowed", "blank means"))
    start = next(i for i, row in enumerate(values) if row[:6] == header)
    table = {(row[0], row[1]): row for row in values[start + 1:] if row[0]}
    for sh in schema.SHEETS:
        for col in sh.columns:
            row = table[(sh.name, col.name)]
            assert row[2] == col.description and row[4] == col.range_text()
            assert row[5] == blank_text(col)
    assert any(isinstance(v, str) and v.startswith("1. ") for v in flat)
    assert any("sovopt validate" in str(v) for v in flat)


def test_default_horizon_is_next_year_and_nine_more():
    assert default_horizon(dt.date(2026, 11, 22)) == (2027, 2036)


def test_committed_template_is_fresh(tmp_path):
    """inputs/template.xlsx is what the code writes now (for the horizon it holds)."""
    assert COMMITTED.exists(), "inputs/template.xlsx is missing: run `make inputs`"
    ws = openpyxl.load_workbook(COMMITTED)["Settings"]
    years = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}
    fresh = write_template(tmp_path / "template.xlsx", years["first_year"], years["last_year"])
    assert workbook_content(COMMITTED) == workbook_content(fresh), (
        "inputs/template.xlsx is out of date: run `make inputs`")


# --- the command -------------------------------------------------------------------------


@pytest.fixture
def run(capsys):
    """Run ``sovopt ARGS`` as the console entry point does; return (exit code, stderr)."""
    from sovopt.cli import main

    def _run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            main(list(args))
        return info.value.code, capsys.readouterr().err

    return _run


def test_cli_template_years_and_overwrite(tmp_path, run):
    out = tmp_path / "t.xlsx"
    code, err = run("template", str(out), "--first-year", "2030", "--last-year", "2034")
    assert code == 0, err
    assert str(out) in err and "2030" in err
    wb = openpyxl.load_workbook(out)
    assert _headers(wb["Demand"]) == ["capability_id", 2030, 2031, 2032, 2033, 2034]
    before = out.read_bytes()
    code, err = run("template", str(out))
    assert code == 2 and "--force" in err
    assert out.read_bytes() == before
    code, err = run("template", str(out), "--force")
    assert code == 0, err
    first, last = default_horizon()
    assert _headers(openpyxl.load_workbook(out)["Demand"])[1:] == list(range(first, last + 1))


@pytest.mark.parametrize("args", [
    ["--first-year", "2030", "--last-year", "2029"],
    ["--first-year", "1200"],
    ["--first-year", "2030", "--last-year", "2130"],
])
def test_cli_template_refuses_bad_years(tmp_path, run, args):
    code, _ = run("template", str(tmp_path / "t.xlsx"), *args)
    assert code == 2
    assert not (tmp_path / "t.xlsx").exists()


def test_cli_template_only_writes_xlsx(tmp_path, run):
    code, err = run("template", str(tmp_path / "t.xls"))
    assert code == 2 and ".xlsx" in err
