"""Cell values to typed values, one column at a time, every unusable cell reported.

The parsers follow the column's kind in :mod:`sovopt.schema` (id, text, number,
integer, year, bool, choice); :func:`convert_column` has a fast path for columns
of plain numbers, so 30,000 option rows read quickly. Numbers stored as text are
read by :func:`parse_number_text` (grouped thousands, decimal commas, percent).
Whole-number and range checks are vectorised over the column; blank optional
cells take the schema default, blank required cells are errors.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sovopt import schema
from sovopt.errors import suggest
from sovopt.schema import MAX_TEXT_CHARS, Column
from sovopt.workbook.cell_values import CellRef, Reporter, Unreadable, is_blank

MIN_YEAR, MAX_YEAR = 1900, 2200
TOLERANCE = 1e-9
MAX_WHOLE = 1e15  # whole numbers beyond this are typing errors (and overflow int64)
NUMERIC_KINDS = ("number", "integer", "year")
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_NONE_TYPE = type(None)


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


def as_text(value: Any) -> str:
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


def shown_value(value: Any) -> str:
    """A cell value quoted for a message."""
    return repr(value) if isinstance(value, str) else as_text(value)


def _date_error(value: Any) -> _CellError:
    return _CellError(f"is a date or time ({as_text(value)})")


def _parse_id(value: Any) -> tuple[str, str | None]:
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise _date_error(value)
    return _bounded_text(unicodedata.normalize("NFC", as_text(value))), None


def _parse_text(value: Any) -> tuple[str, str | None]:
    return _bounded_text(as_text(value)), None


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
        raise _CellError(f"is a yes/no value ({as_text(value)})")
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
    raise _CellError(f"{shown_value(value)} is not a number")


def _parse_bool(value: Any) -> tuple[bool, str | None]:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value), None
    word = as_text(value).lower()
    if word in schema.TRUE_WORDS:
        return True, None
    if word in schema.FALSE_WORDS:
        return False, None
    raise _CellError(f"{shown_value(value)} is not yes or no",
                     "expected yes or no (also true/false, y/n, 1/0)")


class Reading(str):
    """A parser's note that the cell was read as another spelling (a warning of its own
    kind, with what to type instead), rather than a number stored as text."""

    expected: str = ""


def _make_choice_parser(col: Column) -> Callable[[Any], tuple[str, str | None]]:
    def parse(value: Any) -> tuple[str, str | None]:
        word = as_text(value).lower()
        if word in col.choices:
            return word, None
        canonical = schema.canonical_choice(word, col.choices)
        if canonical is not None:
            note = Reading(f"{shown_value(value)} is read as {canonical!r}")
            note.expected = f"type {canonical!r}, the spelling the workbook uses"
            return canonical, note
        raise _CellError(f"{shown_value(value)} is not allowed{suggest(word, col.choices)}")
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
class Col:
    """One column's typed values (float with NaN for numeric kinds, else objects) and
    which cells were blank or could not be read (already reported)."""

    values: np.ndarray
    bad: np.ndarray
    blank: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        """Cells holding a usable value (given or defaulted)."""
        return ~self.bad & ~(self.blank & _isnull(self.values))

    def take(self, keep: np.ndarray) -> Col:
        return Col(self.values[keep], self.bad[keep], self.blank[keep])


def _isnull(values: np.ndarray) -> np.ndarray:
    return pd.isna(values) if values.dtype == object else np.isnan(values)


def convert_column(values: list[Any], col: Column, label: str, ref: CellRef,
             rep: Reporter) -> Col:
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
    return Col(out, bad, blank)


def _convert_cells(values: list[Any], col: Column, label: str, ref: CellRef,
                   rep: Reporter, out: np.ndarray, bad: np.ndarray,
                   blank: np.ndarray) -> None:
    """The slow path: one value at a time, for columns with text, dates or markers."""
    parse = _parser(col)
    for i, v in enumerate(values):
        if isinstance(v, Unreadable):
            bad[i] = True
            if v.message:
                rep.cell(ref, i, "unreadable", v.message, v.expected)
            continue
        if is_blank(v):
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
            if isinstance(note, Reading):
                rep.cell(ref, i, "spelling", f"{label} {note}", note.expected,
                         severity="warning")
            elif note:
                rep.cell(ref, i, "text-number", f"{label} {note}", "type it as a number",
                         severity="warning")


def _check_numbers(out: np.ndarray, bad: np.ndarray, blank: np.ndarray, col: Column,
                   label: str, ref: CellRef, rep: Reporter) -> None:
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
    if hi == 1.0 and (lo is None or lo >= 0):  # a share typed as a percent (24 for 0.24)
        with np.errstate(invalid="ignore"):
            percent = given & outside & (out >= 2.0) & (out <= 100.0)
        for i in np.flatnonzero(percent):
            rep.cell(ref, int(i), "is out of range", f"{label} {out[i]:g} is out of range",
                     f"{_expected(col)} (did you mean {out[i] / 100:g}?)")
        bad[percent] = True
        outside &= ~percent
        given &= ~percent
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
                 label: str, ref: CellRef, rep: Reporter) -> None:
    for i in np.flatnonzero(mask):
        rep.cell(ref, int(i), what, f"{label} {out[i]:g} {what}", _expected(col))
    bad[mask] = True


def _fill_defaults(out: np.ndarray, bad: np.ndarray, blank: np.ndarray, col: Column,
                   label: str, ref: CellRef, rep: Reporter) -> None:
    """Blank required cells are errors; blank optional cells take the schema default."""
    if col.required:
        for i in np.flatnonzero(blank):
            rep.cell(ref, int(i), "blank", f"{label} is blank but required", _expected(col))
        bad[blank] = True
    elif col.default is not None and blank.any():
        default = float(col.default) if col.kind in NUMERIC_KINDS else col.default
        out[blank] = default
