"""Read and validate a case workbook into a typed :class:`~sovopt.case.Case`.

:func:`read_case` is the only entry point. Everything it knows about sheets and
columns comes from :mod:`sovopt.schema` (names, kinds, defaults, ranges,
references), so the reader cannot drift from the template or the docs. It
reports every problem at once, each naming its cell (``Options!E7``), what is
wrong and what is expected, and raises :class:`~sovopt.errors.InvalidCase`
when there is any error. No solver code is imported here.

How it reads: one openpyxl pass over each sheet's stored values (plus a
formula pass for sheets that contain formulas, see
:mod:`sovopt.workbook.files`), then a type conversion per column, with a fast
path for columns that hold plain numbers, so 30,000 option rows read quickly.

Decisions where the contract is silent:

- A missing Inputs or Scenarios sheet (``may_be_empty`` in the schema) is a
  warning and reads as empty; any other missing sheet is an error. Sheet names
  match case-insensitively after trimming; other sheets (About, result
  sheets) are ignored.
- Exactly one Countries row has tier ``home``, and it is ``home_country``.
- Hidden rows are read like visible ones, with one warning per sheet listing them.
- Numbers stored as text are accepted with a warning: spaces and apostrophes
  group thousands, a single dot is a decimal point, a single comma is a
  decimal comma ('9,75') unless it is followed by exactly three digits
  ('1,000' is ambiguous: an error), '50%' reads as 0.5.
- A formula whose computed value is empty text reads as a blank cell; a
  formula with no stored value at all is an error. Text equal to an Excel
  error value ('#N/A') is treated as that error.
- Years lie in 1900..2200 and the horizon is at most 100 years.
- Settings: the header row ``key``/``value`` is expected (a warning if row 1
  holds a setting instead); columns beyond B are ignored.
- At most 20 problems of one kind are listed per sheet column, then one line
  counts the rest.
- Demand columns and Budget rows for years outside the horizon are warned
  about and dropped.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from sovopt import schema
from sovopt.case import Case, Settings
from sovopt.errors import Problem, ProblemList
from sovopt.schema import MAX_TEXT_CHARS, Column, Sheet
from sovopt.validate import validate
from sovopt.workbook.files import OpenedWorkbook, SheetTooLarge, open_workbook

__all__ = ["read_case", "parse_number_text", "MAX_ROWS", "MAX_COLUMNS"]

MAX_ROWS = 200_000
MAX_COLUMNS = 1_000
MAX_CELLS = 5_000_000
MAX_REPORTS = 20
MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_HORIZON_YEARS = schema.MAX_HORIZON_YEARS
TOLERANCE = 1e-9
MAX_WHOLE = 1e15  # whole numbers beyond this are typing errors (and overflow int64)

EXCEL_ERRORS = frozenset(ERROR_CODES) | {"#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!",
                                         "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
NUMERIC_KINDS = ("number", "integer", "year")
TIER_DEFAULT = "tier default"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_NONE_TYPE = type(None)

T = TypeVar("T")


# ---------------------------------------------------------------------------
# Cells that cannot be used, and the capped problem reporter
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Unreadable:
    """Put in place of a cell value that cannot be used (formula without a value,
    Excel error, covered by a merge). ``message`` is reported when a table reads
    the cell; an empty message means it was reported already (merges)."""

    message: str = ""
    expected: str = ""


_SILENT = _Unreadable()
_NO_VALUE = _Unreadable("formula has no computed value",
                        "open and save the workbook in Excel or LibreOffice")


class _Reporter:
    """Collects problems; at most MAX_REPORTS per (sheet, column, kind), then a count."""

    def __init__(self) -> None:
        self.problems = ProblemList()
        self._counts: dict[tuple[str, str, str, str], int] = {}
        self._samples: dict[tuple[str, str, str, str], str] = {}

    def error(self, where: str, message: str, expected: str = "") -> None:
        self.problems.error(where, message, expected)

    def warning(self, where: str, message: str, expected: str = "") -> None:
        self.problems.warning(where, message, expected)

    def cell(self, ref: _CellRef, i: int, kind: str, message: str,
             expected: str | Callable[[], str] = "", severity: str = "error") -> None:
        """A problem in cell ``i`` of a column, counted against that column's cap.

        ``expected`` may be a function, called only when the problem is listed
        (suggestions are too slow to compute for 30,000 cells).
        """
        key = (ref.sheet, ref.letter, kind, severity)
        n = self._counts.get(key, 0)
        self._counts[key] = n + 1
        if n < MAX_REPORTS:
            text = expected() if callable(expected) else expected
            self.problems.problems.append(Problem(ref.where(i), message, text, severity))
        elif n == MAX_REPORTS:
            self._samples[key] = message

    def flush(self) -> None:
        """Add one line per column whose problems were cut off at the cap."""
        for key, n in self._counts.items():
            if n > MAX_REPORTS:
                sheet, letter, _kind, severity = key
                self.problems.problems.append(Problem(
                    f"{sheet}!{letter}:{letter}",
                    f"{n - MAX_REPORTS} more cells in this column with the same kind of "
                    f"problem (the first not listed: {self._samples[key]})",
                    "correct the column as above", severity))


@dataclass(frozen=True)
class _CellRef:
    """Where the values of one column came from: sheet, column letter, workbook rows."""

    sheet: str
    letter: str
    rows: np.ndarray

    def where(self, i: int) -> str:
        return f"{self.sheet}!{self.letter}{int(self.rows[i])}"


def _guard(rep: _Reporter, where: str, fn: Callable[..., T], *args: Any) -> T | None:
    """Run one reading or checking step; an unexpected failure becomes a problem, not a crash."""
    try:
        return fn(*args)
    except Exception as exc:  # last line of defence for planners: never a traceback
        rep.error(where, f"could not be read or checked ({type(exc).__name__}: {exc})",
                  "expected the layout of `sovopt template`; if it looks right, report this")
        return None


# ---------------------------------------------------------------------------
# Sheets to grids of values
# ---------------------------------------------------------------------------

@dataclass
class _Grid:
    """One sheet's stored values (``rows[0]`` is workbook row 1) and its layout facts."""

    name: str
    rows: list[Sequence[Any]]
    merged: list[tuple[int, int, int, int]]  # min_row, min_col, max_row, max_col (1-based)
    hidden_rows: frozenset[int]


