"""Reading a portfolio back from a results workbook's Portfolio sheet (for stress tests).

``sovopt stress CASE.xlsx --portfolio RESULTS.xlsx`` answers "what does this
plan do in every scenario, and which limits does it break?" for a portfolio
the optimiser did not choose (or chose for another case): nothing is
optimised, :func:`sovopt.pipeline.stress_and_report` computes the same KPIs,
tables and broken limits that a solve reports.

The editable layout (the Portfolio sheet of a results workbook; with
``--into-input`` the sheet is called ``Result Portfolio``):

- Row 1 holds the headers, matched case-insensitively after trimming, as the
  labels the sheet is written with or as the keys of older workbooks
  (:func:`header_key`): ``Option`` or ``option_id``, ``Start year`` or
  ``start_year``, and one column per year (header = the year, such as 2027).
  Other columns (capability, supplier, country, mode, unit, totals) are
  information only and are ignored: the case decides what an option is, and
  every total is recomputed.
- One row per option used. A blank start_year means "not started" (its
  deliveries are then reported as deliveries without a start). A blank unit
  cell means 0. Rows with a blank option_id are skipped, so deleting the
  contents of a row drops the option; deleting the row does the same.
- A planner may add a row for any option of the case. The same option on two
  rows is two starts (reported: an option starts at most once) and its units
  add up.
- A row with a ``repair_id`` (a column the sheet has when the case keeps a
  fleet, the sustainment families) is the start of that repair line in start_year
  (blank: not started); its other cells are information only. The stock plan
  written below the table has neither an option_id nor a repair_id and is not
  read: the stock follows from the deliveries.
- Numbers typed as text ('12', '9,75') are accepted as the case reader
  accepts them. Every cell that is not usable (text that is not a number, a
  negative number of units, a start year that is not a whole year, an option
  not in the case, a formula never computed) is reported at once, each with
  its cell; the command then exits 1.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from sovopt.case import Case
from sovopt.errors import EXIT_INVALID, Problem, SovoptError
from sovopt.portfolio import Portfolio
from sovopt.workbook.open_safely import SheetTooLarge, open_workbook
from sovopt.workbook.typed_columns import parse_number_text

#: Sheet names a portfolio is read from, in order of preference.
PORTFOLIO_SHEETS = ("Portfolio", "Result Portfolio")
MAX_ROWS, MAX_COLUMNS = 100_000, 500
_YEAR = re.compile(r"^\d{4}(\.0+)?$")


class PortfolioError(SovoptError):
    """The Portfolio sheet has cells that cannot be read; ``problems`` lists each."""

    exit_code = EXIT_INVALID

    def __init__(self, name: str, problems: list[Problem]):
        self.problems = problems
        lines = "\n  ".join(str(p) for p in problems)
        n = len(problems)
        super().__init__(f"{name}: the portfolio has {n} problem{'s' if n != 1 else ''}:"
                         f"\n  {lines}")


def read_portfolio(results_xlsx: str | os.PathLike[str], case: Case | None = None
                   ) -> Portfolio:
    """The portfolio on the Portfolio sheet of ``results_xlsx`` (see the module docstring).

    With ``case``, option ids are checked against the case's Options, so an
    unknown id is reported with its cell rather than later without one.
    """
    path = Path(results_xlsx)
    with open_workbook(path) as book:
        title = _portfolio_sheet(book.sheetnames, path)
        try:
            values = book.read_values(title, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
        except SheetTooLarge as exc:
            raise SovoptError(f"{path.name}: sheet {title} is too large to be a portfolio "
                              f"({exc})") from None
        rows = values.rows
        formulas = (book.formula_rows(title, len(rows), values.width)
                    if book.layout(title).has_formulas else None)
    return _parse(rows, formulas, title, path.name, case)


# --- parsing ----------------------------------------------------------------------------


def _portfolio_sheet(names: list[str], path: Path) -> str:
    by_key = {n.strip().lower(): n for n in names}
    for want in PORTFOLIO_SHEETS:
        if want.lower() in by_key:
            return by_key[want.lower()]
    raise SovoptError(f"{path.name}: no Portfolio sheet; expected a results workbook written "
                      f"by sovopt solve (sheets found: {', '.join(names) or 'none'})")


#: Headers the sheet is written with (labels) -> the key they stand for; a key itself
#: (older workbooks, hand-made sheets) reads as itself.
HEADER_ALIASES = {"option": "option_id", "repair_line": "repair_id"}
_UNIT_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")


def header_key(text: str) -> str:
    """The key a Portfolio header stands for, case and spacing ignored: ``Option`` and
    ``option_id`` -> option_id, ``Start year`` -> start_year, ``Repair line`` ->
    repair_id; a unit in brackets at the end is dropped."""
    key = re.sub(r"[\s-]+", "_", _UNIT_SUFFIX.sub("", text).strip().lower())
    return HEADER_ALIASES.get(key, key)


def _letter(col: int) -> str:
    return get_column_letter(col + 1)


def _parse(rows: list[tuple[Any, ...]], formulas: list[tuple[Any, ...]] | None, title: str,
           name: str, case: Case | None) -> Portfolio:
    problems: list[Problem] = []
    if not rows:
        raise PortfolioError(name, [Problem(f"{title}!A1", "the sheet is empty",
                                            "headers option_id, start_year and one column "
                                            "per year")])
    header = rows[0]
    columns: dict[str, int] = {}
    years: dict[int, int] = {}
    for j, head in enumerate(header):
        if head is None:
            continue
        text = str(head).strip()
        if (isinstance(head, int | float) and float(head).is_integer()) or _YEAR.match(text):
            years[int(float(text))] = j
        else:
            columns.setdefault(header_key(text), j)
    for needed in ("option_id", "start_year"):
        if needed not in columns:
            problems.append(Problem(f"{title}!1:1", f"no {needed} column",
                                    "a header cell reading " + needed))
    if problems:
        raise PortfolioError(name, problems)
    known = set(case.options["option_id"]) if case is not None else None
    lines = set(case.repair["repair_id"]) if case is not None else None
    starts: list[tuple[str, int]] = []
    deliveries: list[tuple[str, int, float]] = []
    repairs: list[tuple[str, int]] = []
    for i, row in enumerate(rows[1:], start=1):
        cell = _Cells(row, formulas[i] if formulas and i < len(formulas) else None, title, i,
                      problems)
        rid = cell.text(columns["repair_id"]) if "repair_id" in columns else ""
        if rid:
            _repair_row(cell, rid, columns, lines, repairs, problems)
            continue
        oid = cell.text(columns["option_id"])
        if not oid:
            continue
        if not _in_case(cell, columns["option_id"], oid, known, "option", problems):
            continue
        start = _start_year(cell, columns, problems)
        if start is not None:
            starts.append((oid, start))
        for year, j in years.items():
            units = cell.number(j, "units")
            if units is None or units == 0:
                continue
            if units < 0:
                problems.append(Problem(cell.ref(j), f"{units:g} units", "units >= 0"))
                continue
            deliveries.append((oid, year, float(units)))
    if problems:
        raise PortfolioError(name, problems)
    return Portfolio(
        starts=pd.DataFrame(starts, columns=["option_id", "start_year"]).astype(
            {"start_year": int}),
        deliveries=pd.DataFrame(deliveries, columns=["option_id", "year", "units"]).astype(
            {"year": int, "units": float}),
        repairs=pd.DataFrame(repairs, columns=["repair_id", "start_year"]).astype(
            {"start_year": int}),
    )


def _repair_row(cell: _Cells, rid: str, columns: dict[str, int], lines: set[str] | None,
                repairs: list[tuple[str, int]], problems: list[Problem]) -> None:
    """A repair line's row: its start year (blank: not started)."""
    if not _in_case(cell, columns["repair_id"], rid, lines, "repair line", problems):
        return
    start = _start_year(cell, columns, problems)
    if start is not None:
        repairs.append((rid, start))


