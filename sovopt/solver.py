"""Solving a case: prepare, build, hand to HiGHS, optimise level by level, verify, extract.

The preset's levels are optimised in order on one compiled model and one HiGHS
instance: after a level is optimised its objective row is added as a
constraint, held within the preset's tolerance, the next level's cost vector
replaces the last, and the previous (verified) solution is offered as the MIP
start. Each level is solved by :class:`sovopt.level.LevelSolver`; the first
start comes from :mod:`sovopt.heuristics.starts`; the marginal values from
:mod:`sovopt.duals`. Settings ``time_limit_s`` and ``mip_gap`` (or their
overrides) reach HiGHS through one :class:`~sovopt.time_budget.TimeBudget`
(what each phase may take, HiGHS's own clock) and one options dict
(:func:`sovopt.highs.solver_options`); the limit is enforced on the wall clock
by an interrupt callback (:func:`sovopt.highs.supervised_run`).

Nothing HiGHS hands back is used unchecked. After every run the solution
vector is checked against the model HiGHS holds (bounds, integrality, every
row, the held levels) and its objective against the one HiGHS reported
(:func:`sovopt.highs.check_vector`); the portfolio it encodes is then checked
against every constraint family (:func:`sovopt.verify.solution_problems`).
A vector that fails is never passed on: the solver state is cleared and the
level solved again without a start, then without presolve, then with another
seed. A status (:class:`sovopt.status.Status`) is what was proven:

- ``optimal``: every level within its gap;
- ``time_limit``: a verified portfolio, some level stopped by the time limit
  with a gap above the requested one (each level's gap is reported);
- ``interrupted``: Ctrl-C; the best verified portfolio so far;
- ``infeasible``: proven infeasible (diagnosed, see :mod:`sovopt.diagnose`);
- ``no_solution``: the time ran out before any portfolio was found;
- ``solver_error``: HiGHS failed on a level in every way it was tried; no
  portfolio is presented as a plan.

After the levels, the binaries are fixed at their optimum and the LP of the
primary level (the first after unmet demand) is re-solved, within the share
of the limit held back for it, for the marginal value of budget and of
localization per year.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.diagnose import complete_precheck, confirmed, diagnose, precheck
from sovopt.duals import marginal_values
from sovopt.errors import EXIT_INFEASIBLE, EXIT_INTERRUPTED, EXIT_NO_SOLUTION, EXIT_OK
from sovopt.executors import default_workers
from sovopt.heuristics import block_search
from sovopt.heuristics.complete import complete
from sovopt.heuristics.construct import MIN_INTEGERS as CONSTRUCT_MIN_INTEGERS
from sovopt.heuristics.relax_and_fix import relax_and_fix
from sovopt.heuristics.starts import constructive_start, crash_start, from_portfolio
from sovopt.highs import (
    Stop,
    add_row,
    check_vector,
    held_lp,
    set_cost,
    set_gaps,
    set_mip_lp_solver,
    set_presolve_mode,
    set_time_limit,
    solver_options,
    supervised_run,
    to_highs,
)
from sovopt.isolated import cpu_seconds
from sovopt.level import (  # noqa: F401  (LevelSolver, level_cost, portfolio_of: the
    BOUND_RELAX_AND_FIX,  # names studies and tests import from here)
    LevelResult,
    LevelSolver,
    cheapest_plan,
    level_cost,
    portfolio_of,
    relative_gap,
)
from sovopt.level_methods import (
    LIGHT_PRESOLVE,
    LIGHT_PRESOLVE_ROWS,
    first_optimised,
    lp_solver,
    relax_and_fix_pays,
    wants_crash_start,
)
from sovopt.model import build_model
from sovopt.model.relaxation import Relaxation
from sovopt.portfolio import Portfolio
from sovopt.prepare import ModelData, prepare
from sovopt.presets import Preset, load_preset
from sovopt.status import PORTFOLIO_STATUSES, SOLVE_STATUSES, Status
from sovopt.time_budget import TimeBudget, level_share  # noqa: F401  (level_share: tests)
from sovopt.verify import solution_problems

Progress = Callable[[str], None]

#: Statuses of a solve; the first three come with a verified portfolio.
STATUSES = SOLVE_STATUSES
__all__ = ["PORTFOLIO_STATUSES", "STATUSES", "LevelResult", "LevelSolver", "SolveResult",
           "level_cost", "level_share", "portfolio_of", "solve_case"]


@dataclass
class SolveResult:
    """Everything a solve produced; ``exit_code`` follows the README's exit codes."""

    status: str  # a Status (one of STATUSES)
    preset: Preset
    data: ModelData
    levels: list[LevelResult] = field(default_factory=list)
    portfolio: Portfolio = field(default_factory=Portfolio.empty)
    term_values: dict[str, float] = field(default_factory=dict)
    duals: pd.DataFrame = field(default_factory=pd.DataFrame)
    diagnosis: list[Relaxation] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    time_limit: float = 0.0
    mip_gap: float = 0.0
    message: str = ""  # why a solve ended without a plan (solver_error)
    notes: list[str] = field(default_factory=list)  # what the reader should know
    verified: bool = False  # the portfolio passed every check (sovopt.verify)
    budget: TimeBudget | None = None  # the time limit, as spent
    options: dict[str, object] = field(default_factory=dict)  # HiGHS's, as made

    @property
    def exit_code(self) -> int:
        return {Status.INFEASIBLE: EXIT_INFEASIBLE, Status.NO_SOLUTION: EXIT_NO_SOLUTION,
                Status.SOLVER_ERROR: EXIT_NO_SOLUTION, Status.INTERRUPTED: EXIT_INTERRUPTED,
                }.get(self.status, EXIT_OK)

    def diagnosis_options(self) -> dict[str, object]:
        """The solve's HiGHS options with HiGHS's clock at what the time limit has left:
        what a second diagnosis (of the changes since an earlier run) runs with."""
        left = self.budget.for_diagnosis() if self.budget is not None else self.time_limit
        return {**self.options, "time_limit": left}

    @property
    def has_portfolio(self) -> bool:
        """Whether the result carries a verified portfolio to report as a plan."""
        return self.status in PORTFOLIO_STATUSES and self.verified

    @property
    def gap(self) -> float:
        """The largest relative gap left on any optimised level."""
        gaps = [lv.gap for lv in self.levels if lv.gap is not None]
        return max(gaps) if gaps else 0.0