def _read_grids(book: OpenedWorkbook, rep: _Reporter) -> dict[str, _Grid | None]:
    """Every contract sheet's grid (``None`` when missing or unreadable)."""
    titles: dict[str, str] = {}
    for title in book.sheetnames:
        titles.setdefault(title.strip().lower(), title)
    grids: dict[str, _Grid | None] = {}
    for sheet in schema.SHEETS:
        title = titles.get(sheet.name.lower())
        if title is None:
            if not sheet.optional:
                _report_missing_sheet(sheet, rep)
            grids[sheet.name] = None
            continue
        grids[sheet.name] = _guard(rep, sheet.name, _read_grid, book, title, sheet.name, rep)
    return grids


def _report_missing_sheet(sheet: Sheet, rep: _Reporter) -> None:
    if sheet.may_be_empty:
        rep.warning(sheet.name, f"the workbook has no sheet {sheet.name}; it is read as empty",
                    f"expected a sheet named {sheet.name} (it may have no rows)")
    else:
        names = ", ".join(s.name for s in schema.SHEETS if not s.optional)
        rep.error(sheet.name, f"the workbook has no sheet {sheet.name}",
                  f"expected the sheets {names}")


def _read_grid(book: OpenedWorkbook, title: str, name: str, rep: _Reporter) -> _Grid | None:
    """The values of one sheet, with unusable cells replaced by :class:`_Unreadable`."""
    if not book.is_worksheet(title):
        rep.error(name, f"{title} is a chart sheet", "expected a sheet of cells")
        return None
    layout = book.layout(title)
    try:
        sheet = book.read_values(title, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS,
                                 with_types=layout.has_formulas)
        if len(sheet.rows) * sheet.width > MAX_CELLS:
            raise SheetTooLarge(len(sheet.rows), sheet.width)
    except SheetTooLarge as exc:
        rep.error(name, f"the sheet reaches at least cell {get_column_letter(exc.columns)}"
                  f"{exc.rows}", f"expected at most {MAX_ROWS} rows, {MAX_COLUMNS} columns "
                  f"and {MAX_CELLS} cells; delete the unused rows and columns below and "
                  "right of the table")
        return None
    rows: list[Sequence[Any]] = list(sheet.rows)
    _mark_error_values(rows)
    if layout.has_formulas:
        formulas = book.formula_rows(title, len(rows), sheet.width)
        _mark_uncomputed_formulas(rows, formulas, sheet.empty_text)
    merged = list(layout.merged)
    _mark_covered(rows, merged)
    return _Grid(name=name, rows=rows, merged=merged, hidden_rows=layout.hidden_rows)


def _set_cell(rows: list[Sequence[Any]], r: int, c: int, value: Any) -> None:
    """Replace one value, turning that row from a tuple into a list on first change."""
    row = rows[r]
    if isinstance(row, tuple):
        row = list(row)
        rows[r] = row
    row[c] = value  # type: ignore[index]


def _mark_error_values(rows: list[Sequence[Any]]) -> None:
    """Excel error values (#DIV/0!, #REF!, ...) become unreadable cells naming the error."""
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v.__class__ is str and v in EXCEL_ERRORS:
                _set_cell(rows, r, c, _Unreadable(
                    f"the cell shows the Excel error {v}",
                    "correct the formula or type the value"))


def _is_formula(value: Any) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or \
        isinstance(value, ArrayFormula | DataTableFormula)


def _mark_uncomputed_formulas(rows: list[Sequence[Any]], formulas: list[Sequence[Any]],
                              empty_text: frozenset[tuple[int, int]]) -> None:
    """A formula cell whose stored value is missing was never computed (saved by a script).

    A formula whose result is empty text is stored typed as text with no
    value (``empty_text``); that one is a computed blank, not a problem.
    """
    for r, (frow, vrow) in enumerate(zip(formulas, rows, strict=False)):
        for c, f in enumerate(frow):
            if f is None or c >= len(vrow) or vrow[c] is not None or not _is_formula(f):
                continue
            if (r, c) not in empty_text:
                _set_cell(rows, r, c, _NO_VALUE)


def _mark_covered(rows: list[Sequence[Any]], merged: list[tuple[int, int, int, int]]) -> None:
    """Cells covered by a merge (all but its top-left) are unusable; the merge is reported."""
    nrows = len(rows)
    ncols = len(rows[0]) if rows else 0
    for r1, c1, r2, c2 in merged:
        for r in range(r1, min(r2, nrows) + 1):
            for c in range(c1, min(c2, ncols) + 1):
                if (r, c) != (r1, c1):
                    _set_cell(rows, r - 1, c - 1, _SILENT)


