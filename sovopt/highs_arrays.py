"""A HiGHS model as plain arrays, and back: with numpy and highspy alone.

:func:`read_lp` reads what a HiGHS instance holds (held levels and fixed columns
included) into :class:`LpArrays`; :func:`highs_lp` turns arrays into the
``HighsLp`` that ``passModel`` takes. :mod:`sovopt.highs` builds on both (the
hand-off of array models, the model read back for checks and completions), and the
child process of :mod:`sovopt.isolated` gets its model through them: arrays pickle,
and this module imports nothing heavier than numpy, so the child starts quickly.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np


@dataclass
class LpArrays:
    """A linear model ``row_lower ≤ A·x ≤ row_upper``, ``col_lower ≤ x ≤ col_upper``,
    minimise ``cost·x + offset``; ``A`` as compressed columns (``rowwise``: rows),
    ``integrality`` 0 for a continuous column, 1 for an integer one."""

    num_col: int
    num_row: int
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    integrality: np.ndarray
    rowwise: bool = False
    offset: float = 0.0


def read_lp(h: highspy.Highs) -> LpArrays:
    """The model ``h`` holds now, as arrays (its matrix as HiGHS stores it)."""
    lp = h.getLp()
    a = lp.a_matrix_
    n = lp.num_col_
    kinds = (np.asarray([int(k) for k in lp.integrality_], dtype=np.int8)
             if len(lp.integrality_) else np.zeros(n, dtype=np.int8))
    return LpArrays(n, lp.num_row_, np.asarray(lp.col_cost_), np.asarray(lp.col_lower_),
                    np.asarray(lp.col_upper_), np.asarray(lp.row_lower_),
                    np.asarray(lp.row_upper_), np.asarray(a.start_), np.asarray(a.index_),
                    np.asarray(a.value_), kinds,
                    rowwise=a.format_ == highspy.MatrixFormat.kRowwise,
                    offset=float(lp.offset_))


def highs_lp(arrays: LpArrays) -> highspy.HighsLp:
    """The ``HighsLp`` of ``arrays``, for ``passModel``."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = arrays.num_col, arrays.num_row
    lp.col_cost_ = np.asarray(arrays.cost, dtype=float)
    lp.col_lower_, lp.col_upper_ = arrays.col_lower, arrays.col_upper
    lp.row_lower_, lp.row_upper_ = arrays.row_lower, arrays.row_upper
    lp.a_matrix_.format_ = (highspy.MatrixFormat.kRowwise if arrays.rowwise
                            else highspy.MatrixFormat.kColwise)
    lp.a_matrix_.start_ = np.asarray(arrays.start, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(arrays.index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(arrays.value, dtype=float)
    lp.offset_ = arrays.offset
    integrality = np.asarray(arrays.integrality)
    kinds = [highspy.HighsVarType(k) for k in range(int(np.max(integrality, initial=0)) + 1)]
    lp.integrality_ = [kinds[k] for k in integrality.tolist()]  # one lookup each
    return lp
