"""Complete a partial solution: the columns a plan leaves open, optimised on their own.

A start fixes some columns (a portfolio's deliveries, starts and suppliers; a
level's integer decisions) and leaves the rest open (scenario shortfalls,
HHI epigraphs, CVaR, dual-sourcing links). Fixing them by bounds on the whole
model and running HiGHS works, but on a large model HiGHS's MIP presolve of
every row costs more than the completion itself (bench L: about 20 s for
735k rows, where the open part is a few seconds of LP).

Here the fixed columns are taken out first, with numpy:

- each row's activity of the fixed columns moves into its bounds;
- a row with no open column is then a plain check of the fixed values: if
  one fails, no completion exists and none is attempted (the count of such
  rows is what :class:`Completion` reports);
- the open columns and the rows that touch them go to a new HiGHS instance
  as a model of their own, optimised for the caller's cost; its solution
  and the fixed values together are the full vector.

The full vector is the caller's to verify (:func:`sovopt.verify.solution_problems`),
as any vector is: this module only proposes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from sovopt.highs import (
    HeldLp,
    HighsModel,
    Stop,
    has_solution,
    held_lp,
    inherited_options,
    new_highs,
    pass_arrays,
    set_time_limit,
    supervised_run,
)

#: how far a row of fixed columns alone may be off its bounds, relative to the size
#: of its terms (HiGHS's own primal feasibility tolerance)
ROW_TOLERANCE = 1e-7


@dataclass
class Completion:
    """The full vector (None when there is none), and why not."""

    values: np.ndarray | None
    broken_rows: int = 0  # rows of fixed columns only that the fixed values break
    open_columns: int = 0
    open_rows: int = 0
    status: str = ""


def complete(hm: HighsModel, cost: np.ndarray, values: np.ndarray, fixed: np.ndarray,
             seconds: float, stop: Stop | None = None, lp: HeldLp | None = None
             ) -> Completion:
    """``values`` with the columns ``fixed`` held (integers rounded) and every other
    column optimised for ``cost`` over the model HiGHS holds now, within ``seconds``.

    The sub-model gets the holding instance's MIP gap and thread count; ``stop``
    (a deadline, Ctrl-C) is honoured as in any run. ``lp``: what HiGHS holds, when
    the caller has read it already (:func:`sovopt.highs.held_lp`).
    """
    lp = lp or held_lp(hm.highs)
    n = lp.num_col
    fixed = np.unique(np.asarray(fixed, dtype=np.int64))
    held = np.asarray(values, dtype=float)[fixed]
    held = np.where(lp.integrality[fixed] == 1, np.round(held), held)
    full = np.asarray(values, dtype=float).copy()
    full[fixed] = held
    if np.any(held < lp.col_lower[fixed] - 1e-9) or np.any(held > lp.col_upper[fixed] + 1e-9):
        return Completion(None, status="a fixed value outside its column's bounds")
    is_open = np.ones(n, dtype=bool)
    is_open[fixed] = False
    open_cols = np.flatnonzero(is_open)
    A_fixed = lp.A[:, fixed]
    fixed_part = A_fixed @ held
    A_open = sparse.csr_array(lp.A[:, open_cols])
    touched = np.diff(A_open.indptr) > 0
    size = abs(A_fixed) @ np.abs(held)
    tol = ROW_TOLERANCE * np.maximum(1.0, size)
    closed = ~touched
    broken = closed & ((fixed_part < lp.row_lower - tol) | (fixed_part > lp.row_upper + tol))
    result = Completion(None, broken_rows=int(np.sum(broken)), open_columns=len(open_cols),
                        open_rows=int(np.sum(touched)))
    if result.broken_rows:
        result.status = "the fixed values break rows no open column enters"
        return result
    if len(open_cols) == 0:
        result.values, result.status = full, "nothing open"
        return result
    rows = np.flatnonzero(touched)
    h = hm.highs
    sub = new_highs(inherited_options(h))
    integer = lp.integrality[open_cols]
    pass_arrays(sub, A_open[rows, :], np.asarray(cost, dtype=float)[open_cols],
                lp.col_lower[open_cols], lp.col_upper[open_cols],
                lp.row_lower[rows] - fixed_part[rows], lp.row_upper[rows] - fixed_part[rows],
                integer)
    set_time_limit(sub, max(0.2, seconds), lp=not np.any(integer))
    status = supervised_run(sub, stop or Stop())
    result.status = sub.modelStatusToString(status)
    if has_solution(sub):
        full[open_cols] = np.asarray(sub.getSolution().col_value, dtype=float)
        result.values = full
    return result