def _is_blank(value: Any) -> bool:
    """A cell with nothing in it (None, spaces, or covered by a merge)."""
    return value is None or value is _SILENT or (value.__class__ is str and not value.strip())


# ---------------------------------------------------------------------------
# Cell values to typed values
# ---------------------------------------------------------------------------

class _CellError(Exception):
    """A value that does not fit its column; ``what`` completes "<label> ..."."""

    def __init__(self, what: str, expected: str = ""):
        super().__init__(what)
        self.what = what
        self.expected = expected


_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'\u2019")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def parse_number_text(text: str) -> float:
    """A number typed as text: '100', '9,75', '1 000', '1.234,5', '1,234.5', '50%'.

    Raises ValueError with the reason when the text is not a number or is
    ambiguous ('1,000': one thousand or one?).
    """
    raw = text.strip().strip(_ZERO_WIDTH)
    grouped = raw.translate(_GROUPING)
    spaced = grouped != raw
    scale = 1.0
    if grouped.endswith("%"):
        grouped, scale = grouped[:-1].rstrip(), 0.01
    t = _normalise_separators(grouped, spaced)
    if not _NUMBER_RE.fullmatch(t):
        raise ValueError("is not a number")
    value = float(t) * scale
    if not math.isfinite(value):
        raise ValueError("is not a finite number")
    return value


def _normalise_separators(t: str, spaced: bool) -> str:
    """Rewrite thousands separators and a decimal comma into Python's float syntax."""
    if "," in t and "." in t:
        if t.rfind(",") > t.rfind("."):
            return t.replace(".", "").replace(",", ".")
        return t.replace(",", "")
    if t.count(",") == 1:
        head, tail = t.split(",")
        digits = head.lstrip("+-")
        if len(tail) == 3 and digits.isdigit() and digits != "0" and not spaced:
            raise ValueError(f"is ambiguous (it could be {head}{tail} or {head}.{tail})")
        return f"{head}.{tail}"
    if t.count(",") > 1:
        return t.replace(",", "")
    if t.count(".") > 1:
        return t.replace(".", "")
    return t


def _as_text(value: Any) -> str:
    """Any cell value as the text a planner sees, trimmed."""
    if isinstance(value, str):
        return value.strip().strip(_ZERO_WIDTH).strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _shown(value: Any) -> str:
    """A cell value quoted for a message."""
    return repr(value) if isinstance(value, str) else _as_text(value)


def _date_error(value: Any) -> _CellError:
    return _CellError(f"is a date or time ({_as_text(value)})")


def _parse_id(value: Any) -> tuple[str, str | None]:
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise _date_error(value)
    return _bounded_text(unicodedata.normalize("NFC", _as_text(value))), None


def _parse_text(value: Any) -> tuple[str, str | None]:
    return _bounded_text(_as_text(value)), None


def _bounded_text(text: str) -> str:
    """``text``, refused when longer than an Excel cell holds (results would cut it)."""
    if len(text) > MAX_TEXT_CHARS:
        raise _CellError(f"is {len(text):,} characters long",
                         f"expected at most {MAX_TEXT_CHARS:,} characters, what an Excel "
                         "cell holds")
    return text


def _parse_number(value: Any) -> tuple[float, str | None]:
    kind = value.__class__
    if kind is int or kind is float:
        return float(value), None
    if kind is bool:
        raise _CellError(f"is a yes/no value ({_as_text(value)})")
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise _date_error(value)
    if isinstance(value, str):
        try:
            number = parse_number_text(value)
        except ValueError as exc:
            raise _CellError(f"{value!r} {exc}") from None
        return number, f"is a number stored as text ({value!r}), read as {number:g}"
    if isinstance(value, int | float):  # numpy numbers and the like
        return float(value), None
    raise _CellError(f"{_shown(value)} is not a number")


def _parse_bool(value: Any) -> tuple[bool, str | None]:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value), None
    word = _as_text(value).lower()
    if word in schema.TRUE_WORDS:
        return True, None
    if word in schema.FALSE_WORDS:
        return False, None
    raise _CellError(f"{_shown(value)} is not yes or no",
                     "expected yes or no (also true/false, y/n, 1/0)")


def _make_choice_parser(col: Column) -> Callable[[Any], tuple[str, str | None]]:
    def parse(value: Any) -> tuple[str, str | None]:
        word = _as_text(value).lower()
        if word in col.choices:
            return word, None
        raise _CellError(f"{_shown(value)} is not allowed")
    return parse


def _parser(col: Column) -> Callable[[Any], tuple[Any, str | None]]:
    """The cell parser for a column's kind."""
    if col.kind == "id":
        return _parse_id
    if col.kind in NUMERIC_KINDS:
        return _parse_number
    if col.kind == "bool":
        return _parse_bool
    if col.kind == "choice":
        return _make_choice_parser(col)
    return _parse_text


def _expected(col: Column) -> str:
    """``expected ...`` for a column, with the year bounds spelled out for years."""
    if col.kind == "year":
        return f"expected a year such as 2027 (between {MIN_YEAR} and {MAX_YEAR})"
    return f"expected {col.range_text()}"