#: What a row names -> (its id column, the case's sheet of those ids).
_IDS = {"option": ("option_id", "Options"), "repair line": ("repair_id", "Repair")}


def _in_case(cell: _Cells, j: int, value: str, known: set[str] | None, what: str,
             problems: list[Problem]) -> bool:
    """Whether the row's option or repair line is in the case (always, without a case);
    one that is not is reported at its cell."""
    if known is None or value in known:
        return True
    column, sheet = _IDS[what]
    problems.append(Problem(cell.ref(j), f"{what} {value!r} is not in the case",
                            f"a {column} from the case's {sheet} sheet"))
    return False


def _start_year(cell: _Cells, columns: dict[str, int], problems: list[Problem]) -> int | None:
    """The row's start year (an option's or a repair line's): None when blank (not
    started) or not a whole year (reported)."""
    start = cell.number(columns["start_year"], "start year")
    if start is None:
        return None
    if not float(start).is_integer():
        problems.append(Problem(cell.ref(columns["start_year"]),
                                f"start year {start:g} is not a whole year",
                                "a year such as 2027, or blank for not started"))
        return None
    return int(start)


class _Cells:
    """One row of the sheet: typed access to its cells, problems collected with their cell."""

    def __init__(self, row: tuple[Any, ...], formulas: tuple[Any, ...] | None, title: str,
                 index: int, problems: list[Problem]):
        self.row, self.formulas, self.title, self.index = row, formulas, title, index
        self.problems = problems

    def ref(self, j: int) -> str:
        return f"{self.title}!{_letter(j)}{self.index + 1}"

    def raw(self, j: int) -> Any:
        value = self.row[j] if j < len(self.row) else None
        if value is None and self.formulas is not None and j < len(self.formulas):
            formula = self.formulas[j]
            if isinstance(formula, str) and formula.startswith("="):
                self.problems.append(Problem(
                    self.ref(j), "a formula with no stored value",
                    "open and save the workbook in Excel or LibreOffice, or type the number"))
        return value

    def text(self, j: int) -> str:
        value = self.raw(j)
        return "" if value is None else str(value).strip()

    def number(self, j: int, what: str) -> float | None:
        value = self.raw(j)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, bool):
            self.problems.append(Problem(self.ref(j), f"{what} {value!r} is not a number"))
            return None
        if isinstance(value, int | float):
            number = float(value)
        else:
            try:
                number = parse_number_text(str(value))
            except ValueError as exc:
                self.problems.append(Problem(self.ref(j), f"{what} {str(value)!r} {exc}",
                                             "a number"))
                return None
        if not math.isfinite(number):
            self.problems.append(Problem(self.ref(j), f"{what} is not a finite number"))
            return None
        return number
