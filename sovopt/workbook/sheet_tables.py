"""Sheets to tables: header matching, data rows, the Settings rows and the Demand years.

Each table sheet is read against its schema (:func:`read_table`): headers are
matched case-insensitively (an unknown header gets a suggestion), blank rows are
skipped, hidden rows and merged cells are reported, and each column is typed by
:mod:`sovopt.workbook.typed_columns`. Settings are key/value rows
(:func:`read_settings`); Demand has one column per horizon year
(:func:`read_demand`), and a column for another year is warned about and dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from openpyxl.utils import get_column_letter

from sovopt import schema
from sovopt.errors import suggest
from sovopt.schema import Column, Sheet
from sovopt.workbook.cell_values import SILENT, CellRef, Grid, Reporter, Unreadable, is_blank
from sovopt.workbook.typed_columns import (
    MAX_YEAR,
    MIN_YEAR,
    NUMERIC_KINDS,
    Col,
    as_text,
    convert_column,
)

MAX_HORIZON_YEARS = schema.MAX_HORIZON_YEARS


@dataclass
class Table:
    """A table sheet read against its schema: typed columns and workbook rows."""

    sheet: Sheet
    rows: np.ndarray
    cols: dict[str, Col]
    letters: dict[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.rows)

    def letter(self, column: str) -> str:
        """The column's letter, or the first read column's when it is absent."""
        if column in self.letters:
            return self.letters[column]
        return next(iter(self.letters.values()), "A")

    def ref(self, column: str) -> CellRef:
        return CellRef(self.sheet.name, self.letter(column), self.rows)

    def where(self, column: str, i: int) -> str:
        return self.ref(column).where(i)

    def values(self, column: str) -> np.ndarray:
        return self.cols[column].values

    def take(self, keep: np.ndarray) -> None:
        """Keep only the rows where ``keep`` is true."""
        self.rows = self.rows[keep]
        self.cols = {name: col.take(keep) for name, col in self.cols.items()}


def empty_table(sheet: Sheet) -> Table:
    """A table with no rows (a missing optional sheet)."""
    cols = {}
    for col in sheet.columns:
        dtype = float if col.kind in NUMERIC_KINDS else object
        cols[col.name] = Col(np.empty(0, dtype=dtype), np.zeros(0, bool), np.zeros(0, bool))
    return Table(sheet, np.empty(0, dtype=np.int64), cols)


def _header_text(value: Any) -> str:
    """A header or key cell as matched: trimmed, NFC, lower case."""
    if value is None or isinstance(value, Unreadable):
        return ""
    return unicodedata.normalize("NFC", as_text(value)).lower()


def _column_has_values(grid: Grid, j: int) -> bool:
    return any(j < len(row) and not is_blank(row[j]) for row in grid.rows[1:])


def _match_headers(grid: Grid, sheet: Sheet, rep: Reporter,
                   other: Callable[[int, Any], bool] | None = None) -> dict[str, int]:
    """Schema column name -> 0-based column index, from the header row.

    ``other`` may claim a header the schema does not name (Demand's years).
    """
    known = {c.name.lower(): c.name for c in sheet.columns}
    names = ", ".join(sheet.column_names)
    mapping: dict[str, int] = {}
    for j, value in enumerate(grid.rows[0] if grid.rows else ()):
        cell = f"{sheet.name}!{get_column_letter(j + 1)}1"
        if isinstance(value, Unreadable) and value.message:
            rep.error(cell, f"header: {value.message}", value.expected)
            continue
        text = _header_text(value)
        if not text:
            if _column_has_values(grid, j):
                rep.warning(cell, "this column has values but no header; it is ignored",
                            f"expected a header, one of {names}")
            continue
        name = known.get(text)
        if name is None:
            if other is None or not other(j, value):
                rep.warning(cell, f"unknown column {as_text(value)!r} is ignored",
                            f"expected one of {names}{suggest(text, known)}")
        elif name in mapping:
            first = f"{sheet.name}!{get_column_letter(mapping[name] + 1)}1"
            rep.error(cell, f"column {name!r} appears twice (also {first})",
                      "expected each column once")
        else:
            mapping[name] = j
    return mapping


def _data_rows(grid: Grid, columns: Iterable[int]) -> list[int]:
    """0-based indices of rows below the header with a value in any of ``columns``."""
    cols = sorted(columns)
    out = []
    for i in range(1, len(grid.rows)):
        row = grid.rows[i]
        if any(j < len(row) and not is_blank(row[j]) for j in cols):
            out.append(i)
    return out


def _compact(numbers: Sequence[int]) -> str:
    """'3, 5-7, 9' for [3, 5, 6, 7, 9]."""
    parts: list[str] = []
    start = prev = None
    for x in [*numbers, None]:
        if start is not None and (x is None or x != prev + 1):
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if x is not None and start is None:
            start = x
        prev = x
    return ", ".join(parts)


def _report_layout(grid: Grid, columns: Iterable[int], data: list[int],
                   rep: Reporter) -> None:
    """Merged cells inside the table are errors; hidden rows get one warning."""
    cols = {j + 1 for j in columns}
    last = (data[-1] + 1) if data else 1
    for r1, c1, r2, c2 in grid.merged:
        if r1 <= last and any(c1 <= c <= c2 for c in cols):
            rng = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
            rep.error(f"{grid.name}!{get_column_letter(c1)}{r1}",
                      f"cells {rng} are merged inside the table",
                      "expected one value per cell; unmerge them")
    hidden = sorted(i + 1 for i in data if i + 1 in grid.hidden_rows)
    if hidden:
        what = f"row {hidden[0]} is" if len(hidden) == 1 else f"rows {_compact(hidden)} are"
        rep.warning(grid.name, f"{what} hidden; hidden rows are read like the other rows",
                    "unhide them to review them, or delete rows that should not count")


def _sheet_is_blank(grid: Grid) -> bool:
    return all(is_blank(v) for row in grid.rows for v in row)


def read_table(grid: Grid | None, sheet: Sheet, rep: Reporter) -> Table | None:
    """A table sheet: match headers, skip blank rows, convert each column to its kind."""
    if grid is None:
        return empty_table(sheet) if sheet.may_be_empty else None
    if _sheet_is_blank(grid):
        if not sheet.may_be_empty:
            rep.error(f"{sheet.name}!A1", "the sheet is empty",
                      f"expected the headers {', '.join(sheet.column_names)} in row 1 "
                      "and one row per record below")
        return empty_table(sheet)
    mapping = _match_headers(grid, sheet, rep)
    _report_missing_columns(sheet, mapping, rep)
    data = _data_rows(grid, mapping.values())
    _report_layout(grid, mapping.values(), data, rep)
    table = _table_from_rows(grid, sheet, sheet.columns, mapping, data, rep)
    if not data and not sheet.may_be_empty:
        rep.error(f"{sheet.name}!A2", f"{sheet.name} has no rows",
                  "expected at least one row below the headers")
    return table


def _report_missing_columns(sheet: Sheet, mapping: dict[str, int], rep: Reporter) -> None:
    for col in sheet.columns:
        if col.required and col.name not in mapping:
            rep.error(sheet.name, f"header row 1 has no column {col.name!r}",
                      f"expected the headers {', '.join(sheet.column_names)} in row 1 "
                      "(any order)")


def _table_from_rows(grid: Grid, sheet: Sheet, columns: Iterable[Column],
                     mapping: dict[str, int], data: list[int], rep: Reporter) -> Table:
    """Convert the ``columns`` of rows ``data``; absent columns take their defaults."""
    rows = np.array([i + 1 for i in data], dtype=np.int64)
    letters = {name: get_column_letter(j + 1) for name, j in mapping.items()}
    table = Table(sheet, rows, {}, letters)
    for col in columns:
        j = mapping.get(col.name)
        if j is None:
            values: list[Any] = [SILENT if col.required else None] * len(data)
        else:
            values = [grid.rows[i][j] for i in data]
        table.cols[col.name] = convert_column(values, col, col.name, table.ref(col.name), rep)
    return table


@dataclass
class SettingsRead:
    """Typed settings (defaults filled in), their workbook rows, and the horizon."""

    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    years: list[int] | None = None

    def where(self, key: str) -> str:
        row = self.rows.get(key)
        return f"Settings!B{row}" if row else "Settings"


def read_settings(grid: Grid | None, rep: Reporter) -> SettingsRead:
    """The key/value rows of the Settings sheet, checked key by key."""
    out = SettingsRead()
    if grid is None:
        return out
    start = _settings_start(grid, rep)
    known = {c.name: c for c in schema.SETTINGS.columns}
    data = [i for i in range(start, len(grid.rows))
            if any(not is_blank(v) for v in grid.rows[i][:2])]
    _report_layout(grid, (0, 1), data, rep)
    for i in data:
        _read_setting_row(grid.rows[i], i + 1, known, out, rep)
    for col in schema.SETTINGS.columns:
        if col.name in out.rows:
            continue
        if col.required:
            rep.error("Settings", f"no row for the required setting {col.name!r}",
                      f"expected a row with {col.name} in column A and {col.range_text()} "
                      "in column B")
        else:
            out.values[col.name] = col.default
    out.years = _horizon(out, rep)
    return out


def _settings_start(grid: Grid, rep: Reporter) -> int:
    """0 when row 1 already holds a setting, 1 when it is the key/value header row."""
    first = _header_text(grid.rows[0][0]) if grid.rows and grid.rows[0] else ""
    if first == "key" or not first:
        return 1
    rep.warning("Settings!A1", "row 1 is not the header row; it is read as a setting",
                "expected 'key' in A1 and 'value' in B1")
    return 0


def _read_setting_row(row: Sequence[Any], r: int, known: dict[str, Column],
                      out: SettingsRead, rep: Reporter) -> None:
    key_cell = row[0]
    value = row[1] if len(row) > 1 else None
    if isinstance(key_cell, Unreadable):
        if key_cell.message:
            rep.error(f"Settings!A{r}", key_cell.message, key_cell.expected)
        return
    key = _header_text(key_cell)
    if not key:
        rep.warning(f"Settings!B{r}", "a value without a key is ignored",
                    "expected a setting name in column A")
        return
    col = known.get(key)
    if col is None:
        rep.error(f"Settings!A{r}", f"unknown setting {as_text(key_cell)!r}",
                  f"expected one of {', '.join(known)}{suggest(key, known)}")
        return
    if key in out.rows:
        rep.error(f"Settings!A{r}", f"setting {key!r} appears twice (also "
                  f"Settings!A{out.rows[key]})", "expected each setting once")
        return
    out.rows[key] = r
    conv = convert_column([value], col, key, CellRef("Settings", "B", np.array([r])), rep)
    if not conv.bad[0]:
        out.values[key] = _python(conv.values[0], col)


def _python(value: Any, col: Column) -> Any:
    """A numpy scalar as the plain Python type of its column kind."""
    if col.kind in ("integer", "year"):
        return int(value)
    if col.kind == "number":
        return float(value)
    return value


def _horizon(settings: SettingsRead, rep: Reporter) -> list[int] | None:
    """first_year..last_year, or None when the settings do not give a usable horizon."""
    first, last = settings.values.get("first_year"), settings.values.get("last_year")
    if first is None or last is None:
        return None
    if last < first:
        rep.error(settings.where("last_year"), f"last_year {last} is before first_year "
                  f"{first}", f"expected a year >= {first} (first_year, "
                  f"{settings.where('first_year')})")
        return None
    if last - first + 1 > MAX_HORIZON_YEARS:
        rep.error(settings.where("last_year"), f"the horizon {first}..{last} is "
                  f"{last - first + 1} years long",
                  f"expected at most {MAX_HORIZON_YEARS} years; check first_year and last_year")
        return None
    return list(range(first, last + 1))


@dataclass
class DemandRead:
    """The Demand sheet: the capability_id column as a table, and the year columns."""

    table: Table
    years: dict[int, Col] = field(default_factory=dict)
    year_letters: dict[int, str] = field(default_factory=dict)


def _header_year(value: Any) -> int | None:
    """A header cell that names a year (2027, 2027.0 or '2027'), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        year = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*\d{4}(?:\.0*)?\s*", value):
        year = int(float(value))
    else:
        return None
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def read_demand(grid: Grid | None, years: list[int] | None, rep: Reporter) -> DemandRead | None:
    """Demand in wide form, checked against the horizon."""
    sheet = schema.DEMAND
    if grid is None:
        return None
    if _sheet_is_blank(grid):
        rep.error(f"{sheet.name}!A1", "the sheet is empty",
                  "expected capability_id in A1, then one column per year headed by the year")
        return None
    found: dict[int, int] = {}

    def claim_year(j: int, value: Any) -> bool:
        year = _header_year(value)
        if year is None:
            return False
        if year in found:
            first = f"{sheet.name}!{get_column_letter(found[year] + 1)}1"
            rep.error(f"{sheet.name}!{get_column_letter(j + 1)}1",
                      f"year {year} appears twice (also {first})", "expected each year once")
        else:
            found[year] = j
        return True

    mapping = _match_headers(grid, sheet, rep, other=claim_year)
    _report_missing_columns(sheet, mapping, rep)
    read_years = _demand_years(found, years, rep)
    columns = [*mapping.values(), *(found[y] for y in read_years)]
    data = _data_rows(grid, columns)
    _report_layout(grid, columns, data, rep)
    table = _table_from_rows(grid, sheet, sheet.columns, mapping, data, rep)
    demand = DemandRead(table)
    spec = sheet.year_column
    assert spec is not None
    for year in read_years:
        j = found[year]
        letter = get_column_letter(j + 1)
        ref = CellRef(sheet.name, letter, table.rows)
        demand.years[year] = convert_column([grid.rows[i][j] for i in data], spec,
                                      f"demand for {year}", ref, rep)
        demand.year_letters[year] = letter
    if not data:
        rep.error(f"{sheet.name}!A2", "Demand has no rows",
                  "expected one row per capability below the headers")
    return demand


def _demand_years(found: dict[int, int], years: list[int] | None, rep: Reporter) -> list[int]:
    """The year columns to read: the horizon's (missing ones are errors), others warned."""
    if years is None:
        return sorted(found)
    span = f"{years[0]}..{years[-1]}"
    for year in years:
        if year not in found:
            rep.error("Demand", f"header row 1 has no column for year {year}",
                      f"expected one column per year {span}, headed by the year")
    for year, j in sorted(found.items()):
        if year not in years:
            rep.warning(f"Demand!{get_column_letter(j + 1)}1",
                        f"year {year} is outside the horizon {span}; the column is ignored",
                        f"expected the years {span} (first_year..last_year in Settings)")
    return [y for y in years if y in found]