@dataclass
class _Col:
    """One column's typed values (float with NaN for numeric kinds, else objects) and
    which cells were blank or could not be read (already reported)."""

    values: np.ndarray
    bad: np.ndarray
    blank: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        """Cells holding a usable value (given or defaulted)."""
        return ~self.bad & ~(self.blank & _isnull(self.values))

    def take(self, keep: np.ndarray) -> _Col:
        return _Col(self.values[keep], self.bad[keep], self.blank[keep])


def _isnull(values: np.ndarray) -> np.ndarray:
    return pd.isna(values) if values.dtype == object else np.isnan(values)


def _convert(values: list[Any], col: Column, label: str, ref: _CellRef,
             rep: _Reporter) -> _Col:
    """Convert one column's cell values to its kind; report every cell that does not fit."""
    n = len(values)
    numeric = col.kind in NUMERIC_KINDS
    out = np.full(n, np.nan) if numeric else np.full(n, None, dtype=object)
    bad = np.zeros(n, dtype=bool)
    blank = np.zeros(n, dtype=bool)
    if numeric and set(map(type, values)) <= {int, float, _NONE_TYPE}:
        out[:] = np.array(values, dtype=float)  # fast path: None becomes NaN
        blank = np.array([v is None for v in values], dtype=bool)  # a NaN cell is not blank
    else:
        _convert_cells(values, col, label, ref, rep, out, bad, blank)
    _check_numbers(out, bad, blank, col, label, ref, rep)
    _fill_defaults(out, bad, blank, col, label, ref, rep)
    return _Col(out, bad, blank)


def _convert_cells(values: list[Any], col: Column, label: str, ref: _CellRef,
                   rep: _Reporter, out: np.ndarray, bad: np.ndarray,
                   blank: np.ndarray) -> None:
    """The slow path: one value at a time, for columns with text, dates or markers."""
    parse = _parser(col)
    for i, v in enumerate(values):
        if isinstance(v, _Unreadable):
            bad[i] = True
            if v.message:
                rep.cell(ref, i, "unreadable", v.message, v.expected)
            continue
        if _is_blank(v):
            blank[i] = True
            continue
        try:
            out[i], note = parse(v)
        except _CellError as exc:
            bad[i] = True
            rep.cell(ref, i, "type", f"{label} {exc.what}", exc.expected or _expected(col))
        except Exception as exc:  # an odd value must never crash the reader
            bad[i] = True
            rep.cell(ref, i, "type", f"{label} could not be read ({type(exc).__name__}: "
                     f"{exc})", _expected(col))
        else:
            if note:
                rep.cell(ref, i, "text-number", f"{label} {note}", "type it as a number",
                         severity="warning")


def _check_numbers(out: np.ndarray, bad: np.ndarray, blank: np.ndarray, col: Column,
                   label: str, ref: _CellRef, rep: _Reporter) -> None:
    """Whole-number and range checks, vectorised over the column."""
    if col.kind not in NUMERIC_KINDS:
        return
    given = ~bad & ~blank
    with np.errstate(invalid="ignore"):
        nonfinite = given & ~np.isfinite(out)
    _report_mask(nonfinite, out, bad, "is not a finite number", col, label, ref, rep)
    given &= ~nonfinite
    if col.kind in ("integer", "year"):
        whole = np.zeros_like(given)
        whole[given] = np.abs(out[given] - np.round(out[given])) <= TOLERANCE
        _report_mask(given & ~whole, out, bad, "is not a whole number", col, label, ref, rep)
        given &= whole
        huge = given & (np.abs(np.where(given, out, 0.0)) > MAX_WHOLE)
        _report_mask(huge, out, bad, "is too large", col, label, ref, rep)
        given &= ~huge
        out[given] = np.round(out[given])
    lo, hi = col.minimum, col.maximum
    if col.kind == "year":
        lo, hi = MIN_YEAR, MAX_YEAR
    outside = np.zeros_like(given)
    with np.errstate(invalid="ignore"):
        if lo is not None:
            outside |= (out <= lo) if col.exclusive_minimum and col.kind != "year" else (out < lo)
        if hi is not None:
            outside |= (out >= hi) if col.exclusive_maximum and col.kind != "year" else (out > hi)
    _report_mask(given & outside, out, bad, "is out of range", col, label, ref, rep)
    given &= ~outside
    if col.kind != "year":
        with np.errstate(invalid="ignore"):
            absurd = given & (np.abs(out) > col.bound)
        for i in np.flatnonzero(absurd):
            rep.cell(ref, int(i), "is out of range",
                     f"{label} {out[i]:g} is beyond the sanity bound {col.bound:g}"
                     + (f" {col.unit}" if col.unit else ""),
                     f"{_expected(col)}; a larger figure is a typing error (state money "
                     "in thousands or millions if need be)")
        bad[absurd] = True


def _report_mask(mask: np.ndarray, out: np.ndarray, bad: np.ndarray, what: str, col: Column,
                 label: str, ref: _CellRef, rep: _Reporter) -> None:
    for i in np.flatnonzero(mask):
        rep.cell(ref, int(i), what, f"{label} {out[i]:g} {what}", _expected(col))
    bad[mask] = True


def _fill_defaults(out: np.ndarray, bad: np.ndarray, blank: np.ndarray, col: Column,
                   label: str, ref: _CellRef, rep: _Reporter) -> None:
    """Blank required cells are errors; blank optional cells take the schema default."""
    if col.required:
        for i in np.flatnonzero(blank):
            rep.cell(ref, int(i), "blank", f"{label} is blank but required", _expected(col))
        bad[blank] = True
    elif col.default is not None and blank.any():
        default = float(col.default) if col.kind in NUMERIC_KINDS else col.default
        out[blank] = default


