"""A HiGHS run supervised from Python: a deadline, Ctrl-C, a heartbeat, a clean end.

:func:`supervised_run` runs HiGHS in its own thread while the calling thread
waits in short steps, so a deadline or a Ctrl-C stops the run at HiGHS's next
interrupt check (:class:`Stop` says when), progress can be reported as it goes
(:class:`RunState`), and a run is never left going when the caller gives up
(:func:`runs_left`). :mod:`sovopt.highs` hands these on with the rest of the
HiGHS interface.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy

#: Set to 1 in the environment, HiGHS prints its banner and log on stderr (``--debug``
#: sets it; the worker processes of a study and a level's child process inherit it).
#: Otherwise HiGHS says nothing.
HIGHS_LOG_ENV = "SOVOPT_HIGHS_LOG"


def highs_log() -> bool:
    """Whether HiGHS may print its banner and log (see :data:`HIGHS_LOG_ENV`)."""
    return os.environ.get(HIGHS_LOG_ENV) == "1"


#: HiGHS model statuses that end a run with whatever incumbent it has (a limit, not an error).
LIMITS = frozenset({highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt,
                    highspy.HighsModelStatus.kHighsInterrupt,
                    highspy.HighsModelStatus.kIterationLimit,
                    highspy.HighsModelStatus.kSolutionLimit,
                    highspy.HighsModelStatus.kObjectiveBound,
                    highspy.HighsModelStatus.kObjectiveTarget,
                    highspy.HighsModelStatus.kMemoryLimit})


class Stop:
    """Why a run should end early: a wall-clock deadline or a request (Ctrl-C).

    One instance serves a whole solve: ``request()`` is called from a signal
    handler, ``deadline`` is moved level by level; the interrupt callbacks of
    :func:`supervised_run` read both.
    """

    def __init__(self) -> None:
        self.requested = False
        self.deadline = float("inf")  # time.monotonic() seconds

    def request(self) -> None:
        self.requested = True

    @property
    def due(self) -> bool:
        return self.requested or time.monotonic() >= self.deadline


@dataclass
class RunState:
    """What the solver last told the callbacks: incumbent, bound and gap (solver units)."""

    incumbent: float | None = None
    bound: float | None = None
    gap: float | None = None
    improved: int = 0


def supervised_run(h: highspy.Highs, stop: Stop,
                   heartbeat: Callable[[RunState, float, bool], None] | None = None,
                   every: float = 4.0) -> highspy.HighsModelStatus:
    """Run HiGHS in its own thread until it ends, ``stop`` is due, or Ctrl-C.

    The solve runs in a worker thread while this thread waits in short steps,
    so a signal handler (Ctrl-C) and the deadline act within a fraction of a
    second of the next interrupt check (HiGHS checks between simplex
    iterations, interior-point iterations and MIP nodes; presolve is not
    interruptible). ``heartbeat(state, elapsed, improved)`` is called when the
    incumbent improves and at least every ``every`` seconds, from this thread.

    Anything raised while waiting (a second Ctrl-C's KeyboardInterrupt) first
    ends the run: the interrupt callbacks then stop HiGHS at its next check and
    this thread waits for the worker thread to finish (:func:`_abandon`) before
    the exception goes on. A run left going would still be inside HiGHS when
    the interpreter shuts down; its next call back into Python then ends that
    thread by force, through C++ frames that may not be unwound, and the
    process dies by SIGABRT ("terminate called without an active exception")
    instead of exiting with the code the command chose.
    """
    state = RunState()
    aborting = [False]

    def interrupt(event) -> None:
        out = event.data_out
        if event.callback_type == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
            state.incumbent = finite_or_none(out.mip_primal_bound)
            state.bound = finite_or_none(out.mip_dual_bound)
            state.gap = finite_or_none(out.mip_gap)
        # Set the flag both ways: HiGHS keeps it between runs, so a run after an
        # interrupted one would otherwise stop at its first check.
        event.interrupt(aborting[0] or stop.due)

    def improving(event) -> None:
        state.incumbent = finite_or_none(event.data_out.mip_primal_bound)
        state.improved += 1

    hooks = [(h.cbSimplexInterrupt, interrupt), (h.cbIpmInterrupt, interrupt),
             (h.cbMipInterrupt, interrupt), (h.cbMipImprovingSolution, improving)]
    for hook, fn in hooks:
        hook.subscribe(fn)
    t0 = last = time.monotonic()
    seen = 0
    thread = None
    try:
        thread = h.startSolve()
        while True:
            done, _ = h.wait(0.2)
            if done:
                break
            now = time.monotonic()
            if heartbeat is not None and (state.improved != seen or now - last >= every):
                heartbeat(state, now - t0, state.improved != seen)
                seen, last = state.improved, now
        thread.join()
    except BaseException:
        aborting[0] = True
        if thread is not None:
            _abandon(h, thread)
        raise
    finally:
        for hook, fn in hooks:
            hook.unsubscribe(fn)
    return h.getModelStatus()


#: Longest wait, in seconds, for an abandoned run to reach HiGHS's next interrupt check
#: (a presolve is not interruptible: bench L's full presolve took 69 s).
ABANDON_WAIT = 120.0
_RUNNING: set[int] = set()  # ids of worker threads of runs abandoned and not yet ended


def _abandon(h: highspy.Highs, thread) -> None:
    """Wait for a run asked to stop (its interrupt callbacks now say so) to end.

    Ctrl-C pressed meanwhile is ignored: the process is already on its way out,
    and leaving now is what would crash it. A run that outlives
    :data:`ABANDON_WAIT` is counted in :func:`runs_left`, so the command's exit
    can leave without the interpreter shutdown that would crash on it.
    """
    _RUNNING.add(id(thread))
    deadline = time.monotonic() + ABANDON_WAIT
    while time.monotonic() < deadline:
        try:
            thread.join(0.2)
            if not thread.is_alive():
                _RUNNING.discard(id(thread))
                return
        except KeyboardInterrupt:
            continue


def runs_left() -> int:
    """How many abandoned HiGHS runs are still going (see :func:`_abandon`)."""
    return len(_RUNNING)


def finite_or_none(value: float) -> float | None:
    """``value`` as a float, None where HiGHS means "none" (±inf, 1e20 and beyond, NaN)."""
    value = float(value)
    return value if abs(value) < 1e20 else None
