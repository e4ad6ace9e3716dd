"""Complete and repair a start: from a plan that exists to a feasible solution.

A start (an earlier run's portfolio, a hand-made one, a heuristic's guess)
fixes the integer decisions only where it can; the steps go from cheap to
thorough and stop at the first that gives a solution:

1. every integer column the start decides fixed at its (rounded) value, the
   level's cost optimised over the rest (scenario shortfalls, HHI epigraphs,
   CVaR; dual-sourcing links where the start is a portfolio): the start as
   it is, completed, on a model of the open columns alone
   (:func:`sovopt.heuristics.complete.complete`, which also tells at once
   when the fixed part breaks a row, so no solver time is spent on it);
2. the binary decisions (starts, suppliers) fixed, the quantities free: a
   small MIP, again on the open columns alone, that repairs quantities the
   start got wrong (a minimum order, a capacity, whole units);
3. nothing fixed, the level's cost plus a proximity term: the number of
   binaries that differ from the start, weighted far above the cost, so
   HiGHS repairs the start with as few changes as it can find in time.

Bounds, integrality and the cost vector are left as they were found.
"""

from __future__ import annotations

import time

import highspy
import numpy as np

from sovopt.heuristics.columns import decision_columns
from sovopt.heuristics.complete import complete
from sovopt.highs import (
    HighsModel,
    Stop,
    has_solution,
    held_lp,
    options_set,
    set_cost,
    supervised_run,
)

#: weight of one changed binary against the level's cost (scaled to coefficient 1)
PROXIMITY = 1e3


def repair(hm: HighsModel, cost: np.ndarray, start: np.ndarray, seconds: float,
           decided: tuple[np.ndarray, np.ndarray] | None = None,
           stop: Stop | None = None) -> tuple[np.ndarray, str] | None:
    """A feasible solution near ``start`` and the step that found it, or None.

    ``decided``: the columns step 1 fixes and the binaries step 2 fixes (for a
    portfolio, :func:`~sovopt.heuristics.columns.plan_columns`); by default
    every integer column and every binary decision. ``stop``: the solve's
    deadline and Ctrl-C, honoured by every run.
    """
    h = hm.highs
    stop = stop or Stop()
    deadline = time.perf_counter() + seconds
    if decided is None:
        decided = np.flatnonzero(hm.integrality == 1).astype(np.int32), decision_columns(hm)
    ints, binary = decided
    start = np.clip(np.asarray(start, dtype=float), hm.col_lower, hm.col_upper)
    lp = held_lp(h)  # read once for both completions
    for step, fixed in (("start completed", ints), ("quantities repaired", binary)):
        left = deadline - time.perf_counter()
        if left <= 0.2 or (len(fixed) == 0 and step != "start completed"):
            continue
        found = complete(hm, cost, start, fixed, left / 2, stop, lp)
        if found.values is not None:
            return found.values, step
    left = deadline - time.perf_counter()
    if left <= 0.2 or len(binary) == 0 or stop.requested:
        return None
    # |y − ŷ| for a binary: y where ŷ = 0, 1 − y where ŷ = 1 (the constant dropped)
    near = np.round(start[binary])
    proximity = cost.copy()
    proximity[binary] += PROXIMITY * np.where(near > 0.5, -1.0, 1.0)
    set_cost(hm, proximity)
    try:
        with options_set(h, {"time_limit": left}):
            sol = highspy.HighsSolution()
            sol.col_value = list(map(float, start))
            sol.value_valid = True
            h.setSolution(sol)
            supervised_run(h, stop)
        if has_solution(h):
            return np.asarray(h.getSolution().col_value), "start repaired"
        return None
    finally:
        set_cost(hm, cost)
