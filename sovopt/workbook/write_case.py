"""Write a case workbook: the blank template, or a filled case such as the example.

Everything on the sheets comes from :mod:`sovopt.schema`: the sheet order, the
headers, the note on each header (meaning, unit, allowed values, what a blank
cell means), the number formats, the drop-downs and number checks, and the
About sheet's table of every column. A change to the contract therefore
changes the template with no edit here.

Drop-downs of ids defined on another sheet (``country_id``, ``supplier_id``…)
point at that sheet's id column through a defined name such as
``Countries_ids``; an inline list would break Excel's 255-character limit as
soon as a case has a few dozen ids, and cross-sheet references in validations
are exactly what Excel's file format handles through names.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sovopt import __version__, schema
from sovopt.case import Case
from sovopt.schema import Column, Sheet
from sovopt.workbook import style
from sovopt.workbook.atomic import save_workbook_atomic

#: Input rows styled and validated on each table sheet of the blank template.
TEMPLATE_ROWS = 200
#: Spare input rows below the data of a filled case.
SPARE_ROWS = 50
#: Years a year cell may hold (a typing-error guard, not a planning rule).
YEAR_MIN, YEAR_MAX = 1900, 2200
#: Headers of the Settings sheet (its layout, not a list of columns).
SETTINGS_HEADERS = ("key", "value")
#: Name of the instructions sheet, placed first.
ABOUT_SHEET = "About"
#: Length of the default horizon of a new template.
DEFAULT_HORIZON_YEARS = 10
#: Excel's limit on an inline drop-down list.
INLINE_LIST_LIMIT = 255

ABOUT_HEADERS = ("sheet", "column", "meaning", "unit", "allowed", "blank means")
ABOUT_WIDTHS = (18, 24, 58, 20, 30, 28)


@dataclass(frozen=True)
class Field:
    """One column as written: its header cell and the schema column behind it."""

    header: str | int
    column: Column
    year: int | None = None  # set for a Demand year column


def default_horizon(today: dt.date | None = None) -> tuple[int, int]:
    """Next calendar year and the nine after it: the default template horizon."""
    first = (today or dt.date.today()).year + 1
    return first, first + DEFAULT_HORIZON_YEARS - 1


def id_list_name(sheet_name: str) -> str:
    """The defined name of ``sheet_name``'s id range (drop-down source): ``Countries_ids``."""
    return f"{sheet_name}_ids"


def write_case_workbook(path: str | os.PathLike[str], case: Case | None,
                        first_year: int | None = None,
                        last_year: int | None = None,
                        about_notes: Sequence[str] = ()) -> Path:
    """Write ``case`` (or, with ``case=None``, the blank template) to ``path``.

    The horizon is the case's; for the template it is ``first_year..last_year``
    (default: :func:`default_horizon`). ``about_notes`` are paragraphs for the
    About sheet's "Data and assumptions" section (a case built from data says
    there where its numbers come from). The file is saved atomically.
    """
    wb = build_case_workbook(case, first_year, last_year, about_notes)
    return save_workbook_atomic(wb, path)


def build_case_workbook(case: Case | None, first_year: int | None = None,
                        last_year: int | None = None,
                        about_notes: Sequence[str] = ()) -> Workbook:
    """The case workbook in memory (see :func:`write_case_workbook`)."""
    years = _horizon(case, first_year, last_year)
    records = {sh.name: _records(sh, case, years) for sh in schema.SHEETS}
    last_rows = {sh.name: _last_input_row(sh, records[sh.name], case) for sh in schema.SHEETS}
    currency = case.settings.currency if case is not None else None

    wb = Workbook()
    wb.remove(wb.active)
    _set_properties(wb, case)
    _write_about(wb.create_sheet(ABOUT_SHEET), case, years, currency, about_notes)
    for sh in schema.SHEETS:
        ws = wb.create_sheet(sh.name)
        if sh.layout == "settings":
            _write_settings(ws, sh, _settings_values(case, years), currency)
        else:
            _write_table(ws, sh, _fields(sh, years), records[sh.name], last_rows[sh.name],
                         currency)
    _define_id_names(wb, last_rows)
    wb.active = 0
    return wb