# ---------------------------------------------------------------------------
# Table sheets
# ---------------------------------------------------------------------------

@dataclass
class _Table:
    """A table sheet read against its schema: typed columns and workbook rows."""

    sheet: Sheet
    rows: np.ndarray
    cols: dict[str, _Col]
    letters: dict[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.rows)

    def letter(self, column: str) -> str:
        """The column's letter, or the first read column's when it is absent."""
        if column in self.letters:
            return self.letters[column]
        return next(iter(self.letters.values()), "A")

    def ref(self, column: str) -> _CellRef:
        return _CellRef(self.sheet.name, self.letter(column), self.rows)

    def where(self, column: str, i: int) -> str:
        return self.ref(column).where(i)

    def values(self, column: str) -> np.ndarray:
        return self.cols[column].values

    def take(self, keep: np.ndarray) -> None:
        """Keep only the rows where ``keep`` is true."""
        self.rows = self.rows[keep]
        self.cols = {name: col.take(keep) for name, col in self.cols.items()}


def _empty_table(sheet: Sheet) -> _Table:
    """A table with no rows (a missing optional sheet)."""
    cols = {}
    for col in sheet.columns:
        dtype = float if col.kind in NUMERIC_KINDS else object
        cols[col.name] = _Col(np.empty(0, dtype=dtype), np.zeros(0, bool), np.zeros(0, bool))
    return _Table(sheet, np.empty(0, dtype=np.int64), cols)


def _header_text(value: Any) -> str:
    """A header or key cell as matched: trimmed, NFC, lower case."""
    if value is None or isinstance(value, _Unreadable):
        return ""
    return unicodedata.normalize("NFC", _as_text(value)).lower()


