"""Small case workbooks for tests, written directly with openpyxl.

Independent of sovopt's own writer on purpose: the reader is tested against
workbooks laid out the way a planner (or a script) would make them.
:class:`CaseBook` holds each sheet as a list of rows (row 1 = headers) and is
edited by Excel cell reference, so tests read like the workbook they build::

    book = CaseBook()                      # the minimal valid case
    book.set("Options", "E3", "abc")       # unit_cost of O2
    path = book.save(tmp_path / "case.xlsx")
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.workbook.workbook import Workbook

OPTION_HEADERS = ["option_id", "capability_id", "supplier_id", "mode", "unit_cost",
                  "fixed_cost", "local_content", "lead_time_years", "available_from",
                  "min_total_qty", "max_qty_per_year", "mandatory", "notes"]


def minimal_tables() -> dict[str, list[list[Any]]]:
    """A small valid case: horizon 2026..2028, two capabilities, four options.

    Blank cells (None) exercise the defaults; O4's supplier is in a prohibited
    country (valid: the model-prep step excludes it).
    """
    return {
        "Settings": [
            ["key", "value"],
            ["case_name", "Test case"],
            ["home_country", "HOM"],
            ["first_year", 2026],
            ["last_year", 2028],
            ["currency", "EUR"],
            ["objective", "min_cost"],
        ],
        "Countries": [
            ["country_id", "name", "tier", "risk_score", "max_share"],
            ["HOM", "Homeland", "home", 0, None],
            ["ALY", "Allyland", "ally", 0.1, None],
            ["PAR", "Partnerland", "partner", 0.3, 0.5],
            ["ADV", "Adversaria", "adversary", 0.9, None],
            ["PRO", "Prohibitia", "prohibited", 1, None],
        ],
        "Suppliers": [
            ["supplier_id", "name", "country_id", "activation_cost", "capacity_per_year"],
            ["S1", "HomeCo", "HOM", 0, None],
            ["S2", "AllyCorp", "ALY", 1000, 50],
            ["S3", "PartnerWorks", "PAR", None, None],
            ["S4", "ProhibCo", "PRO", None, None],
        ],
        "Capabilities": [
            ["capability_id", "name", "unit", "criticality", "min_suppliers", "integer_units"],
            ["C1", "Artillery rounds", "round", 2, 1, "yes"],
            ["C2", "Radars", None, None, None, None],
        ],
        "Demand": [
            ["capability_id", 2026, 2027, 2028],
            ["C1", 100, 120, 150],
            ["C2", 2, None, 3],
        ],
        "Options": [
            OPTION_HEADERS,
            ["O1", "C1", "S1", "domestic", 10, 5000, 0.9, 2, None, 0, None, "no", "home line"],
            ["O2", "C1", "S2", "buy", 8, None, 0.1, None, 2027, None, 60, None, None],
            ["O3", "C2", "S3", "license", 1e6, 2e5, 0.4, 1, None, None, None, "yes", None],
            ["O4", "C2", "S4", "buy", 5e5, None, None, None, None, None, None, None, None],
        ],
        "Inputs": [
            ["option_id", "input", "source_country_id", "value_share", "critical"],
            ["O2", "seeker", "PAR", 0.2, "yes"],
            ["O3", "chips", "ADV", 0.1, "no"],
        ],
        "Budget": [
            ["year", "budget", "min_local_share"],
            [2026, 1e7, 0.3],
            [2027, 1.2e7, None],
            [2028, 1.5e7, 0.4],
        ],
        "Scenarios": [
            ["scenario_id", "name", "probability", "country_id", "loss", "from_year",
             "to_year"],
            ["SC1", "Embargo", 0.1, "ADV", 1.0, 2027, None],
            ["SC2", "Blockade", 0.05, "PAR", 0.5, None, None],
            ["SC2", "Blockade", 0.05, "ALY", 0.2, None, 2027],
        ],
    }


class CaseBook:
    """A case workbook as plain rows per sheet, edited by cell and saved with openpyxl."""

    def __init__(self, tables: dict[str, list[list[Any]]] | None = None):
        self.sheets = copy.deepcopy(tables if tables is not None else minimal_tables())

    def set(self, sheet: str, cell: str, value: Any) -> CaseBook:
        """Set one cell (``"E7"``), growing the sheet as needed."""
        letters, row = coordinate_from_string(cell)
        col = column_index_from_string(letters)
        rows = self.sheets[sheet]
        while len(rows) < row:
            rows.append([])
        line = rows[row - 1]
        while len(line) < col:
            line.append(None)
        line[col - 1] = value
        return self

    def letter(self, sheet: str, header: str) -> str:
        """The column letter of ``header`` in row 1 of ``sheet``."""
        return get_column_letter(self.sheets[sheet][0].index(header) + 1)

    def set_value(self, sheet: str, row: int, header: str, value: Any) -> CaseBook:
        """Set the cell of column ``header`` in workbook row ``row``."""
        return self.set(sheet, f"{self.letter(sheet, header)}{row}", value)

    def append(self, sheet: str, values: list[Any]) -> int:
        """Add a row at the end of ``sheet``; return its workbook row number."""
        self.sheets[sheet].append(list(values))
        return len(self.sheets[sheet])

    def drop_sheet(self, sheet: str) -> CaseBook:
        del self.sheets[sheet]
        return self

    def drop_column(self, sheet: str, header: str) -> CaseBook:
        j = self.sheets[sheet][0].index(header)
        for line in self.sheets[sheet]:
            if len(line) > j:
                del line[j]
        return self

    def workbook(self) -> Workbook:
        """The openpyxl workbook, one sheet per table, in insertion order."""
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for name, rows in self.sheets.items():
            ws = wb.create_sheet(name)
            for line in rows:
                ws.append(list(line))
        return wb

    def save(self, path: Path, edit: Callable[[Workbook], None] | None = None) -> Path:
        """Write the workbook to ``path``; ``edit`` may change it first (merges, hidden rows)."""
        wb = self.workbook()
        if edit is not None:
            edit(wb)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        return path


def write_case(path: Path, edit: Callable[[CaseBook], Any] | None = None) -> Path:
    """The minimal valid case, optionally edited, saved to ``path``."""
    book = CaseBook()
    if edit is not None:
        edit(book)
    return book.save(path)


def big_case_book(n_options: int) -> CaseBook:
    """The minimal case with ``n_options`` options (for the speed test)."""
    book = CaseBook()
    rows = [OPTION_HEADERS]
    for i in range(n_options):
        rows.append([f"O{i}", "C1" if i % 2 else "C2", f"S{1 + i % 3}", "buy",
                     10.0 + i % 7, 1000.0, 0.2, 1, 2026, 0, None, "no", f"note {i}"])
    book.sheets["Options"] = rows
    book.sheets["Inputs"] = book.sheets["Inputs"][:1]
    return book
