"""The Case: a validated planning case as typed tables, free of files and solvers.

The reader (:func:`sovopt.workbook.case_reader.read_case`) builds a Case from a
workbook; scripts, tests and the benchmark build one from plain records with
:func:`sovopt.case_records.build_case`. Both check it with
:func:`sovopt.validate.validate` first, so this module needs neither.
Every table keeps the workbook row each record came from in a ``row``
column (``None`` for data that did not come from a workbook) so that later
steps (the infeasibility diagnosis, the results) can point at the cell a
planner must change: :meth:`Case.cell`.

Tables and their columns (names as in :mod:`sovopt.schema`):

- ``countries``: country_id, name, tier, risk_score, max_share (tier default
  filled in), row
- ``suppliers``: supplier_id, name, country_id, activation_cost,
  capacity_per_year (NaN = unlimited), row
- ``capabilities``: capability_id, name, unit, criticality, min_suppliers,
  integer_units, row
- ``demand``: long form capability_id, year, demand, row (one row per
  capability and horizon year)
- ``options``: option_id, capability_id, supplier_id, mode, unit_cost, fixed_cost,
  local_content, lead_time_years, available_from, min_total_qty,
  max_qty_per_year (NaN = no cap), mandatory, notes, row
- ``inputs``: option_id, input, source_country_id, value_share, critical, row
- ``budget``: year, budget, min_local_share, row
- ``scenarios``: scenario_id, name, probability, country_id, loss, from_year,
  to_year, row
- ``repair``: repair_id, option_id, fixed_cost, lead_time_years,
  support_cost_factor, row (the sustainment families; empty in most cases)

Capabilities also carry requirement, stock_max, holding_cost, initial_stock,
and Options service_life_years (NaN when blank), support_cost,
support_country_id (None when blank) and partner_offtake_per_year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sovopt import schema


def _empty(sheet: str) -> pd.DataFrame:
    """A table with the sheet's columns (and ``row``) and no records."""
    return pd.DataFrame(columns=[*schema.sheet(sheet).column_names, "row"])


@dataclass(frozen=True)
class Settings:
    """The Settings sheet, typed. Build it with :meth:`from_values`, which fills in
    the defaults of :data:`sovopt.schema.SETTINGS` (the only place they are set)."""

    case_name: str
    home_country: str
    first_year: int
    last_year: int
    currency: str
    objective: str
    allow_unmet: bool
    time_limit_s: float
    mip_gap: float
    cvar_beta: float

    @classmethod
    def from_values(cls, values: dict[str, object]) -> Settings:
        """Settings from ``values``; a key not given takes its schema default."""
        return cls(**{**schema.SETTINGS_DEFAULTS, **values})

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def as_dict(self) -> dict[str, object]:
        return {c.name: getattr(self, c.name) for c in schema.SETTINGS.columns}


@dataclass
class Case:
    """A validated planning case: the Settings and one DataFrame per input sheet.

    >>> import sovopt
    >>> case = sovopt.example_case()
    >>> case.years[0], float(case.scaled("budget", 0.5).budget["budget"].iloc[0])
    (2027, 230.0)
    """

    settings: Settings
    countries: pd.DataFrame
    suppliers: pd.DataFrame
    capabilities: pd.DataFrame
    demand: pd.DataFrame
    options: pd.DataFrame
    inputs: pd.DataFrame
    budget: pd.DataFrame
    scenarios: pd.DataFrame
    repair: pd.DataFrame = field(default_factory=lambda: _empty("Repair"))
    #: sheet name -> column name -> column letter in the workbook it was read from
    column_letters: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Settings key -> workbook row of its value (column B)
    settings_rows: dict[str, int] = field(default_factory=dict)
    #: name of the file it was read from, if any
    source: str | None = None
    #: the validation warnings of the workbook it was read from (:func:`sovopt.read_case`)
    warnings: list = field(default_factory=list, repr=False, compare=False)

    @property
    def years(self) -> list[int]:
        return self.settings.years

    def cell(self, sheet: str, column: str, row: int | None) -> str:
        """``Sheet!B3`` for a column and workbook row, or ``Sheet, column`` if unknown."""
        letter = self.column_letters.get(sheet, {}).get(column)
        if letter is None or row is None or pd.isna(row):
            return f"{sheet}, column {column}"
        return f"{sheet}!{letter}{int(row)}"

    def setting_cell(self, key: str) -> str:
        row = self.settings_rows.get(key)
        return f"Settings!B{row}" if row else f"Settings, key {key}"

    def table(self, sheet: str) -> pd.DataFrame:
        """The table read from ``sheet`` (by its workbook name)."""
        return getattr(self, sheet.lower())

    # What-ifs without Excel: new validated Cases, named as ``sovopt sweep --vary`` names
    # an input (:mod:`sovopt.api.whatif`, which uses the sweep's own parser and change).
    # Imported when called: sovopt.api imports this module, so a module-level import
    # would be a circle.

    def scaled(self, name: str, factor: float) -> Case:
        """A copy with every value of a column scaled: ``case.scaled("budget", 0.9)``."""
        from sovopt.api.whatif import scaled
        return scaled(self, name, factor)

    def with_value(self, name: str, value: float) -> Case:
        """A copy with one cell set: ``case.with_value("option:AD-BUY-ALD.unit_cost", 12.0)``."""
        from sovopt.api.whatif import with_value
        return with_value(self, name, value)

    def with_scenario(self, scenario_id: str, **values: object) -> Case:
        """A copy with a scenario added or changed (:func:`sovopt.api.whatif.with_scenario`)."""
        from sovopt.api.whatif import with_scenario
        return with_scenario(self, scenario_id, **values)