class _Clock:
    """Phase timer: ``with clock("build"): ...`` adds the elapsed seconds."""

    def __init__(self, timings: dict[str, float], progress: Progress | None):
        self.timings, self.progress = timings, progress

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        if self.progress:
            self.progress(phase)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[phase] = self.timings.get(phase, 0.0) + time.perf_counter() - t0


@contextmanager
def _ctrl_c(stop: Stop, progress: Progress | None) -> Iterator[None]:
    """While solving, the first Ctrl-C asks the solve to stop with its best portfolio.

    The second Ctrl-C raises KeyboardInterrupt at once (the caller aborts; files
    written before are intact, the run store shows the run as interrupted).
    Only the main thread can take signals; elsewhere (worker processes of a
    study) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.request()
        message = ("interrupted: stopping with the best portfolio found so far "
                   "(press Ctrl-C again to abort)")
        if progress:
            progress(message)
        else:
            print(message, file=sys.stderr)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def solve_case(case: Case, objective: str | Preset | None = None,
               time_limit: float | None = None, gap: float | None = None,
               progress: Progress | None = None,
               highs_options: dict[str, object] | None = None,
               export_first_level: str | None = None,
               stop: Stop | None = None, start: Portfolio | None = None,
               budget: TimeBudget | None = None) -> SolveResult:
    """Solve ``case`` with a preset (name, file or Preset; default Settings ``objective``).

    ``export_first_level``: write the first level actually optimised, exactly as
    handed to HiGHS (same row and column order), to this MPS file before solving
    it, so the benchmark can time HiGHS alone on the identical model.
    ``stop``: a :class:`~sovopt.highs.Stop` another thread may ``request()``;
    by default Ctrl-C requests it.
    ``start``: a portfolio (an earlier run's, or hand-made) that becomes the MIP
    start of the first optimised level, completed or repaired to feasibility
    (:mod:`sovopt.heuristics.repair`); later levels start from the last one's.
    ``budget``: the command's :class:`~sovopt.time_budget.TimeBudget`, started before
    the case was read, with its reserve for writing held back (its limit is then the
    time limit); by default one of ``time_limit`` seconds starts now.
    """
    preset = objective if isinstance(objective, Preset) else load_preset(
        objective or case.settings.objective)
    time_limit = float(time_limit if time_limit is not None else case.settings.time_limit_s)
    budget = budget or TimeBudget(time_limit)
    gap = float(gap if gap is not None else case.settings.mip_gap)
    stop = stop or Stop()
    with _ctrl_c(stop, progress):
        return _Solve(case, preset, budget, gap, progress, highs_options or {},
                      export_first_level, stop, start).run()


class _Solve:
    """One solve: the state shared by its steps (model, HiGHS, clock, stop)."""

    def __init__(self, case: Case, preset: Preset, budget: TimeBudget, gap: float,
                 progress: Progress | None, highs_options: dict[str, object],
                 export_first_level: str | None, stop: Stop, start: Portfolio | None = None):
        self.case, self.preset, self.progress, self.stop = case, preset, progress, stop
        self.given_start = start
        self.budget, self.time_limit, self.gap = budget, budget.limit, gap
        self.highs_options, self.export = highs_options, export_first_level
        self.timings = budget.spent  # the command's phases and the solve's, side by side
        self.clock = _Clock(self.timings, progress)

    # --- the whole solve --------------------------------------------------------------

    def run(self) -> SolveResult:
        with self.clock("prepare"):
            d = prepare(self.case)
        self.d = d
        result = SolveResult(status=Status.OPTIMAL, preset=self.preset, data=d,
                             timings=self.timings, time_limit=self.time_limit,
                             mip_gap=self.gap, budget=self.budget)
        self.result = result
        found = precheck(d)
        if self.case.settings.allow_unmet:  # demand beyond reach is then unmet, not infeasible
            found = [r for r in found if r.family != "demand"]
        if found:  # with the precheck's changes typed in, what else stands in the way
            result.options = solver_options(self.gap, self.budget.for_diagnosis(),
                                            extra=self.highs_options)
            with self.clock("diagnose"):
                found = complete_precheck(d, found, self.preset.switch_off, result.options)
            result.status, result.diagnosis = Status.INFEASIBLE, found
            return result
        result.notes.extend(d.notes)
        with self.clock("build"):
            self.m = build_model(d, self.preset.switch_off)
        self.options = solver_options(self.gap, self.budget.for_levels(),
                                      extra=self.highs_options)
        result.options = self.options
        with self.clock("hand_off"):
            self.hm = to_highs(self.m, self.m.term_names, self.options)
            if self.hm.num_row >= LIGHT_PRESOLVE_ROWS:
                set_presolve_mode(self.hm.highs, LIGHT_PRESOLVE)
        result.stats = self.hm.stats()
        self.x_pos = self.hm.positions(self.m.x)
        self.solver = LevelSolver(self.hm, self.m, d, self.gap, self.stop,
                                  self.preset.switch_off, self.progress)
        values = self._levels()
        if values is None:
            return result
        with self.clock("extract"):
            result.portfolio = self._portfolio(values)
            result.term_values = {t: float(c @ values) for t, c in self.hm.costs.items()}
            bad = solution_problems(self.hm, values, None, None, d, result.portfolio,
                                    self.preset.switch_off)
        if bad:  # cannot happen when every level was verified: never report it as a plan
            result.status = Status.SOLVER_ERROR
            result.message = f"the final portfolio failed its check: {bad[0]}"
            result.portfolio = Portfolio.empty()
            return result
        result.verified = True
        if result.status == Status.INTERRUPTED:
            result.notes.append("Marginal values were not computed: the solve was interrupted.")
            return result
        with self.clock("duals"):
            primary = next((lv for lv in self.preset.levels if set(lv.terms) != {"unmet"}),
                           None)
            result.duals, notes = marginal_values(
                self.hm, d, self.preset, self.held, values, self.x_pos,
                self.budget.for_duals(), self.stop,
                lp_solver(self.hm, primary) if primary is not None else "choose")
            result.notes.extend(notes)
        return result

    def _infeasible(self) -> None:
        """Diagnose the infeasible case, paid from what is left of the time limit."""
        self.result.status = Status.INFEASIBLE
        self.result.options = solver_options(self.gap, self.budget.for_diagnosis(),
                                             extra=self.highs_options)
        with self.clock("diagnose"):
            self.result.diagnosis = confirmed(
                self.d, diagnose(self.d, self.preset.switch_off, self.result.options),
                self.preset.switch_off, self.result.options)

    def _levels(self) -> np.ndarray | None:
        """Optimise every level; the final verified vector, or None (status says why)."""
        hm, preset, result = self.hm, self.preset, self.result
        values: np.ndarray | None = np.zeros(0) if hm.num_col == 0 else None
        self.held: list[tuple[int, int]] = []  # (level, HiGHS row) of each held level
        scaled = [level_cost(hm, level.terms) for level in preset.levels]
        start_from = "the previous portfolio"
        if values is None and self.given_start is not None:
            with self.clock("given start"):
                values = self._from_portfolio(self.given_start, "the given start", scaled)
            start_from = "the given start"
        if (values is None and self.given_start is None
                and hm.num_integer >= CONSTRUCT_MIN_INTEGERS):
            with self.clock("constructive start"):
                values = self._constructive_start(scaled)
            start_from = "the constructive start"
        if values is None and wants_crash_start(hm, preset, scaled):
            start_from = "the crash start"
            levels_left = sum(1 for _, sc in scaled if sc)
            with self.clock("crash start"):
                crash = crash_start(hm, self.m, self.d, preset.switch_off,
                                    self.budget.for_crash_start(levels_left), self.stop,
                                    self.solver.heartbeat("crash start", 1.0))
            if crash is False:
                self._infeasible()
                return None
            values = crash
        exported = False
        for k, level in enumerate(preset.levels):
            cost, scale = scaled[k]
            if not scale:
                result.levels.append(LevelResult(level.name, level.terms, "skipped: no data"))
                continue
            remaining = self.budget.for_levels()
            if values is not None and (self.stop.requested or remaining <= 0.5):
                why = "interrupted" if self.stop.requested else "time limit"
                result.levels.append(LevelResult(level.name, level.terms,
                                                 f"not solved: {why}"))
                result.status = (Status.INTERRUPTED if self.stop.requested
                                 else Status.TIME_LIMIT)
                continue
            weights = [lv.weight for lv, (_, sc) in zip(preset.levels[k:], scaled[k:],
                                                         strict=True) if sc]
            share = self.budget.for_level(
                weights, first=not any(lv.value is not None for lv in result.levels),
                have_portfolio=values is not None)
            self.stop.deadline = time.monotonic() + share
            set_time_limit(hm.highs, share, lp=not np.any(hm.integrality))
            set_cost(hm, cost)
            self._level_gaps(level, scale)
            set_mip_lp_solver(hm.highs, lp_solver(hm, level))
            if self.export and not exported:
                hm.highs.writeModel(str(self.export))
                exported = True
            label = f"level {k + 1} {level.name}"
            start = self._completed(values, cost) if values is not None else None
            t0, cpu0 = time.perf_counter(), cpu_seconds()
            with self.clock(f"solve level {k + 1}"):
                rf = self._relax_and_fix(level, cost, share, start) if (
                    relax_and_fix_pays(hm, level)) else None
                start, method = cheapest_plan(cost, [
                    (rf.values if rf is not None else None, "relax-and-fix"),
                    (start, start_from)])
                if start is not None and block_search.pays(level.terms, hm.num_integer):
                    found = block_search.search_level(
                        hm, self.d, cost, start, self.budget.for_block_search(share), self.stop)
                    if found.accepted:
                        start, method = found.values, "block search"
                lv, new = self.solver.optimise(level.name, level.terms, cost, scale, start,
                                               label, method)
                if rf is not None:
                    self._with_relax_and_fix(lv, rf, scale)
            lv.seconds = time.perf_counter() - t0
            lv.cpu_seconds = cpu_seconds() - cpu0
            lv.seconds_given = share
            if lv.seconds > share + OVERRUN_SECONDS:
                result.notes.append(
                    f"{level.name}: HiGHS ran {lv.seconds - share:.0f} s past the level's "
                    f"share of the time limit ({share:.0f} s); it checks the interrupt "
                    "between iterations and nodes, not inside every presolve or cut pass.")
            result.levels.append(lv)
            if self._ends_solve(lv):
                return None
            if new is None:  # nothing found in the time given
                if values is None:
                    result.status = (Status.INTERRUPTED if self.stop.requested
                                     else Status.NO_SOLUTION)
                    return None
                continue
            values, start_from = new, "the previous portfolio"
            if lv.status in (Status.TIME_LIMIT, Status.INTERRUPTED):
                result.status = lv.status
            self._hold(k, cost, scale, lv.value, values)
            if self.stop.requested:
                result.status = Status.INTERRUPTED

        if values is None:  # every level was empty: any feasible portfolio will do
            set_cost(hm, np.zeros(hm.num_col))
            self.stop.deadline = time.monotonic() + max(self.budget.for_levels(), 1.0)
            lv, values = self.solver.optimise("feasibility", {}, np.zeros(hm.num_col), 1.0,
                                              None, "feasibility")
            if self._ends_solve(lv):
                return None
            if values is None:
                result.status = (Status.INTERRUPTED if self.stop.requested
                                 else Status.NO_SOLUTION)
                return None
        return values

    def _ends_solve(self, lv: LevelResult) -> bool:
        """Whether a level's outcome ends the solve: infeasible (then diagnosed) or a
        solver error (then no plan)."""
        if lv.status == Status.INFEASIBLE:
            self._infeasible()
            return True
        if lv.status == Status.SOLVER_ERROR:
            self.result.status, self.result.message = Status.SOLVER_ERROR, lv.note
            return True
        return False

    # --- speed: per-level gaps, relax-and-fix, a given start ------------------------------

    def _level_gaps(self, level, scale: float) -> None:
        """The level's stopping gaps: relative (its own or the solve's) and absolute,
        the preset's gap in the level's units divided by the cost scale. A zero
        relative gap asks for proof of optimality and gets it: the absolute gap is
        then HiGHS's own (1e-6)."""
        rel = self.gap if level.relative_gap is None else level.relative_gap
        absolute = max(level.stop_gap / scale, 1e-6) if rel > 0 else 1e-6
        set_gaps(self.hm.highs, rel, absolute)
        self.solver.gap, self.solver.absolute_gap = rel, absolute * scale

    def _relax_and_fix(self, level, cost: np.ndarray, share: float,
                       start: np.ndarray | None):
        """Relax-and-fix in its part of the level's share (window 1 from ``start``),
        verified; None to fall back to the plain MIP alone."""
        found = relax_and_fix(self.hm, cost, self.d.years, self.budget.for_relax_and_fix(share),
                              gap=self.solver.gap,
                              run=lambda: supervised_run(self.hm.highs, self.stop),
                              start=start)
        if found is None:
            self.result.notes.append(f"{level.name}: relax-and-fix found no portfolio in "
                                     "its time; the plain MIP went on alone.")
            return None
        bad = solution_problems(self.hm, found.values, cost, found.objective, self.d,
                                self._portfolio(found.values), self.preset.switch_off)
        if bad:
            self.result.notes.append(f"{level.name}: relax-and-fix's portfolio failed its "
                                     f"check ({bad[0]}); not used.")
            return None
        return found

    def _with_relax_and_fix(self, lv: LevelResult, found, scale: float) -> None:
        """Window 1's bound is a valid bound of the level: keep the better of the two."""
        if lv.value is None:
            return
        # found.bound is -inf when window 1 ended without one: take_bound ignores it
        self.solver.take_bound(lv, found.bound * scale, BOUND_RELAX_AND_FIX)
        if abs(lv.value - found.objective * scale) <= 1e-9 * max(1.0, abs(lv.value)):
            lv.method = "relax-and-fix"

    def _from_portfolio(self, portfolio: Portfolio, what: str,
                        scaled: list[tuple[np.ndarray, float]]) -> np.ndarray | None:
        """A portfolio (a given start, the constructive one) as a verified start of the
        first optimised level (:func:`sovopt.heuristics.starts.from_portfolio`), or None."""
        first = first_optimised(scaled)
        if first is None:
            return None
        return from_portfolio(self.hm, self.m, self.d, self.preset.switch_off, portfolio,
                              what, scaled[first][0], self.budget.for_start(), self.stop,
                              self.result.notes)

    def _constructive_start(self, scaled: list[tuple[np.ndarray, float]]
                            ) -> np.ndarray | None:
        """On a large model, a first portfolio built capability by capability, one part
        per core (:func:`sovopt.heuristics.starts.constructive_start`), made a verified
        start as a given one is."""
        built = constructive_start(self.case, self.budget.for_construct(), self.stop,
                                   self.highs_options, default_workers(), self.result.notes)
        if built is None:
            return None
        portfolio, what = built
        return self._from_portfolio(portfolio, what, scaled)

    def _hold(self, k: int, cost: np.ndarray, scale: float, value: float,
              values: np.ndarray) -> None:
        """Hold level ``k`` at its optimum (within the preset's tolerance) from now on.

        A level whose verified optimum is exactly zero over non-negative columns
        (no unmet demand, no loss) is held by fixing its priced columns at zero,
        so later levels cannot trade a sliver of it (a 1e-6 tolerance on unmet
        demand would otherwise leave 19.99996 of 20 units delivered).
        """
        hm = self.hm
        priced = np.flatnonzero(cost)
        if (value == 0.0 and np.all(cost[priced] > 0) and np.all(hm.col_lower[priced] >= 0)
                and np.all(np.abs(values[priced]) <= 1e-9)):
            zeros = np.zeros(len(priced))
            hm.highs.changeColsBounds(len(priced), priced.astype(np.int32), zeros, zeros)
            hm.col_upper[priced] = 0.0
            values[priced] = 0.0
            return
        slack = max(self.preset.relative_tolerance * abs(value),
                    self.preset.absolute_tolerance)
        self.held.append((k, add_row(hm, cost, -highspy.kHighsInf, (value + slack) / scale)))

    # --- starts ---------------------------------------------------------------------------

    def _portfolio(self, values: np.ndarray) -> Portfolio:
        """The started options and yearly deliveries of a solution (integers rounded)."""
        return portfolio_of(self.m, self.d, self.hm, values)

    def _completed(self, values: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """The previous solution with its continuous part re-optimised for the new cost.

        A level's solution leaves the auxiliary variables of other terms (HHI
        epigraphs, scenario shortfalls) wherever they happened to be, which makes
        a poor start for the next level. With every integer column fixed at its
        value the LP for the current cost vector gives the best start those
        decisions allow; it is solved on the open columns alone
        (:func:`~sovopt.heuristics.complete.complete`). The result is checked
        like any solution; if it fails, the previous vector is kept.
        """
        hm = self.hm
        ints = np.flatnonzero(hm.integrality == 1)
        lp = held_lp(hm.highs)  # one reading for the completion and its check
        found = complete(hm, cost, values, ints, max(1.0, self.stop.deadline - time.monotonic()),
                         self.stop, lp)
        if found.values is None or check_vector(hm, found.values, lp=lp):
            return values
        return found.values


#: Seconds past its share after which a level's overrun is named in the notes.
OVERRUN_SECONDS = 2.0
