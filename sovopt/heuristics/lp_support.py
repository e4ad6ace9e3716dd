"""The LP relaxation's support as a neighbourhood: a MIP with every integer column
that the LP leaves at zero fixed at zero.

The constructive start (:mod:`.construct`) solves each block of capabilities as
a MIP for its cheapest plan. HiGHS spends most of such a block in its root cut
rounds before a sub-MIP finds the plan: on bench L one block took 20 s, three
rounds of about 5 s each, with its plan found at the end of the third. The
LP relaxation of the same block takes a fraction of a second and leaves most
integer columns at zero (250-600 of 4,900-6,300 stay above zero). With those
fixed at zero the MIP is a small one that HiGHS solves in about a second (that
block: 2.3 s in all, the plan 0.3 % cheaper). It is the neighbourhood that RINS
and RENS search, taken from the LP point alone: fixing a column at its lower
bound of zero keeps every row that the LP point satisfies satisfiable by the
free columns, but not always by integers, so the MIP may be infeasible, or
leave demand short where the whole block would not: the caller then solves the
whole block.

The fixing is undone on leaving the context: the bounds HiGHS holds are put
back from the model's own record (:attr:`HighsModel.col_upper`), the
integrality was never changed there. A plan found inside it lies within the
model's bounds and is verified like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import highspy
import numpy as np

from sovopt.highs import HighsModel, clear_state, set_time_limit
from sovopt.supervise import Stop, supervised_run
from sovopt.time_budget import seconds_to

#: An LP value at most this far above a zero lower bound counts as zero.
ZERO = 1e-6


@contextmanager
def lp_support(hm: HighsModel, stop: Stop) -> Iterator[int | None]:
    """Within the context, HiGHS holds ``hm`` with each integer column whose lower
    bound is zero and whose value in the LP relaxation of the current cost is zero
    fixed at zero; yields how many integer columns stay free, or None (nothing
    fixed) when the LP ended without an optimum (time, ``stop``, infeasible). The LP
    runs to ``stop``'s deadline; the caller sets the MIP's time limit after it."""
    h = hm.highs
    integer = np.flatnonzero(hm.integrality == 1).astype(np.int32)
    n = len(integer)
    if n == 0:
        yield None
        return
    h.changeColsIntegrality(n, integer, np.zeros(n, dtype=np.uint8))
    try:
        left = seconds_to(stop.deadline)
        if np.isfinite(left):
            set_time_limit(h, max(0.1, left), lp=True)
        status = supervised_run(h, stop)
        point = (np.asarray(h.getSolution().col_value, dtype=float)[integer]
                 if status == highspy.HighsModelStatus.kOptimal else None)
    finally:
        h.changeColsIntegrality(n, integer, np.ones(n, dtype=np.uint8))
        clear_state(h)
    if point is None:
        yield None
        return
    at_zero = (hm.col_lower[integer] == 0.0) & (point <= ZERO)
    fixed = integer[at_zero]
    zeros = np.zeros(len(fixed))
    h.changeColsBounds(len(fixed), fixed, zeros, zeros)
    try:
        yield n - len(fixed)
    finally:
        h.changeColsBounds(len(fixed), fixed, hm.col_lower[fixed], hm.col_upper[fixed])
        clear_state(h)
