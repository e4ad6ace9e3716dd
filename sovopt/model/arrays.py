"""Rows built as arrays: where Pyomo's cost per row is out of reach.

Pyomo stays the modelling language: every variable is a Pyomo Var, and every
family has a Pyomo block (``add_pyomo``) that is the reference definition of
its rows. A family whose rows are too many for Pyomo's expression build and
compile (about 35 µs a row together, measured at size L) may instead add them
as one :class:`ArrayRows` block (``lower ≤ A·x ≤ upper`` over columns named by
Pyomo Vars) built with numpy; a test builds both on a small case and checks
that the compiled rows are the same. :func:`sovopt.highs.to_highs` appends the
blocks to the compiled Pyomo part.

The blocks live in ``m.array_rows`` (family name -> block) so that a family
can ask whether another one was built (:func:`has_rows`), as the HHI family
asks about country_share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from scipy import sparse


@dataclass
class ArrayRows:
    """One family's rows ``lower ≤ A·[columns] ≤ upper``.

    ``columns`` are segments (indexed Var, positions in the Var's index
    order); the columns of ``A`` are the segments' entries, concatenated.
    ``keys`` are the row index columns (a row's index is the tuple of the
    i-th entries, the same as the Pyomo block's ConstraintData index; one
    column gives a scalar index).
    """

    family: str
    keys: tuple[list, ...]
    columns: list[tuple[pyo.Var, np.ndarray]]
    A: sparse.coo_array
    lower: np.ndarray
    upper: np.ndarray

    @property
    def num_row(self) -> int:
        return len(self.lower)

    def index(self, i: int):
        """The index of row ``i``, as the Pyomo block would have it."""
        if len(self.keys) == 1:
            return self.keys[0][i]
        return tuple(k[i] for k in self.keys)


def add_rows(m: pyo.ConcreteModel, block: ArrayRows) -> None:
    """Register ``block`` on ``m`` (empty blocks are dropped)."""
    if block.num_row == 0:
        return
    if not hasattr(m, "array_rows"):
        m.array_rows = {}
    m.array_rows[block.family] = block


def array_blocks(m: pyo.ConcreteModel) -> list[ArrayRows]:
    """The array blocks of ``m`` in the order they were added."""
    return list(getattr(m, "array_rows", {}).values())


def has_rows(m: pyo.ConcreteModel, family: str) -> bool:
    """Whether ``m`` has rows of ``family``, built by Pyomo or as arrays."""
    return m.find_component(family) is not None or family in getattr(m, "array_rows", {})


def rows_of(m: pyo.ConcreteModel, family: str) -> set:
    """The row indices of ``family`` in ``m`` (Pyomo block or array block)."""
    block = getattr(m, "array_rows", {}).get(family)
    if block is not None:
        return {block.index(i) for i in range(block.num_row)}
    con = m.find_component(family)
    return set(con.keys()) if con is not None else set()


def segment(var: pyo.Var, positions=None) -> tuple[pyo.Var, np.ndarray]:
    """A column segment: ``var``'s entries at ``positions`` (default: all, in order)."""
    if positions is None:
        positions = np.arange(len(var))
    return var, np.asarray(positions, dtype=np.int64)


def block(family: str, keys: tuple[list, ...], columns: list[tuple[pyo.Var, np.ndarray]],
          rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lower, upper) -> ArrayRows:
    """An :class:`ArrayRows` from COO triplets (``cols`` index the concatenated segments)."""
    lower = np.broadcast_to(np.asarray(lower, dtype=float), (len(keys[0]),)).copy()
    upper = np.broadcast_to(np.asarray(upper, dtype=float), (len(keys[0]),)).copy()
    width = sum(len(pos) for _, pos in columns)
    A = sparse.coo_array((np.asarray(vals, dtype=float),
                          (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
                         shape=(len(lower), width))
    return ArrayRows(family, keys, columns, A, lower, upper)


class ArrayRowData:
    """Stands where a Pyomo ConstraintData stands for an array-built row.

    It answers what callers of :attr:`sovopt.highs.HighsModel.rows` ask of a
    row: ``parent_component().local_name`` (the family) and ``index()``.
    """

    __slots__ = ("_block", "_i")

    def __init__(self, block: ArrayRows, i: int):
        self._block, self._i = block, i

    @property
    def local_name(self) -> str:
        return self._block.family

    def parent_component(self) -> ArrayRowData:
        return self

    def index(self):
        return self._block.index(self._i)

    def __repr__(self) -> str:
        return f"{self._block.family}[{self.index()!r}]"
