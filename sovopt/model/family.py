"""What a constraint family declares about itself, so that nothing else has to know.

Each module of :mod:`sovopt.model.constraints` ends with ``FAMILY = Family(...)``,
and the registry (``REGISTRY`` in that package) lists the modules in build
order. Everything that used to be written out per family elsewhere is read
from there:

- ``optional``: a preset may switch the family off (``switch_off``);
- ``terms``: the objective terms whose value the family's rows define, so a
  preset that uses one of them may not switch the family off;
- ``needs``: the families whose Pyomo components this one reads when they are
  in the model (it is built after them; a test checks the order);
- ``reference``: for a family whose ``add`` builds its rows as arrays
  (:mod:`sovopt.model.arrays`), the Pyomo block that is their reference
  definition (a test checks that both give the same rows);
- ``implied``: the family's rows follow from other families' rows (they only
  tighten the LP relaxation); the infeasibility diagnosis, which relaxes the
  rows they follow from, leaves such a family out;
- ``relax``: whether the infeasibility diagnosis gives the family's rows a
  slack, which of its rows (by bound type), what one unit of slack is worth
  (``scale``), how much a unit of it costs (``weight``) and which workbook
  limit a row's index comes from (``key``: a country's share cap serves every
  capability and year of that country), where that limit is in the data
  (``limit``: table and column, indexed by ``by`` when not by the table's
  own index) and whether it is a cap or a floor (``bound``), so the diagnosis
  can tell a limit tightened since an earlier run; ``describe`` then turns a
  used slack into the cell a planner changes.

A new family is one module (with ``add``, its maths in the docstring and its
``FAMILY``) and one line in the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Bound types of a compiled row (:mod:`sovopt.highs`): ≥, =, ≤.
LOWER, EQUAL, UPPER = -1, 0, 1
ANY_ROW = frozenset((LOWER, EQUAL, UPPER))


def limit_scale(d: Any, index: Any, rhs: float, coef_max: float) -> float:
    """One unit of slack is worth the row's own limit (its right-hand side), or its
    largest coefficient when the limit is 0."""
    return abs(rhs) if abs(rhs) > 1e-9 else (coef_max or 1.0)


def same_index(index: Any) -> Any:
    """A row whose index is its limit's own (a year, a capability, (capability, year))."""
    return index


@dataclass(frozen=True)
class Relax:
    """How the diagnosis relaxes a family's rows: ``rows`` (bound types given a slack),
    ``scale(d, index, rhs, coef_max)`` (the row's limit in its own unit),
    ``weight`` (the cost of one unit of scaled slack) and ``key(index)`` (the
    workbook limit the row comes from, as the diagnosis names changed limits)."""

    scale: Callable[[Any, Any, float, float], float] = limit_scale
    rows: frozenset[int] = ANY_ROW
    weight: float = 1.0
    key: Callable[[Any], Any] = same_index
    limit: tuple[str, str] | None = None  # (ModelData table, column) of the limit
    by: tuple[str, ...] = ()  # the table's columns that index the limit, if not its index
    bound: str = "cap"  # "cap": tighter when lower; "floor": tighter when higher

    def tighter(self, old: float, new: float) -> bool:
        """Whether the limit moved from ``old`` to ``new`` is tighter (a cap lowered, a
        floor raised)."""
        return new > old if self.bound == "floor" else new < old


@dataclass(frozen=True)
class Family:
    """One constraint family's links (see the module docstring)."""

    name: str
    add: Callable[[Any, Any], None]
    reference: Callable[[Any, Any], None] | None = None
    optional: bool = True
    terms: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    implied: bool = False
    relax: Relax | None = None
    describe: Callable[..., Any] | None = None

    def __post_init__(self) -> None:
        if self.relax is not None and self.describe is None:
            raise ValueError(f"family {self.name}: a relaxable family needs describe()")
        if self.implied and (self.relax is not None or not self.optional):
            raise ValueError(f"family {self.name}: an implied family is optional and "
                             "never relaxed")


def row_family(row: Any) -> str:
    """The name of the family a compiled row belongs to (a Pyomo row's component, an
    array row's block), the one way a row is matched to its :class:`Family`."""
    return row.parent_component().local_name
