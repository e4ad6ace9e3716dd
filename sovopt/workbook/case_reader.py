"""Read and validate a case workbook into a typed :class:`~sovopt.case.Case`.

:func:`read_case` is the only entry point. Everything it knows about sheets and
columns comes from :mod:`sovopt.schema` (names, kinds, defaults, ranges,
references), so the reader cannot drift from the template or the docs. It
reports every problem at once, each naming its cell (``Options!E7``), what is
wrong and what is expected, and raises :class:`~sovopt.errors.InvalidCase`
when there is any error. No solver code is imported here.

How it reads, one module per step: :mod:`sovopt.workbook.cell_values` (grids of stored
values, unusable cells, the capped reporter), :mod:`sovopt.workbook.typed_columns` (cell
values to typed columns), :mod:`sovopt.workbook.sheet_tables` (headers, rows, Settings,
Demand); then :func:`sovopt.validate.validate`, every rule beyond a single cell
(unique and reference columns, rules across sheets), on the case as read
(unusable cells blank); only then the typed Case.

Decisions where the contract is silent:

- A missing Inputs or Scenarios sheet (``may_be_empty`` in the schema) is a
  warning and reads as empty; any other missing sheet is an error. Sheet names
  match case-insensitively after trimming; other sheets (About, result
  sheets) are ignored.
- Exactly one Countries row has tier ``home``, and it is ``home_country``
  (:mod:`sovopt.validate`).
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

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sovopt import schema
from sovopt.case import Case, Settings
from sovopt.errors import Problem
from sovopt.validate import validate
from sovopt.workbook.cell_values import MAX_COLUMNS, MAX_ROWS, Grid, Reporter, guard, read_grids
from sovopt.workbook.open_safely import open_workbook
from sovopt.workbook.sheet_tables import (
    DemandRead,
    SettingsRead,
    Table,
    empty_table,
    read_demand,
    read_settings,
    read_table,
)
from sovopt.workbook.typed_columns import NUMERIC_KINDS, parse_number_text

__all__ = ["read_case", "parse_number_text", "MAX_ROWS", "MAX_COLUMNS"]


TIER_DEFAULT = "tier default"


# ---------------------------------------------------------------------------
# What was read, and the blanks filled from Settings and tiers
# ---------------------------------------------------------------------------

@dataclass
class _Read:
    """Everything read from the workbook, as the checks and the Case builder need it."""

    settings: SettingsRead
    tables: dict[str, Table]
    demand: DemandRead | None

    @property
    def years(self) -> list[int] | None:
        return self.settings.years

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)


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


# ---------------------------------------------------------------------------
# The Case
# ---------------------------------------------------------------------------

def _draft_frame(table: Table) -> pd.DataFrame:
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
    tables = {sheet.name: _draft_frame(ctx.tables.get(sheet.name) or empty_table(sheet))
              for sheet in _TABLE_SHEETS}
    has_caps = "Capabilities" in ctx.tables
    values = {name: ctx.settings.values.get(name) for name in _SETTING_NAMES}
    if ctx.years is None:  # no usable horizon (reported): no rule may rely on one
        values.update(first_year=None, last_year=None)
    settings = Settings(**values)
    return Case(
        settings=settings, countries=tables["Countries"], suppliers=tables["Suppliers"],
        capabilities=tables["Capabilities"],
        demand=_draft_demand(ctx) if has_caps or ctx.demand is not None else pd.DataFrame(
            columns=["capability_id", "year", "demand", "row"]),
        options=tables["Options"], inputs=tables["Inputs"], budget=tables["Budget"],
        scenarios=tables["Scenarios"], repair=tables["Repair"],
        column_letters=_column_letters(ctx),
        settings_rows=dict(ctx.settings.rows), source=source)


def _draft_demand(ctx: _Read) -> pd.DataFrame:
    """Long-form demand of every Demand row as read (unknown and repeated capability ids
    included, unusable cells blank), one record per row and year (one per row without a
    horizon): the key rules of :mod:`sovopt.validate` check its capability_id cells."""
    if ctx.demand is None:  # no sheet (reported): every capability's row unknown
        return _demand_frame(ctx)
    table = ctx.demand.table
    c = table.cols["capability_id"]
    ids = np.where(c.ok, c.values, None)
    years: list[Any] = ctx.years or [None]
    matrix = np.full((table.n, len(years)), np.nan)
    for k, y in enumerate(years):
        col = ctx.demand.years.get(y)
        if col is not None:
            matrix[:, k] = np.where(col.ok, col.values.astype(float), np.nan)
    return pd.DataFrame({
        "capability_id": pd.Series(np.repeat(ids, len(years)), dtype=object),
        "year": pd.Series(np.tile(np.array(years, dtype=object), table.n), dtype=object),
        "demand": matrix.ravel(),
        "row": np.repeat(table.rows.astype(np.int64), len(years)),
    })


def _frame(table: Table) -> pd.DataFrame:
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


def _read_all(grids: dict[str, Grid | None], rep: Reporter) -> _Read:
    """Read the Settings, every table sheet and Demand from their grids."""
    settings = guard(rep, "Settings", read_settings, grids.get("Settings"), rep)
    settings = settings or SettingsRead()
    tables: dict[str, Table] = {}
    for sheet in _TABLE_SHEETS:
        table = guard(rep, sheet.name, read_table, grids.get(sheet.name), sheet, rep)
        if table is not None:
            tables[sheet.name] = table
    demand = guard(rep, "Demand", read_demand, grids.get("Demand"), settings.years, rep)
    return _Read(settings, tables, demand)


def read_case(path: str | Path) -> tuple[Case, list[Problem]]:
    """Read, check and type the case workbook at ``path``.

    Returns the Case and the warnings. Raises
    :class:`~sovopt.errors.InvalidCase` with every error and warning when
    there is any error, and :class:`~sovopt.errors.SovoptError` (one line)
    when the file is not a readable .xlsx workbook.
    """
    rep = Reporter()
    with open_workbook(path) as book:
        grids = read_grids(book, rep)
    ctx = _read_all(grids, rep)
    _fill_from_settings(ctx)
    _fill_tier_defaults(ctx)
    draft = guard(rep, "workbook", _draft_case, ctx, Path(path).name)
    if draft is not None:
        # a missing sheet, or a cell the reader could not use, is reported once, not
        # again by each rule that needs it (the rules see such a cell as blank)
        missing = {sheet.name for sheet in _TABLE_SHEETS if sheet.name not in ctx.tables}
        reported = {p.where for p in rep.problems.problems if p.is_error}
        rep.problems.problems.extend(
            p for p in guard(rep, "workbook", validate, draft) or []
            if re.split(r"[!,]", p.where, maxsplit=1)[0] not in missing
            and p.where not in reported)
    rep.flush()
    rep.problems.raise_if_errors()
    case = guard(rep, "workbook", _build_case, ctx, Path(path).name)
    rep.problems.raise_if_errors()
    assert case is not None
    return case, rep.problems.warnings
