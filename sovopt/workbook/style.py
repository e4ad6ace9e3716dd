"""The shared look of every workbook sovopt writes, and safe cell writing.

Case workbooks, templates and results reports use the same header style,
input-cell fill, number formats and notes, so a planner recognises them at a
glance. :func:`write_cell` is the one way sovopt puts a value into a cell: it
turns pandas/numpy values into plain Python ones, writes booleans as yes/no,
and neutralises formula injection, so user text such as ``=HYPERLINK(...)``
is stored as text and never executed by the spreadsheet that opens it.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

#: Author shown on cell notes.
NOTE_AUTHOR = "sovopt"

# Colours (RGB hex): a dark header band and a pale input fill.
HEADER_COLOUR = "1F3864"
INPUT_COLOUR = "FFF8DC"
BORDER_COLOUR = "BFBFBF"

HEADER_FONT = Font(name="Calibri", bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOUR)
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
INPUT_FILL = PatternFill("solid", fgColor=INPUT_COLOUR)
THIN_BORDER = Border(*(Side(style="thin", color=BORDER_COLOUR),) * 4)
LABEL_FONT = Font(name="Calibri", bold=True)
TITLE_FONT = Font(name="Calibri", bold=True, size=14, color=HEADER_COLOUR)
WRAP = Alignment(wrap_text=True, vertical="top")

# Number formats.
FMT_TEXT = "@"
FMT_YEAR = "0"
FMT_INTEGER = "#,##0"
FMT_SHARE = "0.00##"
FMT_MONEY = "#,##0.00##"
FMT_GENERAL = "General"

#: Excel refuses cells longer than this.
MAX_CELL_CHARS = 32767

#: A text starting with one of these may be run as a formula by a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")

#: Column widths (characters) that keep sheets readable without being sprawling.
MIN_WIDTH = 8.0
MAX_WIDTH = 60.0


def is_blank(value: Any) -> bool:
    """True for None, NaN, NaT and pandas' NA: values written as an empty cell."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # not a scalar
        return False


def needs_quote(text: str) -> bool:
    """True if ``text`` could be taken for a formula, an error code or a command."""
    return text.startswith(FORMULA_TRIGGERS) or text in ERROR_CODES


def safe_text(value: Any) -> str:
    """``value`` as text a workbook can hold: illegal XML control characters removed
    (NUL and the like make the file unreadable) and cut to Excel's cell limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:MAX_CELL_CHARS]


def plain_value(value: Any, bools_as_text: bool = True) -> Any:
    """A pandas/numpy value as a plain Python value openpyxl writes faithfully.

    Blanks become None, booleans ``yes``/``no`` (the workbook convention) unless
    ``bools_as_text`` is false, integral numpy numbers ``int`` and other numbers
    ``float``; dates stay dates; anything else becomes text.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool | np.bool_):
        return ("yes" if value else "no") if bools_as_text else bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value
    return value if isinstance(value, str) else str(value)


def write_cell(ws: Worksheet, row: int, col: int, value: Any, *,
               number_format: str | None = None, bools_as_text: bool = True) -> Cell:
    """Write ``value`` at (row, col) safely and return the cell.

    Text is never interpreted: a value that starts with ``= + - @``, a tab,
    CR, LF or NUL (or looks like an error code such as ``#N/A``) is stored as a
    string cell (data_type ``s``) with Excel's quote prefix, so it shows as
    typed and cannot run as a formula. Numbers that are infinite are written as
    text because a workbook cannot store them.
    """
    cell = ws.cell(row=row, column=col)
    value = plain_value(value, bools_as_text=bools_as_text)
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)
    if isinstance(value, str):
        raw = value
        value = safe_text(value)
        cell.value = value
        if needs_quote(raw) or needs_quote(value):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format is not None:
        cell.number_format = number_format
    return cell


def style_header(cell: Cell) -> None:
    """Give a header cell the dark header band."""
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    cell.border = THIN_BORDER


def style_input(cell: Cell, number_format: str | None = None) -> None:
    """Mark a cell as one the planner fills in (pale fill, thin border)."""
    cell.fill = INPUT_FILL
    cell.border = THIN_BORDER
    if number_format is not None:
        cell.number_format = number_format


def style_input_range(ws: Worksheet, col: int, first_row: int, last_row: int,
                      number_format: str | None = None) -> None:
    """Style rows ``first_row..last_row`` of column ``col`` as input cells.

    The first cell is styled normally and its style record copied to the rest:
    setting fill, border and format cell by cell costs openpyxl a hash of each
    style object every time, which dominates writing a large case.
    """
    if last_row < first_row:
        return
    first = ws.cell(row=first_row, column=col)
    quoted = first.quotePrefix
    style_input(first, number_format)
    first.quotePrefix = False
    record = first._style  # openpyxl's per-cell style record (indices into shared styles)
    for row in range(first_row + 1, last_row + 1):
        cell = ws.cell(row=row, column=col)
        keep_quote = cell.has_style and cell.quotePrefix
        cell._style = copy.copy(record)
        if keep_quote:  # text neutralised by write_cell keeps its quote prefix
            cell.quotePrefix = True
    first.quotePrefix = quoted


def add_note(cell: Cell, text: str, width_chars: int = 48) -> None:
    """Attach a note (comment) to ``cell``, sized so the whole text shows."""
    lines = sum(max(1, math.ceil(len(part) / width_chars)) for part in text.split("\n"))
    comment = Comment(safe_text(text), NOTE_AUTHOR)
    comment.width = 7 * width_chars + 20
    comment.height = 16 * lines + 24
    cell.comment = comment


def fit_width(values: Iterable[Any], minimum: float = MIN_WIDTH,
              maximum: float = MAX_WIDTH) -> float:
    """A column width (characters) wide enough for the longest of ``values``."""
    longest = 0
    for v in values:
        if is_blank(v):
            continue
        text = f"{v:,.2f}" if isinstance(v, float) else str(v)
        longest = max(longest, max(len(line) for line in text.split("\n")))
    return float(min(maximum, max(minimum, longest + 2)))


def set_width(ws: Worksheet, col: int, width: float) -> None:
    """Set the width (characters) of column number ``col``."""
    ws.column_dimensions[get_column_letter(col)].width = width


def print_landscape(ws: Worksheet, repeat_rows: str | None = None) -> None:
    """Print (and convert to PDF) landscape, fitted to the page width; repeat
    ``repeat_rows`` (such as ``"1:1"``, the header) on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if repeat_rows:
        ws.print_title_rows = repeat_rows
