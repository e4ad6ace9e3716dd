"""Workbook cells as the reader sees them: grids of stored values, cells that cannot be
used, and the capped problem reporter that names each cell.

One openpyxl pass over each sheet's stored values (plus a formula pass for sheets
that contain formulas, see :mod:`sovopt.workbook.open_safely`) gives a :class:`Grid`.
Cells that cannot be used are replaced by an :class:`Unreadable` marker: an Excel
error value, a formula never computed (saved by a script), a cell covered by a
merge. :class:`Reporter` lists at most MAX_REPORTS problems of one kind per
column, then one line counting the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from sovopt import schema
from sovopt.errors import MAX_REPORTS, Problem, ProblemList
from sovopt.schema import Sheet
from sovopt.workbook.open_safely import OpenedWorkbook, SheetTooLarge

MAX_ROWS = 200_000
MAX_COLUMNS = 1_000
MAX_CELLS = 5_000_000
EXCEL_ERRORS = frozenset(ERROR_CODES) | {"#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!",
                                         "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}


T = TypeVar("T")


@dataclass(frozen=True)
class Unreadable:
    """Put in place of a cell value that cannot be used (formula without a value,
    Excel error, covered by a merge). ``message`` is reported when a table reads
    the cell; an empty message means it was reported already (merges)."""

    message: str = ""
    expected: str = ""


SILENT = Unreadable()
_NO_VALUE = Unreadable("formula has no computed value",
                        "open and save the workbook in Excel or LibreOffice")


class Reporter:
    """Collects problems; at most MAX_REPORTS per (sheet, column, kind), then a count."""

    def __init__(self) -> None:
        self.problems = ProblemList()
        self._counts: dict[tuple[str, str, str, str], int] = {}
        self._samples: dict[tuple[str, str, str, str], str] = {}

    def error(self, where: str, message: str, expected: str = "") -> None:
        self.problems.error(where, message, expected)

    def warning(self, where: str, message: str, expected: str = "") -> None:
        self.problems.warning(where, message, expected)

    def cell(self, ref: CellRef, i: int, kind: str, message: str,
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
class CellRef:
    """Where the values of one column came from: sheet, column letter, workbook rows."""

    sheet: str
    letter: str
    rows: np.ndarray

    def where(self, i: int) -> str:
        return f"{self.sheet}!{self.letter}{int(self.rows[i])}"


def guard(rep: Reporter, where: str, fn: Callable[..., T], *args: Any) -> T | None:
    """Run one reading or checking step; an unexpected failure becomes a problem, not a crash."""
    try:
        return fn(*args)
    except Exception as exc:  # last line of defence for planners: never a traceback
        rep.error(where, f"could not be read or checked ({type(exc).__name__}: {exc})",
                  "expected the layout of `sovopt template`; if it looks right, report this")
        return None


@dataclass
class Grid:
    """One sheet's stored values (``rows[0]`` is workbook row 1) and its layout facts."""

    name: str
    rows: list[Sequence[Any]]
    merged: list[tuple[int, int, int, int]]  # min_row, min_col, max_row, max_col (1-based)
    hidden_rows: frozenset[int]


def read_grids(book: OpenedWorkbook, rep: Reporter) -> dict[str, Grid | None]:
    """Every contract sheet's grid (``None`` when missing or unreadable)."""
    titles: dict[str, str] = {}
    for title in book.sheetnames:
        titles.setdefault(title.strip().lower(), title)
    grids: dict[str, Grid | None] = {}
    for sheet in schema.SHEETS:
        title = titles.get(sheet.name.lower())
        if title is None:
            if not sheet.optional:
                _report_missing_sheet(sheet, rep)
            grids[sheet.name] = None
            continue
        grids[sheet.name] = guard(rep, sheet.name, _read_grid, book, title, sheet.name, rep)
    return grids


def _report_missing_sheet(sheet: Sheet, rep: Reporter) -> None:
    if sheet.may_be_empty:
        rep.warning(sheet.name, f"the workbook has no sheet {sheet.name}; it is read as empty",
                    f"expected a sheet named {sheet.name} (it may have no rows)")
    else:
        names = ", ".join(s.name for s in schema.SHEETS if not s.optional)
        rep.error(sheet.name, f"the workbook has no sheet {sheet.name}",
                  f"expected the sheets {names}")


def _read_grid(book: OpenedWorkbook, title: str, name: str, rep: Reporter) -> Grid | None:
    """The values of one sheet, with unusable cells replaced by :class:`Unreadable`."""
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
    return Grid(name=name, rows=rows, merged=merged, hidden_rows=layout.hidden_rows)


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
                _set_cell(rows, r, c, Unreadable(
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
                    _set_cell(rows, r - 1, c - 1, SILENT)


def is_blank(value: Any) -> bool:
    """A cell with nothing in it (None, spaces, or covered by a merge)."""
    return value is None or value is SILENT or (value.__class__ is str and not value.strip())
