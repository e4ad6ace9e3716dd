"""What an infeasible case must change: one relaxed row, in a planner's words.

Each relaxable constraint family describes its own rows (``describe`` in its
module), because only the family knows which workbook cell its limit came from
and what the slack of the elastic model means in that cell's unit.
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
    message: str  # "Budget 2027 (Budget!B3) must rise by 30.0 to 100.0"

    @property
    def change(self) -> float:
        return self.needed - self.current


def fmt(value: float) -> str:
    """A number as a planner reads it: no float noise, thousands kept readable."""
    if abs(value - round(value)) < 1e-6:
        return f"{round(value):,}".replace(",", " ") if abs(value) >= 10000 else str(round(value))
    return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:.1f}"