# --- horizon, records and layout -------------------------------------------------------


def _horizon(case: Case | None, first_year: int | None, last_year: int | None) -> list[int]:
    """The years of the workbook: the case's, or the requested template horizon."""
    if case is not None:
        first, last = case.settings.first_year, case.settings.last_year
        if (first_year not in (None, first)) or (last_year not in (None, last)):
            raise ValueError(f"the case's horizon is {first}..{last}; "
                             f"got first_year={first_year}, last_year={last_year}")
    else:
        default_first, _ = default_horizon()
        first = default_first if first_year is None else first_year
        last = first + DEFAULT_HORIZON_YEARS - 1 if last_year is None else last_year
    if not (YEAR_MIN <= first <= last <= YEAR_MAX):
        raise ValueError(f"the horizon {first}..{last} must run forwards within "
                         f"{YEAR_MIN}..{YEAR_MAX}")
    return list(range(first, last + 1))


def _fields(sh: Sheet, years: Sequence[int]) -> list[Field]:
    """The columns written on a table sheet, in order (Demand: plus one per year)."""
    fields = [Field(c.name, c) for c in sh.columns]
    if sh.layout == "years" and sh.year_column is not None:
        fields += [Field(int(y), sh.year_column, int(y)) for y in years]
    return fields


def _records(sh: Sheet, case: Case | None, years: Sequence[int]) -> list[list[Any]]:
    """The data rows of a table sheet, one list of cell values per row."""
    if sh.layout == "settings":
        return []
    if case is None:
        return _template_records(sh, years)
    table = case.table(sh.name)
    if sh.layout == "years":
        return _year_records(sh, table, years)
    names = sh.column_names
    return [[rec.get(n) for n in names] for rec in table.to_dict("records")]


def _template_records(sh: Sheet, years: Sequence[int]) -> list[list[Any]]:
    """Rows pre-filled in the blank template: a sheet keyed by year (Budget) gets
    one row per horizon year, so the planner only types the figures."""
    if sh.key is None or sh.column(sh.key).kind != "year":
        return []
    key_index = sh.column_names.index(sh.key)
    rows = []
    for y in years:
        row: list[Any] = [None] * len(sh.columns)
        row[key_index] = y
        rows.append(row)
    return rows


def _year_records(sh: Sheet, table: pd.DataFrame, years: Sequence[int]) -> list[list[Any]]:
    """Long-form demand (key, year, demand) pivoted to one row per key, one column per
    year, keys in the order they first appear."""
    key = sh.columns[0].name
    value = _value_column(table, exclude={key, "year", "row"})
    rows = []
    for key_value, group in table.groupby(key, sort=False):
        by_year = {int(y): v for y, v in zip(group["year"], group[value], strict=True)}
        rows.append([key_value, *(by_year.get(int(y)) for y in years)])
    return rows


def _value_column(table: pd.DataFrame, exclude: set[str]) -> str:
    """The one value column of a long-form table (``demand``)."""
    rest = [c for c in table.columns if c not in exclude]
    if len(rest) != 1:
        raise ValueError(f"expected one value column besides {sorted(exclude)}, got {rest}")
    return rest[0]


def _last_input_row(sh: Sheet, records: list[list[Any]], case: Case | None) -> int:
    """Last row styled and validated as input: data plus spare rows, or the template's."""
    if sh.layout == "settings":
        return 1 + len(sh.columns)
    if case is None:
        return 1 + max(TEMPLATE_ROWS, len(records))
    return 1 + len(records) + SPARE_ROWS


def _settings_values(case: Case | None, years: Sequence[int]) -> dict[str, Any]:
    """Settings values: the case's, or the schema defaults plus the template horizon."""
    if case is not None:
        return case.settings.as_dict()
    values = {c.name: c.default for c in schema.SETTINGS.columns}
    values["first_year"], values["last_year"] = years[0], years[-1]
    return values


