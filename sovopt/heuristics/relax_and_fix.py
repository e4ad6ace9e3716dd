"""Relax-and-fix over windows of years (Brown, Dell and Newman's approach for
long-range capital planning): a first portfolio and a valid bound at once.

With the years cut into windows W₁, W₂, … of ``window`` years, window k
solves the level's MIP with

- the integers of W₁ … Wₖ₋₁ fixed at the values window k−1 chose,
- the integers of Wₖ integer,
- the integers of later windows relaxed to their continuous range,
- the year-less integers (suppliers engaged, dual-sourcing ``used``) integer.

Window 1 relaxes only integrality, so its MIP is a relaxation of the level:
its dual bound is a valid lower bound of the level's optimum. The last
window's solution has every integer integral and satisfies every row: it is a
feasible portfolio of the level (the caller still verifies it). A window
that finds no solution ends the heuristic with None; the caller falls back to
the plain MIP.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

import highspy
import numpy as np

from sovopt.heuristics.columns import NO_YEAR, column_years
from sovopt.highs import HighsModel, has_solution, options_set, set_cost, set_time_limit

MS = highspy.HighsModelStatus

#: Integer columns from which relax-and-fix is tried on a scenario-risk level.
#: Measured on this kind of machine (issue of the speed work): on a realistic
#: 300-option case (about 6,000 integers) it took 13.6 s against 5.3 s of plain
#: MIP; on M (about 12,700 integers) it reached a 0.25 % gap in 40 s against
#: 12.3 % from 120 s of plain MIP. The threshold lies between the two.
MIN_INTEGERS = 10_000


@dataclass
class RelaxFixResult:
    """The last window's solution, its objective and window 1's bound (cost units)."""

    values: np.ndarray
    objective: float
    bound: float
    windows: list[dict] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """Relative gap of the objective over window 1's bound."""
        if self.objective == self.bound:
            return 0.0
        return (self.objective - self.bound) / max(abs(self.objective), 1e-12)


def windows_of(years: list[int], window: int) -> list[list[int]]:
    """The planning years cut into consecutive windows of ``window`` years."""
    return [years[i:i + window] for i in range(0, len(years), max(1, window))]


def relax_and_fix(hm: HighsModel, cost: np.ndarray, years: list[int], seconds: float,
                  window: int = 3, gap: float = 0.01,
                  run: Callable[[], object] | None = None,
                  start: np.ndarray | None = None) -> RelaxFixResult | None:
    """Relax-and-fix of the level ``cost`` (already scaled) within ``seconds``.

    Every window gets an equal share of the time left; each is solved to
    ``gap``. ``run`` solves the model in hand (default ``hm.highs.run``; the
    solve passes its interruptible run). ``start``, a feasible solution of the
    level (a crash start, the previous level's), is window 1's MIP start: it
    satisfies window 1, which only relaxes. Bounds and integrality are restored
    before returning.
    """
    h = hm.highs
    run = run or h.run
    ints = np.flatnonzero(hm.integrality == 1).astype(np.int32)
    if len(ints) == 0:
        return None
    col_year = column_years(hm, years)[ints]
    cuts = windows_of(sorted({int(y) for y in col_year if y != NO_YEAR}), window)
    if not cuts:
        return None
    lower, upper = hm.col_lower[ints].copy(), hm.col_upper[ints].copy()
    kinds = {v: highspy.HighsVarType(v) for v in (0, 1)}
    deadline = time.perf_counter() + seconds
    set_cost(hm, cost)
    values, bound, done = None, -math.inf, []
    restore = ExitStack()  # the gap and HiGHS's clock as they were, after the windows
    restore.enter_context(options_set(h, {"mip_rel_gap": gap,
                                          "time_limit": h.getOptionValue("time_limit")[1]}))
    try:
        for k, years_k in enumerate(cuts):
            first, last = years_k[0], years_k[-1]
            later = (col_year > last)
            earlier = (col_year != NO_YEAR) & (col_year < first)
            integer = ~later
            h.changeColsIntegrality(len(ints), ints, [kinds[int(b)] for b in integer])
            lo, up = lower.copy(), upper.copy()
            if values is not None and earlier.any():
                fixed = np.round(values[ints[earlier]])
                lo[earlier], up[earlier] = fixed, fixed
            h.changeColsBounds(len(ints), ints, lo, up)
            left = deadline - time.perf_counter()
            share = left / (len(cuts) - k)
            if share <= 0.2:
                return None
            set_time_limit(h, share)
            if k == 0 and start is not None:
                sol = highspy.HighsSolution()
                sol.col_value = list(map(float, start))
                sol.value_valid = True
                h.setSolution(sol)
            t0 = time.perf_counter()
            run()
            status = h.getModelStatus()
            info = h.getInfo()
            done.append({"years": f"{first}-{last}", "seconds": time.perf_counter() - t0,
                         "status": h.modelStatusToString(status)})
            if k == 0:  # a relaxation of the level: its bound is the level's
                bound = float(info.mip_dual_bound)
                if not math.isfinite(bound) or abs(bound) > 1e20:
                    bound = (float(info.objective_function_value)
                             if status == MS.kOptimal else -math.inf)
            if not has_solution(h) or status in (MS.kInfeasible,
                                                 MS.kUnboundedOrInfeasible):
                return None
            values = np.asarray(h.getSolution().col_value)
        objective = float(cost @ values)
        return RelaxFixResult(values=values, objective=objective,
                              bound=min(bound, objective), windows=done)
    finally:
        h.changeColsIntegrality(len(ints), ints, [kinds[1]] * len(ints))
        h.changeColsBounds(len(ints), ints, lower, upper)
        restore.close()
