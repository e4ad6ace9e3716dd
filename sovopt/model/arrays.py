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
asks about country_share. An objective term may likewise be an
:class:`ArrayCost` (``m.array_costs``, term name -> cost) instead of a Pyomo
Objective. A row or term that is mostly arrays may still carry a few Pyomo
expressions (the spend that the sustainment families add to a year):
:func:`with_expressions` folds their linear terms into a block.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn
from scipy import sparse


@dataclass
class ArrayRows:
    """One family's rows ``lower ≤ A·[columns] ≤ upper``.

    ``columns`` are segments (indexed Var, positions in the Var's index
    order; or a list of single VarData, see :func:`scalars`); the columns of
    ``A`` are the segments' entries, concatenated.
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


def scalars(variables: list) -> tuple[list, np.ndarray]:
    """A column segment of single variables (VarData of any Var), in the given order."""
    return list(variables), np.arange(len(variables), dtype=np.int64)


def linear_terms(expr) -> tuple[list, np.ndarray, float]:
    """(variables, coefficients, constant) of a linear Pyomo expression (or a number)."""
    if isinstance(expr, (int, float)):
        return [], np.zeros(0), float(expr)
    repn = generate_standard_repn(expr, quadratic=False)
    if not repn.is_linear():
        raise ValueError(f"not a linear expression: {expr}")
    return (list(repn.linear_vars), np.asarray(repn.linear_coefs, dtype=float),
            float(repn.constant))


def with_expressions(base: ArrayRows, exprs: dict[int, object]) -> ArrayRows:
    """``base`` with the linear Pyomo expression ``exprs[i]`` added to row ``i``.

    A constant moves to the other side (the bounds), as Pyomo's compiler moves
    it; the expressions' variables become one segment of single columns.
    """
    if not exprs:
        return base
    variables: list = []
    at: dict[int, int] = {}
    rows, cols, vals = [base.A.row], [base.A.col], [base.A.data]
    lower, upper = base.lower.copy(), base.upper.copy()
    width = base.A.shape[1]
    for i, expr in exprs.items():
        vs, coefs, constant = linear_terms(expr)
        lower[i] -= constant
        upper[i] -= constant
        local = np.empty(len(vs), dtype=np.int64)
        for k, v in enumerate(vs):
            j = at.get(id(v))
            if j is None:
                j = at[id(v)] = len(variables)
                variables.append(v)
            local[k] = j
        rows.append(np.full(len(vs), i, dtype=np.int64))
        cols.append(width + local)
        vals.append(coefs)
    A = sparse.coo_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(base.num_row, width + len(variables)))
    return replace(base, columns=base.columns + [scalars(variables)], A=A, lower=lower,
                   upper=upper)


def without_empty_rows(b: ArrayRows) -> ArrayRows:
    """``b`` less the rows with no non-zero entry (Pyomo's compiler drops those too)."""
    nz = b.A.data != 0
    filled = np.zeros(b.num_row, dtype=bool)
    filled[b.A.row[nz]] = True
    if filled.all() and nz.all():
        return b
    new = np.cumsum(filled) - 1
    keep = filled[b.A.row] & nz
    A = sparse.coo_array((b.A.data[keep], (new[b.A.row[keep]], b.A.col[keep])),
                         shape=(int(filled.sum()), b.A.shape[1]))
    idx = np.flatnonzero(filled)
    keys = tuple([k[i] for i in idx] for k in b.keys)
    return replace(b, keys=keys, A=A, lower=b.lower[idx], upper=b.upper[idx])


@dataclass
class ArrayCost:
    """One objective term ``Σ_j c[j]·[columns]_j`` (``columns`` as in :class:`ArrayRows`)."""

    term: str
    columns: list[tuple[pyo.Var, np.ndarray]]
    cols: np.ndarray
    vals: np.ndarray


def add_cost(m: pyo.ConcreteModel, cost: ArrayCost) -> None:
    """Register the term ``cost`` on ``m`` (it stands for a Pyomo Objective)."""
    if not hasattr(m, "array_costs"):
        m.array_costs = {}
    m.array_costs[cost.term] = cost


def array_costs(m: pyo.ConcreteModel) -> list[ArrayCost]:
    """The array-built objective terms of ``m``."""
    return list(getattr(m, "array_costs", {}).values())


def row_sums(b: ArrayRows, weights: np.ndarray | None = None) -> np.ndarray:
    """Σ_i w[i]·A[i, j] per local column j (w = 1 by default): a term over the rows."""
    w = b.A.data if weights is None else b.A.data * np.asarray(weights, float)[b.A.row]
    return np.bincount(b.A.col, weights=w, minlength=b.A.shape[1])


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