# --- texts ---------------------------------------------------------------------------------


def unit_text(col: Column, currency: str | None) -> str:
    """The unit in words, with ``currency`` spelled out when the case names it."""
    unit = col.unit
    if "currency" not in unit:
        return unit
    if currency:
        return unit.replace("currency", currency)
    return f"{unit} (Settings currency)"


def blank_text(col: Column) -> str:
    """What an empty cell means, or ``required`` (an empty default text is "empty")."""
    return col.default_text() or "empty"


def note_text(col: Column, currency: str | None, label: str | None = None) -> str:
    """The note on a header (or Settings key): meaning, unit, allowed values, blank."""
    lines = [f"{label or col.name}: {col.description}"]
    unit = unit_text(col, currency)
    if unit:
        lines.append(f"Unit: {unit}")
    lines.append(f"Allowed: {col.range_text()}")
    if col.ref:
        lines.append(f"Pick from the ids on the {col.ref} sheet.")
    if col.required and not col.blank_means:
        lines.append("Required.")
    else:
        lines.append(f"If blank: {blank_text(col)}")
    if col.unique:
        lines.append("Each value only once on this sheet.")
    return "\n".join(lines)


def _year_column_for(col: Column, year: int) -> Column:
    """The schema's year column described for one particular year."""
    return Column(name=str(year), kind=col.kind,
                  description=f"{col.description.rstrip('.')} ({year}).", unit=col.unit,
                  required=col.required, default=col.default, minimum=col.minimum,
                  maximum=col.maximum, exclusive_minimum=col.exclusive_minimum,
                  exclusive_maximum=col.exclusive_maximum, blank_means=col.blank_means,
                  sanity_max=col.sanity_max)


# --- formats and validations ---------------------------------------------------------------


def number_format(col: Column) -> str:
    """The number format of a column's cells, from its kind, range and unit."""
    if col.kind in ("id", "text", "choice", "bool"):
        return style.FMT_TEXT
    if col.kind == "year":
        return style.FMT_YEAR
    if col.kind == "integer":
        return style.FMT_INTEGER
    if col.maximum is not None and col.maximum <= 1:
        return style.FMT_SHARE
    if "currency" in col.unit:
        return style.FMT_MONEY
    return style.FMT_GENERAL


def validation_for(col: Column, first_cell: str) -> DataValidation | None:
    """The data validation of a column (drop-down, number or year check), or None.

    ``first_cell`` is the top-left cell of the range it will cover (a custom
    formula is written relative to it).
    """
    if col.kind == "choice":
        dv = _inline_list(col.choices)
    elif col.kind == "bool":
        dv = _inline_list(("yes", "no"))
    elif col.kind == "id" and col.ref:
        dv = DataValidation(type="list", formula1=id_list_name(col.ref), errorStyle="warning")
        dv.error = f"Not an id on the {col.ref} sheet yet. Add it there first, or pick one."
    elif col.kind == "year":
        dv = DataValidation(type="whole", operator="between", formula1=str(YEAR_MIN),
                            formula2=str(YEAR_MAX))
    elif col.kind in ("number", "integer"):
        dv = _number_validation(col, first_cell)
    else:
        return None
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorTitle = f"{col.name}"[:32]
    if dv.error is None:
        dv.error = f"{col.name} must be {col.range_text()}."
    if dv.errorStyle is None:
        dv.errorStyle = "stop"
    return dv


def _inline_list(values: Sequence[str]) -> DataValidation:
    """A drop-down of a few fixed words (Excel caps an inline list at 255 characters)."""
    text = ",".join(values)
    if len(text) > INLINE_LIST_LIMIT:
        raise ValueError(f"inline drop-down too long ({len(text)} characters): {text[:40]}...")
    return DataValidation(type="list", formula1=f'"{text}"')


