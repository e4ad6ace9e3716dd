"""Handing a Pyomo model to HiGHS: the one place that decides how.

Pyomo's ``LinearStandardFormCompiler`` turns the model into sparse arrays in
one pass (one cost row per active Objective, i.e. per term); the arrays go to
``highspy`` with ``passModel``. Measured on this kind of machine this was
about ten times faster than Pyomo's persistent HiGHS interfaces, which
register variables constraint by constraint. The same :class:`HighsModel`
then serves every lexicographic level, the LP re-solve for duals and the
elastic copy of the diagnosis, with in-place edits only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from scipy import sparse

INF = highspy.kHighsInf


@dataclass
class HighsModel:
    """A compiled model: HiGHS instance, matrix data and the Pyomo objects per column/row."""

    highs: highspy.Highs
    columns: list  # VarData per column
    rows: list  # (ConstraintData, bound_type) per row
    costs: dict[str, np.ndarray]  # term name -> dense cost vector over columns
    A: sparse.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray
    column_of: dict[int, int] = field(default_factory=dict)  # id(VarData) -> column

    @property
    def num_col(self) -> int:
        return len(self.columns)

    @property
    def num_row(self) -> int:
        return len(self.rows)

    def positions(self, var: pyo.Var) -> np.ndarray:
        """Column positions of an indexed Var's entries, in the Var's index order."""
        return np.fromiter((self.column_of[id(v)] for v in var.values()), dtype=np.int64,
                           count=len(var))

    @property
    def binary(self) -> np.ndarray:
        """Mask of the binary columns (integer with bounds 0 and 1)."""
        return (self.integrality == 1) & (self.col_lower == 0) & (self.col_upper == 1)

    def stats(self) -> dict[str, int]:
        return {"variables": self.num_col, "binaries": int(np.sum(self.binary)),
            "integers": int(np.sum(self.integrality == 1)), "constraints": self.num_row,
            "nonzeros": int(self.A.nnz)}


def new_highs(options: dict[str, object] | None = None) -> highspy.Highs:
    """A quiet HiGHS instance with ``options`` set."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    return h


def to_highs(model: pyo.ConcreteModel, term_names: list[str],
             options: dict[str, object] | None = None) -> HighsModel:
    """Compile ``model`` and pass it to a new HiGHS instance (cost vector left at zero)."""
    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    columns = list(info.columns)
    n = len(columns)
    A = sparse.csr_array(info.A)
    rhs = np.asarray(info.rhs, dtype=float)
    kinds = np.fromiter((r.bound_type for r in info.rows), dtype=np.int8, count=len(info.rows))
    row_lower = np.where(kinds <= 0, rhs, -INF)
    row_upper = np.where(kinds >= 0, rhs, INF)
    col_lower = np.fromiter((-INF if v.lb is None else v.lb for v in columns), float, n)
    col_upper = np.fromiter((INF if v.ub is None else v.ub for v in columns), float, n)
    integrality = np.fromiter((1 if v.is_integer() else 0 for v in columns), np.int32, n)

    c = sparse.csr_array(info.c)
    names = {id(obj): name for name in term_names
             for obj in [getattr(model, f"term_{name}")]}
    costs = {}
    for i, obj in enumerate(info.objectives):
        costs[names[id(obj)]] = c[[i], :].toarray().ravel()
    for name in term_names:
        costs.setdefault(name, np.zeros(n))

    h = new_highs(options)
    pass_arrays(h, A, np.zeros(n), col_lower, col_upper, row_lower, row_upper, integrality)
    return HighsModel(
        highs=h, columns=columns, rows=list(info.rows), costs=costs, A=A,
        row_lower=row_lower, row_upper=row_upper, col_lower=col_lower, col_upper=col_upper,
        integrality=integrality, column_of={id(v): j for j, v in enumerate(columns)},
    )


def pass_arrays(h: highspy.Highs, A: sparse.sparray, cost: np.ndarray,
                col_lower: np.ndarray, col_upper: np.ndarray, row_lower: np.ndarray,
                row_upper: np.ndarray, integrality: np.ndarray) -> None:
    """Hand a model given as arrays (A any scipy sparse array) to ``h``."""
    csc = sparse.csc_array(A)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = csc.shape[1], csc.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_, lp.col_upper_ = col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType(int(k)) for k in integrality]
    h.passModel(lp)


def has_solution(h: highspy.Highs) -> bool:
    """Whether the last run left a feasible primal solution (optimal or not)."""
    return h.getInfo().primal_solution_status == 2


def set_cost(hm: HighsModel, cost: np.ndarray) -> None:
    """Replace the whole cost vector in place."""
    idx = np.arange(hm.num_col, dtype=np.int32)
    hm.highs.changeColsCost(hm.num_col, idx, np.asarray(cost, dtype=float))


def add_row(hm: HighsModel, coef: np.ndarray, lower: float, upper: float) -> int:
    """Add the row lower ≤ coef·x ≤ upper (dense coefficients, zeros dropped); its index."""
    nz = np.flatnonzero(coef).astype(np.int32)
    hm.highs.addRow(lower, upper, len(nz), nz, coef[nz].astype(float))
    return hm.highs.getNumRow() - 1


def warm_start(hm: HighsModel, values: np.ndarray) -> None:
    """Offer a known feasible point as the MIP start."""
    sol = highspy.HighsSolution()
    sol.col_value = list(map(float, values))
    sol.value_valid = True
    hm.highs.setSolution(sol)
