"""One time limit for a whole command, and what each phase of a solve may take of it.

``--time-limit`` (or Settings ``time_limit_s``) is the time of the whole
command: reading the workbook, building the model, solving, the marginal
values, the KPIs and writing. A :class:`TimeBudget` is started when the
command starts and handed down the calls; every phase asks it how long it may
take (the rules are here, side by side, and nowhere else), HiGHS's own clock
is set from it, and it records the seconds each phase took, which the terminal
and the Run sheet show.

What comes after the solve is held back before the solve starts: a reserve for
the KPIs, the report and the workbook (:func:`writing_reserve`, measured) and
a share for the marginal values (:data:`DUALS_SHARE`); the levels get the rest.
The diagnosis of an infeasible case is paid from what is left, like any phase.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

#: Share of the solve's time held back for the marginal values' LP re-solve (with the
#: integers fixed, an LP a fraction of a level's MIP), within these bounds in seconds.
DUALS_SHARE = 0.1
DUALS_MIN, DUALS_MAX = 0.5, 60.0
#: The first optimised level may take at least this share of what is left.
FIRST_LEVEL_SHARE = 0.5
#: A given start (or the constructive portfolio) is completed or repaired in at most
#: half the time left and at most this many seconds (bench L: the completion alone
#: needs HiGHS's presolve of 735k rows, about 20 s).
START_SHARE, START_MAX = 0.5, 120.0
#: The constructive start may take this share of the time left (bench L: 26 blocks,
#: each first within its LP support, 21-26 s on two cores of the 296 s left after the
#: hand-off; as whole MIPs they took about 190 s of CPU, 85-128 s on two cores).
CONSTRUCT_SHARE = 0.75
#: Relax-and-fix may take this share of its level's time, the plain MIP the rest.
#: Bench M (120 s, scenario level 48 s): at 0.6 the raced MIP after it found the
#: level's good plan (0.0049-0.0051, against relax-and-fix's 0.040-0.053) about 28 s
#: in, right at its deadline: two runs of the same code ended at 0.00491 and 0.0510.
#: At 0.3 it ended at 0.00512 (gap 11.4 %), as with no relax-and-fix at all.
RELAX_AND_FIX_SHARE = 0.3
#: A block search before its level's MIP may take this share of the level's time
#: (:mod:`sovopt.heuristics.block_search`); HiGHS gets the rest, from its plan.
BLOCK_SEARCH_SHARE = 0.5
#: Column generation by capability before a frontier optimisation's MIP
#: (:mod:`sovopt.decompose.reuse`) may take this share of its time; HiGHS the rest.
#: Bench R, a 10-point cvar frontier in 180 s: at 0.3 seed 0's point 8 cost 34,129
#: where HiGHS alone found 30,113 (its MIP had too little time left); at 0.12, over
#: seeds 0-2, 25 of 30 points cost less than HiGHS alone's and 3 more, by up to
#: 0.94 %, each within its proven gap (bench/README.md).
COLUMNS_SHARE = 0.12
#: Least time any run is given, in seconds (HiGHS needs a moment to stop cleanly).
LEAST = 1.0
#: Writing the results, measured on this project's example (66 options, 10 years:
#: KPIs 0.4 s, report 0.1 s, workbook 1.4 s on a busy 2-core machine): a base and
#: a cost per delivery variable, with room to spare.
WRITE_BASE, WRITE_PER_DELIVERY = 3.0, 0.0005
#: The reserve for writing never takes more than this share of the limit.
WRITE_MAX_SHARE = 0.25


def writing_reserve(deliveries: int, limit: float) -> float:
    """Seconds held back for the KPIs, the report and the workbook after the solve."""
    return min(WRITE_BASE + WRITE_PER_DELIVERY * deliveries, WRITE_MAX_SHARE * limit)


@dataclass
class TimeBudget:
    """A time limit counted from ``started`` (time.monotonic), its phases' seconds and
    the reserve held back for what comes after the solve."""

    limit: float
    started: float = field(default_factory=time.monotonic)
    reserve: float = 0.0  # held back for writing, not for the solve
    spent: dict[str, float] = field(default_factory=dict)

    @property
    def deadline(self) -> float:
        """When the solve must be over (time.monotonic seconds): the limit less the reserve."""
        return self.started + self.limit - self.reserve

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> float:
        """Seconds left to the solve's deadline (never below 0)."""
        return max(0.0, self.deadline - time.monotonic())

    def hold_back(self, seconds: float) -> None:
        """Keep ``seconds`` of the limit for what comes after the solve."""
        self.reserve = max(0.0, float(seconds))

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Add the block's seconds to phase ``name``."""
        t0 = time.monotonic()
        try:
            yield
        finally:
            self.spent[name] = self.spent.get(name, 0.0) + time.monotonic() - t0

    # --- what each phase may take --------------------------------------------------------

    def duals(self) -> float:
        """What the marginal values are held back (out of the limit, not on top)."""
        return min(DUALS_MAX, max(DUALS_MIN, DUALS_SHARE * self.limit))

    def for_levels(self) -> float:
        """Seconds left for the levels: what is left less the marginal values' share."""
        return max(0.0, self.left() - self.duals())

    def for_level(self, weights: list[float], first: bool, have_portfolio: bool) -> float:
        """The seconds the next level may take of the levels' time.

        ``weights``: the time weights of this level and of every level still to come
        (the preset's, or its terms' measured difficulty: presets.DEFAULT_TIME_WEIGHT).
        What is left is shared in proportion to them, so a hard early level cannot
        starve the later ones (time a level leaves unused passes on to the next);
        the ``first`` optimised level, the one the preset cares most about, may take
        half, and all of it while there is no portfolio at all: without one no level
        can report anything; then it may take the marginal values' share too (there
        are none without a portfolio). At least :data:`LEAST`.
        """
        if not have_portfolio:
            return max(self.left(), LEAST)
        return level_share(self.for_levels(), weights, first, have_portfolio)

    def for_crash_start(self, levels: int) -> float:
        """The cost-only crash start: one part of the levels' time more than there are
        levels to optimise."""
        return max(LEAST, self.for_levels() / (levels + 1))

    def for_start(self) -> float:
        """Completing or repairing a given start or the constructive portfolio."""
        return max(LEAST, min(START_MAX, START_SHARE * self.for_levels()))

    def for_construct(self) -> float:
        """Building the constructive portfolio capability by capability."""
        return CONSTRUCT_SHARE * self.for_levels()

    @staticmethod
    def for_relax_and_fix(level_seconds: float) -> float:
        """Relax-and-fix's part of its level's time."""
        return RELAX_AND_FIX_SHARE * level_seconds

    @staticmethod
    def for_block_search(level_seconds: float) -> float:
        """The block search's part of its level's time."""
        return BLOCK_SEARCH_SHARE * level_seconds

    @staticmethod
    def for_columns(level_seconds: float) -> float:
        """Column generation's part of a frontier optimisation's time."""
        return COLUMNS_SHARE * level_seconds

    def for_duals(self) -> float:
        """The marginal values: whatever the solve has left (at least a moment)."""
        return max(LEAST, self.left())

    def for_diagnosis(self) -> float:
        """The diagnosis of an infeasible case: what is left."""
        return max(LEAST, self.left())

    def phases(self) -> dict[str, float]:
        """Seconds per phase so far, with the whole command's elapsed time as ``total``."""
        return {**self.spent, "total": self.elapsed()}