def _number_validation(col: Column, first_cell: str) -> DataValidation:
    """Decimal or whole-number validation with the schema's bounds.

    A range open at both ends is not expressible with Excel's operators, so a
    half-open range with two bounds becomes a custom formula.
    """
    kind = "whole" if col.kind == "integer" else "decimal"
    lo, hi = col.minimum, col.maximum
    if lo is not None and hi is not None:
        if not (col.exclusive_minimum or col.exclusive_maximum):
            return DataValidation(type=kind, operator="between", formula1=_num(lo),
                                  formula2=_num(hi))
        low_op = ">" if col.exclusive_minimum else ">="
        high_op = "<" if col.exclusive_maximum else "<="
        whole = f",INT({first_cell})={first_cell}" if kind == "whole" else ""
        return DataValidation(type="custom", formula1=(
            f"AND(ISNUMBER({first_cell}),{first_cell}{low_op}{_num(lo)},"
            f"{first_cell}{high_op}{_num(hi)}{whole})"))
    if lo is not None:
        op = "greaterThan" if col.exclusive_minimum else "greaterThanOrEqual"
        return DataValidation(type=kind, operator=op, formula1=_num(lo))
    if hi is not None:
        op = "lessThan" if col.exclusive_maximum else "lessThanOrEqual"
        return DataValidation(type=kind, operator=op, formula1=_num(hi))
    return DataValidation(type="custom", formula1=f"ISNUMBER({first_cell})")


def _num(x: float) -> str:
    """A bound as formula text (``0``, ``0.5``, ``1000000000000000``: whole bounds in
    full, so no spreadsheet program has to read an exponent)."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)


def _add_validation(ws: Worksheet, col: Column, cell_range: str) -> None:
    """Attach ``col``'s validation (if any) to ``cell_range`` such as ``B2:B201``."""
    dv = validation_for(col, cell_range.split(":")[0])
    if dv is not None:
        dv.add(cell_range)
        ws.add_data_validation(dv)


def _define_id_names(wb: Workbook, last_rows: dict[str, int]) -> None:
    """One defined name per sheet whose ids other sheets refer to: the id column's
    input rows (``Countries_ids`` = ``'Countries'!$A$2:$A$201``)."""
    referenced = {c.ref for sh in schema.SHEETS for c in sh.columns if c.ref}
    for sh in schema.SHEETS:
        if sh.name not in referenced or sh.key is None:
            continue
        letter = get_column_letter(sh.column_names.index(sh.key) + 1)
        ref = f"{quote_sheetname(sh.name)}!${letter}$2:${letter}${last_rows[sh.name]}"
        name = id_list_name(sh.name)
        wb.defined_names[name] = DefinedName(name, attr_text=ref)


# --- sheets -------------------------------------------------------------------------------


def _write_table(ws: Worksheet, sh: Sheet, fields: list[Field], records: list[list[Any]],
                 last_row: int, currency: str | None) -> None:
    """A table sheet: noted headers, data rows, styled and validated input rows."""
    for j, f in enumerate(fields, start=1):
        cell = style.write_cell(ws, 1, j, f.header)
        style.style_header(cell)
        col = f.column if f.year is None else _year_column_for(f.column, f.year)
        style.add_note(cell, note_text(col, currency))
    for i, record in enumerate(records, start=2):
        for j, value in enumerate(record, start=1):
            style.write_cell(ws, i, j, value)
    for j, f in enumerate(fields, start=1):
        letter = get_column_letter(j)
        style.style_input_range(ws, j, 2, last_row, number_format(f.column))
        _add_validation(ws, f.column, f"{letter}2:{letter}{last_row}")
        values = [f.header, *(r[j - 1] for r in records)]
        style.set_width(ws, j, _width(f.column, values))
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "B2" if sh.layout == "years" else "A2"
    style.print_landscape(ws, repeat_rows="1:1")
    if records:  # print the data, not the empty input rows below it
        ws.print_area = f"A1:{get_column_letter(len(fields))}{1 + len(records)}"