def _suggest(text: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a candidate is close, else empty."""
    pool = list(candidates)
    if len(pool) > 5000:
        return ""
    match = difflib.get_close_matches(text, pool, n=1, cutoff=0.75)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _column_has_values(grid: _Grid, j: int) -> bool:
    return any(j < len(row) and not _is_blank(row[j]) for row in grid.rows[1:])


def _match_headers(grid: _Grid, sheet: Sheet, rep: _Reporter,
                   other: Callable[[int, Any], bool] | None = None) -> dict[str, int]:
    """Schema column name -> 0-based column index, from the header row.

    ``other`` may claim a header the schema does not name (Demand's years).
    """
    known = {c.name.lower(): c.name for c in sheet.columns}
    names = ", ".join(sheet.column_names)
    mapping: dict[str, int] = {}
    for j, value in enumerate(grid.rows[0] if grid.rows else ()):
        cell = f"{sheet.name}!{get_column_letter(j + 1)}1"
        if isinstance(value, _Unreadable) and value.message:
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
                rep.warning(cell, f"unknown column {_as_text(value)!r} is ignored",
                            f"expected one of {names}{_suggest(text, known)}")
        elif name in mapping:
            first = f"{sheet.name}!{get_column_letter(mapping[name] + 1)}1"
            rep.error(cell, f"column {name!r} appears twice (also {first})",
                      "expected each column once")
        else:
            mapping[name] = j
    return mapping


def _data_rows(grid: _Grid, columns: Iterable[int]) -> list[int]:
    """0-based indices of rows below the header with a value in any of ``columns``."""
    cols = sorted(columns)
    out = []
    for i in range(1, len(grid.rows)):
        row = grid.rows[i]
        if any(j < len(row) and not _is_blank(row[j]) for j in cols):
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


def _report_layout(grid: _Grid, columns: Iterable[int], data: list[int],
                   rep: _Reporter) -> None:
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


def _sheet_is_blank(grid: _Grid) -> bool:
    return all(_is_blank(v) for row in grid.rows for v in row)


def _read_table(grid: _Grid | None, sheet: Sheet, rep: _Reporter) -> _Table | None:
    """A table sheet: match headers, skip blank rows, convert each column to its kind."""
    if grid is None:
        return _empty_table(sheet) if sheet.may_be_empty else None
    if _sheet_is_blank(grid):
        if not sheet.may_be_empty:
            rep.error(f"{sheet.name}!A1", "the sheet is empty",
                      f"expected the headers {', '.join(sheet.column_names)} in row 1 "
                      "and one row per record below")
        return _empty_table(sheet)
    mapping = _match_headers(grid, sheet, rep)
    _report_missing_columns(sheet, mapping, rep)
    data = _data_rows(grid, mapping.values())
    _report_layout(grid, mapping.values(), data, rep)
    table = _table_from_rows(grid, sheet, sheet.columns, mapping, data, rep)
    if not data and not sheet.may_be_empty:
        rep.error(f"{sheet.name}!A2", f"{sheet.name} has no rows",
                  "expected at least one row below the headers")
    return table


def _report_missing_columns(sheet: Sheet, mapping: dict[str, int], rep: _Reporter) -> None:
    for col in sheet.columns:
        if col.required and col.name not in mapping:
            rep.error(sheet.name, f"header row 1 has no column {col.name!r}",
                      f"expected the headers {', '.join(sheet.column_names)} in row 1 "
                      "(any order)")


def _table_from_rows(grid: _Grid, sheet: Sheet, columns: Iterable[Column],
                     mapping: dict[str, int], data: list[int], rep: _Reporter) -> _Table:
    """Convert the ``columns`` of rows ``data``; absent columns take their defaults."""
    rows = np.array([i + 1 for i in data], dtype=np.int64)
    letters = {name: get_column_letter(j + 1) for name, j in mapping.items()}
    table = _Table(sheet, rows, {}, letters)
    for col in columns:
        j = mapping.get(col.name)
        if j is None:
            values: list[Any] = [_SILENT if col.required else None] * len(data)
        else:
            values = [grid.rows[i][j] for i in data]
        table.cols[col.name] = _convert(values, col, col.name, table.ref(col.name), rep)
    return table


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------

@dataclass
class _SettingsRead:
    """Typed settings (defaults filled in), their workbook rows, and the horizon."""

    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    years: list[int] | None = None

    def where(self, key: str) -> str:
        row = self.rows.get(key)
        return f"Settings!B{row}" if row else "Settings"


def _read_settings(grid: _Grid | None, rep: _Reporter) -> _SettingsRead:
    """The key/value rows of the Settings sheet, checked key by key."""
    out = _SettingsRead()
    if grid is None:
        return out
    start = _settings_start(grid, rep)
    known = {c.name: c for c in schema.SETTINGS.columns}
    data = [i for i in range(start, len(grid.rows))
            if any(not _is_blank(v) for v in grid.rows[i][:2])]
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


def _settings_start(grid: _Grid, rep: _Reporter) -> int:
    """0 when row 1 already holds a setting, 1 when it is the key/value header row."""
    first = _header_text(grid.rows[0][0]) if grid.rows and grid.rows[0] else ""
    if first == "key" or not first:
        return 1
    rep.warning("Settings!A1", "row 1 is not the header row; it is read as a setting",
                "expected 'key' in A1 and 'value' in B1")
    return 0


def _read_setting_row(row: Sequence[Any], r: int, known: dict[str, Column],
                      out: _SettingsRead, rep: _Reporter) -> None:
    key_cell = row[0]
    value = row[1] if len(row) > 1 else None
    if isinstance(key_cell, _Unreadable):
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
        rep.error(f"Settings!A{r}", f"unknown setting {_as_text(key_cell)!r}",
                  f"expected one of {', '.join(known)}{_suggest(key, known)}")
        return
    if key in out.rows:
        rep.error(f"Settings!A{r}", f"setting {key!r} appears twice (also "
                  f"Settings!A{out.rows[key]})", "expected each setting once")
        return
    out.rows[key] = r
    conv = _convert([value], col, key, _CellRef("Settings", "B", np.array([r])), rep)
    if not conv.bad[0]:
        out.values[key] = _python(conv.values[0], col)


def _python(value: Any, col: Column) -> Any:
    """A numpy scalar as the plain Python type of its column kind."""
    if col.kind in ("integer", "year"):
        return int(value)
    if col.kind == "number":
        return float(value)
    return value


def _horizon(settings: _SettingsRead, rep: _Reporter) -> list[int] | None:
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


# ---------------------------------------------------------------------------
# Demand (capability_id, then one column per year)
# ---------------------------------------------------------------------------

@dataclass
class _Demand:
    """The Demand sheet: the capability_id column as a table, and the year columns."""

    table: _Table
    years: dict[int, _Col] = field(default_factory=dict)
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


def _read_demand(grid: _Grid | None, years: list[int] | None, rep: _Reporter) -> _Demand | None:
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
    demand = _Demand(table)
    spec = sheet.year_column
    assert spec is not None
    for year in read_years:
        j = found[year]
        letter = get_column_letter(j + 1)
        ref = _CellRef(sheet.name, letter, table.rows)
        demand.years[year] = _convert([grid.rows[i][j] for i in data], spec,
                                      f"demand for {year}", ref, rep)
        demand.year_letters[year] = letter
    if not data:
        rep.error(f"{sheet.name}!A2", "Demand has no rows",
                  "expected one row per capability below the headers")
    return demand


def _demand_years(found: dict[int, int], years: list[int] | None, rep: _Reporter) -> list[int]:
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


# ---------------------------------------------------------------------------
# Checks across rows and sheets
# ---------------------------------------------------------------------------

@dataclass
class _Read:
    """Everything read from the workbook, as the checks and the Case builder need it."""

    settings: _SettingsRead
    tables: dict[str, _Table]
    demand: _Demand | None

    @property
    def years(self) -> list[int] | None:
        return self.settings.years

    def table(self, name: str) -> _Table | None:
        return self.tables.get(name)


def _all_id_tables(ctx: _Read) -> list[_Table]:
    tables = list(ctx.tables.values())
    if ctx.demand is not None:
        tables.append(ctx.demand.table)
    return tables


def _check_unique(ctx: _Read, rep: _Reporter) -> None:
    """Every ``unique`` column: a repeated value is an error naming both rows."""
    for table in _all_id_tables(ctx):
        for col in table.sheet.columns:
            if col.unique:
                _check_unique_column(table, col, rep)


def _check_unique_column(table: _Table, col: Column, rep: _Reporter) -> None:
    c = table.cols[col.name]
    idx = np.flatnonzero(c.ok)
    values = pd.Series(c.values[idx])
    dup = values.duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    first = {}
    for k, v in zip(idx, values, strict=True):
        first.setdefault(v, k)
    ref = table.ref(col.name)
    for k in idx[dup]:
        v = c.values[k]
        shown = _shown(v) if col.kind not in NUMERIC_KINDS else f"{v:g}"
        rep.cell(ref, int(k), "duplicate", f"duplicate {col.name} {shown} (also in "
                 f"{ref.where(first[v])})", f"expected each {col.name} once")
        c.bad[k] = True


def _valid_ids(ctx: _Read) -> dict[str, set[str]]:
    """Sheet name -> the ids its key column defines (for reference checks)."""
    out = {}
    for table in ctx.tables.values():
        key = table.sheet.key
        if key and key in table.letters and table.sheet.column(key).kind == "id":
            c = table.cols[key]
            out[table.sheet.name] = set(c.values[c.ok].tolist())
    return out


def _check_refs(ctx: _Read, rep: _Reporter) -> None:
    """Every column with ``ref``: each id must exist on the referenced sheet."""
    ids = _valid_ids(ctx)
    for table in _all_id_tables(ctx):
        for col in table.sheet.columns:
            if col.ref and col.ref in ids:
                _check_ref_column(table, col, ids[col.ref], rep)
    home = schema.SETTINGS.column("home_country")
    value = ctx.settings.values.get("home_country")
    if value is not None and home.ref in ids and value not in ids[home.ref]:
        rep.error(ctx.settings.where("home_country"), f"unknown home_country {value!r}",
                  f"expected {home.range_text()}{_suggest(value, ids[home.ref])}")
        ctx.settings.values.pop("home_country")


def _check_ref_column(table: _Table, col: Column, valid: set[str], rep: _Reporter) -> None:
    c = table.cols[col.name]
    ok = c.ok
    known = pd.Series(c.values).isin(valid).to_numpy()
    ref = table.ref(col.name)
    for i in np.flatnonzero(ok & ~known):
        value = c.values[i]
        rep.cell(ref, int(i), "unknown id", f"unknown {col.name} {value!r}",
                 lambda v=value: f"expected {col.range_text()}{_suggest(v, valid)}")
    c.bad[ok & ~known] = True


def _fill_from_settings(ctx: _Read) -> None:
    """Blank cells whose ``blank_means`` names a setting (first_year, last_year) take it.

    Only with a valid horizon: a wrong last_year must not spread into other sheets.
    """
    if ctx.years is None:
        return
    for table in ctx.tables.values():
        for col in table.sheet.columns:
            source = col.blank_means.split(" ")[0] if col.blank_means else ""
            value = ctx.settings.values.get(source) if source in _SETTING_NAMES else None
            if value is not None:
                c = table.cols[col.name]
                c.values[c.blank & ~c.bad] = value


def _fill_tier_defaults(ctx: _Read) -> None:
    """Blank cells whose ``blank_means`` is the tier default take schema.tier_max_share."""
    table = ctx.table("Countries")
    if table is None:
        return
    tiers = table.values("tier")
    for col in table.sheet.columns:
        if col.blank_means == TIER_DEFAULT:
            c = table.cols[col.name]
            for i in np.flatnonzero(c.blank & ~c.bad):
                default = schema.tier_max_share(tiers[i])
                if default is not None:
                    c.values[i] = default


#: The column rules of the schema (unique, reference), on the cells as read; the
#: rules across sheets are :func:`sovopt.validate.validate`, run on the draft case.
_CHECKS: tuple[Callable[[_Read, _Reporter], None], ...] = (_check_unique, _check_refs)


# ---------------------------------------------------------------------------
# The Case
# ---------------------------------------------------------------------------

def _draft_frame(table: _Table) -> pd.DataFrame:
    """The table with every cell that could not be used blank (NaN or None): what the
    cross-sheet rules see before the case is typed (they skip blanks, reported already)."""
    data: dict[str, Any] = {}
    for col in table.sheet.columns:
        c = table.cols.get(col.name)
        if c is None:
            data[col.name] = pd.Series([None] * table.n, dtype=object)
        elif col.kind in NUMERIC_KINDS:
            data[col.name] = np.where(c.ok, c.values.astype(float), np.nan)
        else:
            data[col.name] = pd.Series(np.where(c.ok, c.values, None), dtype=object)
    data["row"] = table.rows.astype(np.int64)
    return pd.DataFrame(data)


def _draft_case(ctx: _Read, source: str) -> Case:
    """The case as read, unusable cells blank and Settings possibly incomplete: the
    input of :func:`sovopt.validate.validate` in the reader."""
    tables = {sheet.name: _draft_frame(ctx.tables.get(sheet.name) or _empty_table(sheet))
              for sheet in _TABLE_SHEETS}
    has_caps = "Capabilities" in ctx.tables
    values = {name: ctx.settings.values.get(name) for name in _SETTING_NAMES}
    if ctx.years is None:  # no usable horizon (reported): no rule may rely on one
        values.update(first_year=None, last_year=None)
    settings = Settings(**values)
    return Case(
        settings=settings, countries=tables["Countries"], suppliers=tables["Suppliers"],
        capabilities=tables["Capabilities"],
        demand=_demand_frame(ctx) if has_caps else pd.DataFrame(
            columns=["capability_id", "year", "demand", "row"]),
        options=tables["Options"], inputs=tables["Inputs"], budget=tables["Budget"],
        scenarios=tables["Scenarios"], repair=tables["Repair"],
        column_letters=_column_letters(ctx),
        settings_rows=dict(ctx.settings.rows), source=source)


def _frame(table: _Table) -> pd.DataFrame:
    """The table as a DataFrame with the column types the Case promises."""
    data: dict[str, Any] = {}
    for col in table.sheet.columns:
        values = table.values(col.name)
        if col.kind in ("integer", "year") and not np.isnan(values).any():
            data[col.name] = values.astype(np.int64)
        elif col.kind in NUMERIC_KINDS:  # a number, or an optional whole number left blank
            data[col.name] = values.astype(float)
        elif col.kind == "bool":
            data[col.name] = values.astype(bool)
        else:
            data[col.name] = pd.Series(values, dtype=object)
    data["row"] = table.rows.astype(np.int64)
    return pd.DataFrame(data)


def _demand_frame(ctx: _Read) -> pd.DataFrame:
    """Long-form demand: one row per capability (Capabilities order) and horizon year."""
    years = ctx.years or []
    caps = ctx.tables["Capabilities"].values("capability_id").tolist()
    matrix = np.zeros((len(caps), len(years)))
    rows: list[Any] = [pd.NA] * len(caps)
    if ctx.demand is not None:
        table = ctx.demand.table
        at = {cid: k for k, cid in enumerate(table.values("capability_id"))}
        for n, cid in enumerate(caps):
            k = at.get(cid)
            if k is not None:
                matrix[n] = [ctx.demand.years[y].values[k] if y in ctx.demand.years
                             else np.nan for y in years]  # a missing column: reported
                rows[n] = int(table.rows[k])
    return pd.DataFrame({
        "capability_id": pd.Series(np.repeat(np.array(caps, dtype=object), len(years)),
                                   dtype=object),
        "year": np.tile(np.array(years, dtype=np.int64), len(caps)),
        "demand": matrix.ravel(),
        "row": pd.array(np.repeat(np.array(rows, dtype=object), len(years)), dtype="Int64"),
    })


def _column_letters(ctx: _Read) -> dict[str, dict[str, str]]:
    letters = {"Settings": {"key": "A", "value": "B"}}
    for name, table in ctx.tables.items():
        letters[name] = dict(table.letters)
    if ctx.demand is not None:
        demand = dict(ctx.demand.table.letters)
        demand.update({str(y): letter for y, letter in ctx.demand.year_letters.items()})
        letters["Demand"] = demand
    return letters


def _build_case(ctx: _Read, source: str) -> Case:
    tables = {name: _frame(table) for name, table in ctx.tables.items()}
    budget, years = tables["Budget"], ctx.years or []
    tables["Budget"] = budget[budget["year"].isin(years)].reset_index(drop=True)  # warned
    return Case(
        settings=Settings.from_values(ctx.settings.values),
        countries=tables["Countries"],
        suppliers=tables["Suppliers"],
        capabilities=tables["Capabilities"],
        demand=_demand_frame(ctx),
        options=tables["Options"],
        inputs=tables["Inputs"],
        budget=tables["Budget"],
        scenarios=tables["Scenarios"],
        repair=tables["Repair"],
        column_letters=_column_letters(ctx),
        settings_rows=dict(ctx.settings.rows),
        source=source,
    )


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

_TABLE_SHEETS = tuple(s for s in schema.SHEETS if s.layout == "table")
_SETTING_NAMES = frozenset(schema.SETTINGS.column_names)


def _read_all(grids: dict[str, _Grid | None], rep: _Reporter) -> _Read:
    """Read the Settings, every table sheet and Demand from their grids."""
    settings = _guard(rep, "Settings", _read_settings, grids.get("Settings"), rep)
    settings = settings or _SettingsRead()
    tables: dict[str, _Table] = {}
    for sheet in _TABLE_SHEETS:
        table = _guard(rep, sheet.name, _read_table, grids.get(sheet.name), sheet, rep)
        if table is not None:
            tables[sheet.name] = table
    demand = _guard(rep, "Demand", _read_demand, grids.get("Demand"), settings.years, rep)
    return _Read(settings, tables, demand)


def read_case(path: str | Path) -> tuple[Case, list[Problem]]:
    """Read, check and type the case workbook at ``path``.

    Returns the Case and the warnings. Raises
    :class:`~sovopt.errors.InvalidCase` with every error and warning when
    there is any error, and :class:`~sovopt.errors.SovoptError` (one line)
    when the file is not a readable .xlsx workbook.
    """
    rep = _Reporter()
    with open_workbook(path) as book:
        grids = _read_grids(book, rep)
    ctx = _read_all(grids, rep)
    _fill_from_settings(ctx)
    _fill_tier_defaults(ctx)
    for check in _CHECKS:
        _guard(rep, "workbook", check, ctx, rep)
    draft = _guard(rep, "workbook", _draft_case, ctx, Path(path).name)
    if draft is not None:
        # a missing sheet is reported once, not again by each rule that needs its rows
        missing = {sheet.name for sheet in _TABLE_SHEETS if sheet.name not in ctx.tables}
        rep.problems.problems.extend(
            p for p in _guard(rep, "workbook", validate, draft) or []
            if re.split(r"[!,]", p.where, maxsplit=1)[0] not in missing)
    rep.flush()
    rep.problems.raise_if_errors()
    case = _guard(rep, "workbook", _build_case, ctx, Path(path).name)
    rep.problems.raise_if_errors()
    assert case is not None
    return case, rep.problems.warnings