def level_share(remaining: float, weights: list[float], first: bool,
                have_portfolio: bool) -> float:
    """The seconds the next level may take out of ``remaining`` (see
    :meth:`TimeBudget.for_level`)."""
    share = remaining * weights[0] / sum(weights)
    if first:
        share = max(share, remaining * FIRST_LEVEL_SHARE)
    if not have_portfolio:
        share = remaining
    return max(share, LEAST)


_command_started: list[float] = []


def command_started(now: bool = False) -> float:
    """When the command began (time.monotonic): the process's own start for the
    installed command, else the moment :func:`mark_command_start` was called, else
    now (a command run in-process, by a test or a notebook)."""
    return _command_started[-1] if _command_started and not now else time.monotonic()


def mark_command_start(process: bool) -> None:
    """Record the command's start: the process's start if ``process`` (the command line
    of a process started for it), else now."""
    _command_started[:] = [time.monotonic() - (process_age() if process else 0.0)]


def process_age() -> float:
    """Seconds since this process started (its interpreter start and imports count
    against the limit too); 0 where the system does not say (it is read from Linux's
    /proc)."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        import os
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
    return max(0.0, uptime - started)


def seconds_to(deadline: float) -> float:
    """Seconds from now to ``deadline`` (time.monotonic), inf for no deadline."""
    return deadline - time.monotonic() if math.isfinite(deadline) else math.inf