def _write_settings(ws: Worksheet, sh: Sheet, values: dict[str, Any],
                    currency: str | None) -> None:
    """The Settings sheet: one key/value row per schema key, the value an input cell."""
    key_header, value_header = SETTINGS_HEADERS
    for j, header in enumerate(SETTINGS_HEADERS, start=1):
        style.style_header(style.write_cell(ws, 1, j, header))
    style.add_note(ws.cell(1, 1), f"{key_header}: the name of the setting; keep it as written. "
                   "Hover over a key to read what it means.")
    style.add_note(ws.cell(1, 2), f"{value_header}: the value of the setting. The note on "
                   "each key gives its unit, allowed values and default.")
    for i, col in enumerate(sh.columns, start=2):
        key_cell = style.write_cell(ws, i, 1, col.name)
        key_cell.font = style.LABEL_FONT
        style.add_note(key_cell, note_text(col, currency))
        style.write_cell(ws, i, 2, values.get(col.name))
        style.style_input(ws.cell(i, 2), number_format(col))
        _add_validation(ws, col, f"B{i}:B{i}")
    style.set_width(ws, 1, style.fit_width([key_header, *sh.column_names], minimum=14))
    style.set_width(ws, 2, style.fit_width([value_header, *values.values()], minimum=28))
    ws.freeze_panes = "A2"
    style.print_landscape(ws, repeat_rows="1:1")


def _width(col: Column, values: list[Any]) -> float:
    """A readable width for a column: room for its header and data, and a floor by
    kind so empty template columns are not cramped."""
    floor = {"text": 24.0, "id": 14.0}.get(col.kind, 12.0)
    if col.name == "notes":
        floor = 40.0
    return style.fit_width(values, minimum=floor)


# --- About ---------------------------------------------------------------------------------


def _set_properties(wb: Workbook, case: Case | None) -> None:
    """Document properties: title, creator and the template version."""
    wb.properties.creator = "sovopt"
    wb.properties.title = case.settings.case_name if case is not None else "sovopt case template"
    wb.custom_doc_props.append(StringProperty(name="sovopt_template_version",
                                              value=schema.TEMPLATE_VERSION))
    wb.custom_doc_props.append(StringProperty(name="sovopt_version", value=__version__))


def about_steps(years: Sequence[int]) -> list[str]:
    """The how-to-fill-in steps of the About sheet (sheet steps from the schema)."""
    steps = [
        "Cells with a pale yellow fill are for input. Hover over a column header (or a "
        "Settings key) to read its note: meaning, unit, allowed values and what a blank "
        "cell means. Drop-downs offer the allowed words and the ids already entered on "
        "other sheets, so fill the sheets from left to right.",
        f"Settings: name the case and choose the home country. The horizon is "
        f"{years[0]}..{years[-1]}; the Demand year columns and the Budget years must cover "
        f"the same years. For another horizon, create a new template with "
        f"`sovopt template OUT.xlsx --first-year Y --last-year Y`.",
    ]
    for sh in schema.SHEETS:
        if sh.layout == "settings":
            continue
        text = f"{sh.name}: {sh.description}"
        if sh.may_be_empty:
            text += " May be left empty."
        steps.append(text)
    steps += [
        "Money is in the currency named in Settings (for example EUR m, millions of "
        "euros). Shares are fractions between 0 and 1 (0.25, not 25%).",
        "Headers are matched ignoring case and spaces around them, in any order; extra "
        "columns are ignored with a warning; blank rows are skipped.",
        "Check the case with `sovopt validate CASE.xlsx`: it lists every problem at once "
        "as Sheet!Cell, with what is expected. Then run `sovopt solve CASE.xlsx`.",
    ]
    return steps


