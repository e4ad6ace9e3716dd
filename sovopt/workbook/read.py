"""Read and validate a case workbook into a typed :class:`~sovopt.case.Case`.

:func:`read_case` is the only entry point. Everything it knows about sheets and
columns comes from :mod:`sovopt.schema` (names, kinds, defaults, ranges,
references), so the reader cannot drift from the template or the docs. It
reports every problem at once, each naming its cell (``Options!E7``), what is
wrong and what is expected, and raises :class:`~sovopt.errors.InvalidCase`
when there is any error. No solver code is imported here.

How it reads, one module per step: :mod:`sovopt.workbook.cells` (grids of stored
values, unusable cells, the capped reporter), :mod:`sovopt.workbook.parse` (cell
values to typed columns), :mod:`sovopt.workbook.sheets` (headers, rows, Settings,
Demand); then the schema's unique and reference rules on the cells, and
:func:`sovopt.validate.validate`, every rule across sheets, on the case as read
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sovopt import schema
from sovopt.case import Case, Settings
from sovopt.errors import Problem
from sovopt.schema import Column
from sovopt.validate import validate
from sovopt.workbook.cells import MAX_COLUMNS, MAX_ROWS, Grid, Reporter, guard, read_grids
from sovopt.workbook.files import open_workbook
from sovopt.workbook.parse import NUMERIC_KINDS, parse_number_text, shown_value
from sovopt.workbook.sheets import (
    DemandRead,
    SettingsRead,
    Table,
    empty_table,
    read_demand,
    read_settings,
    read_table,
    suggest,
)

__all__ = ["read_case", "parse_number_text", "MAX_ROWS", "MAX_COLUMNS"]


TIER_DEFAULT = "tier default"


# ---------------------------------------------------------------------------
# Checks across rows and sheets
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


def _all_id_tables(ctx: _Read) -> list[Table]:
    tables = list(ctx.tables.values())
    if ctx.demand is not None:
        tables.append(ctx.demand.table)
    return tables


def _check_unique(ctx: _Read, rep: Reporter) -> None:
    """Every ``unique`` column: a repeated value is an error naming both rows."""
    for table in _all_id_tables(ctx):
        for col in table.sheet.columns:
            if col.unique:
                _check_unique_column(table, col, rep)


def _check_unique_column(table: Table, col: Column, rep: Reporter) -> None:
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
        shown = shown_value(v) if col.kind not in NUMERIC_KINDS else f"{v:g}"
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


def _check_refs(ctx: _Read, rep: Reporter) -> None:
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
                  f"expected {home.range_text()}{suggest(value, ids[home.ref])}")
        ctx.settings.values.pop("home_country")


def _check_ref_column(table: Table, col: Column, valid: set[str], rep: Reporter) -> None:
    c = table.cols[col.name]
    ok = c.ok
    known = pd.Series(c.values).isin(valid).to_numpy()
    ref = table.ref(col.name)
    for i in np.flatnonzero(ok & ~known):
        value = c.values[i]
        rep.cell(ref, int(i), "unknown id", f"unknown {col.name} {value!r}",
                 lambda v=value: f"expected {col.range_text()}{suggest(v, valid)}")
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
_CHECKS: tuple[Callable[[_Read, Reporter], None], ...] = (_check_unique, _check_refs)


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
        demand=_demand_frame(ctx) if has_caps else pd.DataFrame(
            columns=["capability_id", "year", "demand", "row"]),
        options=tables["Options"], inputs=tables["Inputs"], budget=tables["Budget"],
        scenarios=tables["Scenarios"], repair=tables["Repair"],
        column_letters=_column_letters(ctx),
        settings_rows=dict(ctx.settings.rows), source=source)


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
    for check in _CHECKS:
        guard(rep, "workbook", check, ctx, rep)
    draft = guard(rep, "workbook", _draft_case, ctx, Path(path).name)
    if draft is not None:
        # a missing sheet is reported once, not again by each rule that needs its rows
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
