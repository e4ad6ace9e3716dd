"""What an infeasible case could change: one relaxed row, in a planner's words.

Each relaxable constraint family describes its own rows (``describe`` in its
module), because only the family knows which workbook cell its limit came from
and what the slack of the elastic model means in that cell's unit.
:func:`sovopt.diagnose.typable` then turns the raw figures into values a
planner can type in (rounded in the safe direction, one per cell) and words
the message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Relaxation:
    """One limit that must move for the case to become feasible."""

    family: str  # constraint family (budget, localization, ...)
    limit: str  # the limit in words: "Budget 2027"
    cell: str  # where it is in the workbook: "Budget!B3"
    current: float
    needed: float
    message: str  # "Budget 2027 (Budget!B3) rose from 70 to 100 (+30)"
    integer: bool = False  # the cell holds a whole number (needed is rounded to one)
    key: tuple | None = None  # (family, what the limit is of), see diagnose.changed_limits

    @property
    def change(self) -> float:
        return self.needed - self.current

    @property
    def sheet(self) -> str:
        """The sheet of :attr:`cell` (``Budget``; also for ``Budget, column budget``,
        the place named when the workbook row is not known)."""
        return self.cell.split("!", 1)[0] if "!" in self.cell else self.cell.split(",")[0]

    @property
    def address(self) -> str:
        """The cell on its sheet (``B3``), blank when only the sheet is known."""
        return self.cell.split("!", 1)[1] if "!" in self.cell else ""


def fmt(value: float) -> str:
    """A number as a planner reads it: no float noise, thousands kept readable."""
    if abs(value - round(value)) < 1e-6:
        return f"{round(value):,}".replace(",", " ") if abs(value) >= 10000 else str(round(value))
    return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:.1f}"