PURPOSE = (
    "This workbook describes one procurement planning case for sovopt: the capabilities "
    "the country must field and when, the ways of getting each one (buy abroad, licensed "
    "production, co-production with a partner, domestic development), the suppliers and "
    "where the value of what they deliver comes from, the yearly budget and localization "
    "target, and the disruption scenarios to guard against (an embargo, a blockade, a "
    "partner whose production is committed elsewhere). sovopt finds the portfolio that "
    "keeps dangerous dependence lowest within the budget and localization limits."
)


def about_rows(years: Sequence[int], currency: str | None) -> list[tuple[str, ...]]:
    """The About sheet's column table: one row per column of every sheet."""
    rows: list[tuple[str, ...]] = []
    for sh in schema.SHEETS:
        for col in sh.columns:
            rows.append(_about_row(sh.name, col.name, col, currency))
        if sh.layout == "years" and sh.year_column is not None:
            label = f"{years[0]} … {years[-1]} (one column per year)"
            rows.append(_about_row(sh.name, label, sh.year_column, currency))
    return rows


def _about_row(sheet_name: str, label: str, col: Column,
               currency: str | None) -> tuple[str, ...]:
    """One line of the About table: sheet, column, meaning, unit, allowed, blank means."""
    return (sheet_name, label, col.description, unit_text(col, currency), col.range_text(),
            blank_text(col))


def _write_about(ws: Worksheet, case: Case | None, years: Sequence[int],
                 currency: str | None, notes: Sequence[str] = ()) -> None:
    """The About sheet: purpose, steps, template version and the column table."""
    span = len(ABOUT_HEADERS)
    for j, width in enumerate(ABOUT_WIDTHS, start=1):
        style.set_width(ws, j, width)
    row = 1
    style.write_cell(ws, row, 1, "sovopt case workbook").font = style.TITLE_FONT
    row += 1
    facts = [("template_version", schema.TEMPLATE_VERSION),
             ("horizon", f"{years[0]}..{years[-1]}")]
    if case is not None:
        facts.insert(0, ("case", case.settings.case_name))
    for key, value in facts:
        style.write_cell(ws, row, 1, key).font = style.LABEL_FONT
        style.write_cell(ws, row, 2, value)
        row += 1
    row = _heading(ws, row + 1, "Purpose")
    row = _paragraph(ws, row, PURPOSE, span)
    if notes:
        row = _heading(ws, row + 1, "Data and assumptions")
        for note in notes:
            row = _paragraph(ws, row, note, span)
    row = _heading(ws, row + 1, "How to fill it in")
    for n, step in enumerate(about_steps(years), start=1):
        row = _paragraph(ws, row, f"{n}. {step}", span)
    row = _heading(ws, row + 1, "Every column of every sheet")
    header_row = row
    for j, header in enumerate(ABOUT_HEADERS, start=1):
        style.style_header(style.write_cell(ws, row, j, header))
    for values in about_rows(years, currency):
        row += 1
        for j, value in enumerate(values, start=1):
            style.write_cell(ws, row, j, value).alignment = style.WRAP
        ws.row_dimensions[row].height = _height(values, ABOUT_WIDTHS)
    ws.sheet_view.showGridLines = False
    style.print_landscape(ws, repeat_rows=f"{header_row}:{header_row}")


def _heading(ws: Worksheet, row: int, text: str) -> int:
    """A bold heading line; returns the next free row."""
    style.write_cell(ws, row, 1, text).font = style.LABEL_FONT
    return row + 1


def _paragraph(ws: Worksheet, row: int, text: str, span: int) -> int:
    """A wrapped paragraph across ``span`` merged columns, tall enough to show it."""
    style.write_cell(ws, row, 1, text).alignment = style.WRAP
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
    ws.row_dimensions[row].height = _height((text,), (sum(ABOUT_WIDTHS[:span]),))
    return row + 1


def _height(values: Sequence[str], widths: Sequence[float]) -> float:
    """Row height (points) for wrapped texts in columns of the given widths."""
    lines = max(math.ceil(len(str(v)) / max(1.0, w * 1.05)) for v, w in
                zip(values, widths, strict=False))
    return 15.0 * max(1, lines) + 2
