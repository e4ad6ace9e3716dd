"""The statuses of a run, as one enum whose values are the strings stored and printed.

A solve ends in one of the first six; a stress test of a fixed portfolio in
``feasible`` or ``violated``; the run store adds what it knows of a run that has
not finished (``running``), that broke (``failed``) or that only stressed
(``stress``). Being a ``str``, a member compares equal to its value, so the
strings in stored runs and workbooks keep working.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """What a run proved, in the word the run store, the sheets and the terminal use."""

    OPTIMAL = "optimal"  # every level within its gap
    TIME_LIMIT = "time_limit"  # a verified portfolio, some level stopped by the limit
    INTERRUPTED = "interrupted"  # Ctrl-C; the best verified portfolio so far
    INFEASIBLE = "infeasible"  # proven infeasible, with a diagnosis
    NO_SOLUTION = "no_solution"  # the time ran out before any portfolio was found
    SOLVER_ERROR = "solver_error"  # HiGHS failed in every way it was tried
    FEASIBLE = "feasible"  # a stressed portfolio breaks no limit (older word for time_limit)
    VIOLATED = "violated"  # a stressed portfolio breaks a limit
    RUNNING = "running"  # in the run store: begun, not finished
    FAILED = "failed"  # in the run store: ended by an error
    STRESS = "stress"  # in the run store: a stress test


#: Statuses of a solve that come with a verified portfolio.
PORTFOLIO_STATUSES = frozenset({Status.OPTIMAL, Status.TIME_LIMIT, Status.INTERRUPTED})
#: Every status a solve can end with, in the order of the module docstring.
SOLVE_STATUSES = (Status.OPTIMAL, Status.TIME_LIMIT, Status.INTERRUPTED, Status.INFEASIBLE,
                  Status.NO_SOLUTION, Status.SOLVER_ERROR)
