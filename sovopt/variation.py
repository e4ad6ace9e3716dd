"""What a change of the case's inputs is: a ``--vary`` name parsed against a case, and
the change applied to a copy.

One implementation for ``sovopt sweep --vary`` (:mod:`sovopt.studies.sweep`), the
study workers (:mod:`sovopt.studies.tasks`) and the Python what-ifs
(``Case.scaled``, ``Case.with_value``: :mod:`sovopt.api.whatif`), so a name means
the same in all of them. A name is ``COLUMN`` or ``SHEET.COLUMN`` (every value of a
numeric column scaled) or ``SHEET:ID.COLUMN`` (one row's cell set).

It needs no Case at run time (a case is read through its tables and copied with
``dataclasses.replace``), so the Case's own what-if methods can use it without an
import circle.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sovopt import schema
from sovopt.errors import EXIT_USAGE, SovoptError

if TYPE_CHECKING:
    from sovopt.case import Case


#: Most points one sweep may have (a typo such as 0:1:1000 is refused, not run).
MAX_POINTS = 10_000

#: Singular and plural names a user may give for a sheet.
SHEET_WORDS = {
    **{s.name.lower(): s.name for s in schema.SHEETS},
    "country": "Countries", "supplier": "Suppliers", "capability": "Capabilities",
    "option": "Options", "scenario": "Scenarios", "input": "Inputs",
}

@dataclass(frozen=True)
class Change:
    """One edit of the case's inputs.

    ``how`` is ``scale`` (multiply every value of ``sheet.column`` by ``value``)
    or ``set`` (set ``column`` of the rows of ``sheet`` whose key is ``key`` to
    ``value``). ``name`` is how the user wrote the input (``budget``,
    ``scenario:EMB-X.loss``).
    """

    name: str
    how: str
    sheet: str
    column: str
    value: float
    key: str | None = None

    def describe(self) -> str:
        return f"{self.name}×{self.value:g}" if self.how == "scale" else \
            f"{self.name}={self.value:g}"


#: Key column of each sheet a Change may name (Demand: capability_id, long form).
KEYS = {"Countries": "country_id", "Suppliers": "supplier_id", "Capabilities": "capability_id",
        "Demand": "capability_id", "Options": "option_id", "Budget": "year",
        "Scenarios": "scenario_id", "Inputs": "option_id"}


def apply_changes(case: Case, changes: tuple[Change, ...] | list[Change]) -> Case:
    """A copy of ``case`` with ``changes`` applied (the case itself is not touched)."""
    if not changes:
        return case
    tables: dict[str, pd.DataFrame] = {}
    for ch in changes:
        attr = ch.sheet.lower()
        df = tables.get(attr)
        if df is None:
            df = tables[attr] = getattr(case, attr).copy()
        if ch.how == "scale":
            df[ch.column] = df[ch.column].astype(float) * ch.value
        else:
            keys = df[KEYS[ch.sheet]].astype(str)
            df.loc[keys == str(ch.key), ch.column] = ch.value
    return replace(case, **tables)


class BadVary(SovoptError):
    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Vary:
    """One varied input: its name as written, what it changes, and its values."""

    name: str
    how: str  # scale | set
    sheet: str
    column: str
    values: tuple[float, ...]
    key: str | None = None

    def change(self, value: float) -> Change:
        return Change(self.name, self.how, self.sheet, self.column, float(value), self.key)

    @property
    def heading(self) -> str:
        return f"{self.name} (×)" if self.how == "scale" else self.name


def _numeric_columns(sheet: str) -> list[str]:
    if sheet == "Demand":
        return ["demand"]
    return [c.name for c in schema.sheet(sheet).columns if c.kind == "number"]


def _column_def(sheet: str, column: str) -> schema.Column:
    if sheet == "Demand":
        return schema.DEMAND.year_column  # type: ignore[return-value]
    return schema.sheet(sheet).column(column)


def parse_values(text: str, spec: str) -> tuple[float, ...]:
    """``LO:HI:N`` (N evenly spaced values, ends included) or ``V1,V2,...``."""
    try:
        if ":" in text:
            lo, hi, n = text.split(":")
            count = int(n)
            if count < 1:
                raise ValueError
            if count > MAX_POINTS:
                raise BadVary(f"--vary {spec}: {count} values is more than {MAX_POINTS}")
            values = np.linspace(float(lo), float(hi), count)
        else:
            values = np.array([float(v) for v in text.split(",") if v.strip()])
    except ValueError:
        raise BadVary(f"--vary {spec}: expected values as LO:HI:N (N a whole number ≥ 1) or "
                      "V1,V2,...") from None
    if not len(values) or not np.all(np.isfinite(values)):
        raise BadVary(f"--vary {spec}: expected finite numbers")
    return tuple(round(float(v), 12) for v in values)


def parse_vary(spec: str, case: Case) -> Vary:
    """A ``--vary`` text checked against the case: the input exists, every value is allowed."""
    name, sep, values_text = spec.partition("=")
    name = name.strip()
    if not sep or not name:
        raise BadVary(f"--vary {spec}: expected NAME=LO:HI:N, e.g. budget=0.8:1.2:5 or "
                      "scenario:EMB-X.loss=0:1:5")
    values = parse_values(values_text.strip(), spec)
    cell = re.fullmatch(r"([^:.]+):(.+)\.([^.]+)", name)
    if cell:
        sheet = _sheet(cell.group(1), spec)
        key, column = cell.group(2).strip(), cell.group(3).strip().lower()
        vary = Vary(name, "set", sheet, _column(sheet, column, spec), values, key)
        keys = case.table(sheet)[KEYS.get(sheet, "")].astype(str) if sheet in KEYS else None
        if sheet == "Budget" and keys is not None:
            keys = keys.str.replace(r"\.0$", "", regex=True)
        if keys is None or sheet == "Demand":
            raise BadVary(f"--vary {spec}: cells of {sheet} cannot be set one by one; scale "
                          "its column instead")
        if key not in set(keys):
            known = ", ".join(sorted(set(keys))[:10])
            raise BadVary(f"--vary {spec}: {sheet} has no row {key!r} (it has {known})")
        _check_range(vary, [values], spec)
        return vary
    if "." in name:
        sheet_word, column = name.split(".", 1)
        sheet = _sheet(sheet_word, spec)
        column = _column(sheet, column.strip().lower(), spec)
    else:
        column = name.lower()
        owners = [s.name for s in schema.SHEETS if s.layout != "settings"
                  and column in _numeric_columns(s.name)]
        if not owners:
            raise BadVary(f"--vary {spec}: no sheet has a numeric column {column!r} "
                          f"(for one cell write SHEET:ID.COLUMN)")
        if len(owners) > 1:
            raise BadVary(f"--vary {spec}: {column!r} is a column of "
                          f"{' and '.join(owners)}; write SHEET.{column}")
        sheet = owners[0]
    vary = Vary(name, "scale", sheet, column, values)
    if any(v < 0 for v in values):
        raise BadVary(f"--vary {spec}: a scale factor must be ≥ 0")
    col = case.table(sheet)[column].astype(float)
    _check_range(vary, [[col.max() * v for v in values]], spec)
    return vary


def _check_range(vary: Vary, groups: list, spec: str) -> None:
    col = _column_def(vary.sheet, vary.column)
    for values in groups:
        for v in values:
            if math.isnan(v):
                continue
            low = col.minimum is not None and (v < col.minimum or (
                col.exclusive_minimum and v == col.minimum))
            high = col.maximum is not None and (v > col.maximum + 1e-12 or (
                col.exclusive_maximum and v == col.maximum))
            if low or high:
                raise BadVary(f"--vary {spec}: {vary.sheet} {vary.column} would be {v:g}; "
                              f"expected {col.range_text()}")


def _sheet(word: str, spec: str) -> str:
    sheet = SHEET_WORDS.get(word.strip().lower())
    if sheet is None or sheet == "Settings":
        raise BadVary(f"--vary {spec}: no sheet {word!r}; expected one of "
                      f"{', '.join(s.name for s in schema.SHEETS[1:])}")
    return sheet


def _column(sheet: str, column: str, spec: str) -> str:
    columns = _numeric_columns(sheet)
    if column not in columns:
        raise BadVary(f"--vary {spec}: {sheet} has no numeric column {column!r}; expected "
                      f"one of {', '.join(columns)}")
    return column


def is_given(vary: Vary, value: float, case: Case | None) -> bool:
    """``vary`` at ``value`` leaves the case as given (a factor 1; a cell set to what it
    holds)."""
    if vary.how == "scale":
        return value == 1.0
    if case is None or vary.sheet not in KEYS:
        return False
    df = case.table(vary.sheet)
    keys = df[KEYS[vary.sheet]].astype(str).str.replace(r"\.0$", "", regex=True)
    now = pd.to_numeric(df.loc[keys == str(vary.key), vary.column], errors="coerce")
    return bool(len(now)) and bool(np.all(np.abs(now.to_numpy(float) - value) <= 1e-12))
