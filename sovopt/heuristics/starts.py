"""The first MIP start of a solve: a crash start, a given portfolio, or one built.

Without a first portfolio no level can report one, and a risk level's flat
objective keeps HiGHS's own heuristics looking for a long time. The level loop
of :mod:`sovopt.solver` takes the first of these that applies:

- :func:`from_portfolio`: a portfolio (``--start``, or the constructive one)
  put on the model's columns (:mod:`.start`) and completed or repaired to
  feasibility (:mod:`.repair`), then verified;
- :func:`constructive_start`: on a large model, a portfolio built capability
  by capability (:mod:`.construct`), then handed to :func:`from_portfolio`;
- :func:`crash_start`: the cheapest portfolio, by HiGHS on the cost term alone
  at a loose gap, when the first level is a risk measure of a MIP.

Each is given its time by the solve's :class:`~sovopt.time_budget.TimeBudget`
and honours its :class:`~sovopt.highs.Stop`; each returns a verified vector or
None, and adds what the reader should know to ``notes``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import highspy
import numpy as np

from sovopt.case import Case
from sovopt.heuristics.columns import plan_columns
from sovopt.heuristics.construct import capability_blocks, constructive_portfolio
from sovopt.heuristics.repair import repair
from sovopt.heuristics.start import start_vector
from sovopt.highs import (
    HighsModel,
    RunState,
    Stop,
    clear_state,
    has_solution,
    options_set,
    set_cost,
    set_time_limit,
    supervised_run,
)
from sovopt.level import level_cost, portfolio_of
from sovopt.portfolio import Portfolio
from sovopt.prepare import ModelData
from sovopt.verify import solution_problems

MS = highspy.HighsModelStatus
#: The crash start stops at this relative gap at the loosest: a start, not an answer.
CRASH_GAP = 0.05


def crash_start(hm: HighsModel, m, d: ModelData, switch_off: frozenset[str], seconds: float,
                stop: Stop, heartbeat: Callable[[RunState, float, bool], None] | None = None
                ) -> np.ndarray | None | bool:
    """A first portfolio from the cost term alone, as the MIP start of the first level.

    Risk levels (CVaR, worst case) have flat objectives over many portfolios,
    and HiGHS's own heuristics often find nothing better than "lose
    everything" for a long time; the cheapest portfolio is found quickly and
    is a feasible start from which its improvement heuristics work. Returns
    the verified solution, None if none was found in ``seconds``, or False if
    the case is infeasible.
    """
    cost, _ = level_cost(hm, {"cost": 1.0})
    set_cost(hm, cost)
    h = hm.highs
    gap = max(h.getOptionValue("mip_rel_gap")[1], CRASH_GAP)
    seconds = max(seconds, 1.0)
    set_time_limit(h, seconds)
    stop.deadline = time.monotonic() + seconds
    with options_set(h, {"mip_rel_gap": gap}):
        status = supervised_run(h, stop, heartbeat)
    if status in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
        return False
    if not has_solution(h):
        return None
    values = np.asarray(h.getSolution().col_value, dtype=float)
    bad = solution_problems(hm, values, cost, float(h.getInfo().objective_function_value),
                            d, portfolio_of(m, d, hm, values), switch_off)
    clear_state(h)
    return None if bad else values


def from_portfolio(hm: HighsModel, m, d: ModelData, switch_off: frozenset[str],
                   portfolio: Portfolio, what: str, cost: np.ndarray, seconds: float,
                   stop: Stop, notes: list[str]) -> np.ndarray | None:
    """A portfolio (a given start, the constructive one) as a verified start of the
    level ``cost`` (the first optimised), completed or repaired
    (:mod:`sovopt.heuristics.repair`) within ``seconds``, or None; ``what`` names it
    in the notes."""
    given = start_vector(hm, m, d, portfolio)
    stop.deadline = time.monotonic() + seconds
    found = repair(hm, cost, given.values, seconds, plan_columns(hm, m), stop)
    if given.dropped_starts + given.dropped_deliveries:
        notes.append(
            f"{what.capitalize()} has {given.dropped_starts} start(s) and "
            f"{given.dropped_deliveries} deliveries this case cannot make (an option "
            "excluded or out of reach); left out.")
    if found is None:
        notes.append(f"{what.capitalize()} could not be repaired in time; "
                     "the solve went on without it.")
        return None
    values, step = found
    bad = solution_problems(hm, values, None, None, d, portfolio_of(m, d, hm, values),
                            switch_off)
    if bad:
        notes.append(f"{what.capitalize()} failed its check ({bad[0]}); not used.")
        return None
    notes.append(f"{what.capitalize()} was used as the first MIP start ({step}).")
    return values


def constructive_start(case: Case, seconds: float, stop: Stop,
                       highs_options: dict[str, object], workers: int, notes: list[str]
                       ) -> tuple[Portfolio, str] | None:
    """On a large model, a first portfolio built capability by capability
    (:mod:`sovopt.heuristics.construct`, one part per worker) within ``seconds``,
    and the words that name it; None (with a note) when none was built."""
    t0 = time.perf_counter()
    portfolio = constructive_portfolio(case, seconds, stop, highs_options, workers=workers)
    if portfolio is None:
        notes.append("No first portfolio could be built capability by capability in "
                     f"{seconds:.0f} s; HiGHS looked for one on the whole model.")
        return None
    blocks = len(capability_blocks(case))
    return portfolio, (f"the portfolio built capability by capability ({blocks} blocks, "
                       f"{time.perf_counter() - t0:.1f} s)")
