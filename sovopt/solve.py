"""Solving a case: prepare, build, hand to HiGHS, optimise level by level, verify, extract.

The preset's levels are optimised in order on one compiled model and one HiGHS
instance: after a level is optimised its objective row is added as a
constraint, held within the preset's tolerance, the next level's cost vector
replaces the last, and the previous (verified) solution is offered as the MIP
start. Settings ``time_limit_s`` and ``mip_gap`` (or their overrides) reach
HiGHS; the time limit is shared by all levels of one solve and enforced on the
wall clock by an interrupt callback (:func:`sovopt.highs.supervised_run`).

Nothing HiGHS hands back is used unchecked. After every run the solution
vector is checked against the model HiGHS holds (bounds, integrality, every
row, the held levels) and its objective against the one HiGHS reported
(:func:`sovopt.highs.check_vector`); the portfolio it encodes is then checked
against every constraint family by the metrics (:func:`sovopt.verify.violations`).
A vector that fails is never passed on: the solver state is cleared and the
level solved again without a start, then without presolve, then with another
seed. A status is what was proven:

- ``optimal``: every level within its gap;
- ``time_limit``: a verified portfolio, some level stopped by the time limit
  with a gap above the requested one (each level's gap is reported);
- ``interrupted``: Ctrl-C; the best verified portfolio so far;
- ``infeasible``: proven infeasible (diagnosed, see :mod:`sovopt.diagnose`);
- ``no_solution``: the time ran out before any portfolio was found;
- ``solver_error``: HiGHS failed on a level in every way it was tried; no
  portfolio is presented as a plan.

After the levels, the binaries are fixed at their optimum and the LP of the
primary level (the first after unmet demand) is re-solved, with its own time
budget, for the marginal value of budget and of localization per year.
"""

from __future__ import annotations

import math
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
from sovopt.diagnose import complete_precheck, diagnose, precheck
from sovopt.errors import EXIT_INFEASIBLE, EXIT_INTERRUPTED, EXIT_NO_SOLUTION, EXIT_OK
from sovopt.executors import default_workers
from sovopt.heuristics.columns import plan_columns
from sovopt.heuristics.complete import complete
from sovopt.heuristics.construct import MIN_INTEGERS as CONSTRUCT_MIN_INTEGERS
from sovopt.heuristics.construct import capability_blocks, constructive_portfolio
from sovopt.heuristics.relax_and_fix import MIN_INTEGERS as RF_MIN_INTEGERS
from sovopt.heuristics.relax_and_fix import relax_and_fix
from sovopt.heuristics.repair import repair
from sovopt.heuristics.start import start_vector
from sovopt.highs import (
    LIMITS,
    HighsModel,
    RunState,
    Stop,
    add_row,
    check_vector,
    clear_state,
    has_solution,
    held_lp,
    set_cost,
    set_mip_lp_solver,
    set_presolve_mode,
    set_time_limit,
    supervised_run,
    to_highs,
    warm_start,
)
from sovopt.model import build_model
from sovopt.model.constraints.repair_line import repair_starts
from sovopt.model.relaxation import Relaxation
from sovopt.portfolio import Portfolio
from sovopt.prepare import ModelData, prepare
from sovopt.presets import Preset, load_preset
from sovopt.spend import unit_spend_by_year
from sovopt.verify import solution_problems

Progress = Callable[[str], None]
MS = highspy.HighsModelStatus

#: Statuses of a solve (README, "Statuses"); the first three come with a verified portfolio.
STATUSES = ("optimal", "time_limit", "interrupted", "infeasible", "no_solution",
            "solver_error")
PORTFOLIO_STATUSES = frozenset({"optimal", "time_limit", "interrupted"})
#: The ways a level is tried, in order, until one gives a verified solution.
ATTEMPTS: tuple[tuple[str, dict[str, object]], ...] = (
    ("MIP from the previous portfolio", {}),
    ("MIP from scratch", {}),
    ("MIP without presolve", {"presolve": "off"}),
    ("MIP with another random seed", {"random_seed": 7}),
)


def after_solve_seconds(time_limit: float) -> float:
    """The time the duals' LP re-solve may take, on top of the solve's own limit.

    A solve that used its whole limit must still be able to compute marginal
    values; a quarter of the limit, at least 10 s, is plenty for an LP whose
    integers are fixed.
    """
    return max(10.0, 0.25 * float(time_limit))


@dataclass
class LevelResult:
    """One optimised level, in the level's own units (the preset's weighted terms).

    ``value`` is the objective of the verified solution of this level (the
    incumbent), ``bound`` the best bound HiGHS proved, ``gap`` the relative
    distance between them; ``method`` says which attempt found the solution
    (or ``previous portfolio`` when the level kept the last level's plan);
    ``portfolio`` is the level's own verified portfolio.
    """

    name: str
    terms: dict[str, float]
    status: str
    value: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    bound: float | None = None
    cpu_seconds: float = 0.0
    seconds_given: float | None = None  # the level's share of the time limit
    method: str = ""
    note: str = ""
    portfolio: Portfolio | None = None


@dataclass
class SolveResult:
    """Everything a solve produced; ``exit_code`` follows the README's exit codes."""

    status: str  # one of STATUSES
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

    @property
    def exit_code(self) -> int:
        return {"infeasible": EXIT_INFEASIBLE, "no_solution": EXIT_NO_SOLUTION,
                "solver_error": EXIT_NO_SOLUTION, "interrupted": EXIT_INTERRUPTED,
                }.get(self.status, EXIT_OK)

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
               stop: Stop | None = None, start: Portfolio | None = None) -> SolveResult:
    """Solve ``case`` with a preset (name, file or Preset; default Settings ``objective``).

    ``export_first_level``: write the first level actually optimised, exactly as
    handed to HiGHS (same row and column order), to this MPS file before solving
    it, so the benchmark can time HiGHS alone on the identical model.
    ``stop``: a :class:`~sovopt.highs.Stop` another thread may ``request()``;
    by default Ctrl-C requests it.
    ``start``: a portfolio (an earlier run's, or hand-made) that becomes the MIP
    start of the first optimised level, completed or repaired to feasibility
    (:mod:`sovopt.heuristics.repair`); later levels start from the last one's.
    """
    preset = objective if isinstance(objective, Preset) else load_preset(
        objective or case.settings.objective)
    time_limit = float(time_limit if time_limit is not None else case.settings.time_limit_s)
    gap = float(gap if gap is not None else case.settings.mip_gap)
    stop = stop or Stop()
    with _ctrl_c(stop, progress):
        return _Solve(case, preset, time_limit, gap, progress, highs_options or {},
                      export_first_level, stop, start).run()


class LevelSolver:
    """Optimises one level of a compiled model until HiGHS hands back a verified solution.

    The one way sovopt solves a level, for the level loop and for studies that
    edit a compiled model themselves (the frontier): the run is supervised
    (deadline and Ctrl-C through ``stop``), every vector is checked
    (:func:`sovopt.verify.solution_problems`) before it is returned, and a vector
    that fails, or a solver error, is retried the ways of ATTEMPTS.
    """

    def __init__(self, hm: HighsModel, m, d: ModelData, gap: float, stop: Stop,
                 switch_off: frozenset[str] = frozenset(),
                 progress: Progress | None = None):
        self.hm, self.m, self.d, self.gap, self.stop = hm, m, d, gap, stop
        self.absolute_gap = 0.0  # in the level's own units; set per level by the solve
        self.switch_off, self.progress = switch_off, progress

    def _portfolio(self, values: np.ndarray) -> Portfolio:
        return portfolio_of(self.m, self.d, self.hm, values)

    def optimise(self, name: str, terms: dict[str, float], cost: np.ndarray, scale: float,
                  start: np.ndarray | None, label: str,
                  start_from: str = "the previous portfolio"
                  ) -> tuple[LevelResult, np.ndarray | None]:
        """Solve the level in hand until a verified solution, trying the ways of ATTEMPTS.

        Returns the level's result and its verified vector (None when the time
        ran out with nothing better than ``start``, which is then kept, or with
        nothing at all). A level after the first cannot be infeasible (the
        previous portfolio satisfies it), so HiGHS saying so is an error too.
        """
        h = self.hm.highs
        problems: list[str] = []
        for i, (method, settings) in enumerate(ATTEMPTS):
            if i == 0:
                method = f"MIP from {start_from}"
            if i == 0 and start is None:
                continue  # no start to offer: the first real attempt is "from scratch"
            if problems and self.stop.due:
                break  # no time left for another way: keep what there is
            if i > 0:
                clear_state(h)
            if i == 0:
                warm_start(self.hm, start)
            saved = {key: h.getOptionValue(key)[1] for key in settings}
            for key, value in settings.items():
                h.setOptionValue(key, value)
            self._clock_to_deadline()
            try:
                status = supervised_run(h, self.stop, self.heartbeat(label, scale))
            finally:
                for key, value in saved.items():
                    h.setOptionValue(key, value)
            said = h.modelStatusToString(status)
            if status in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
                if start is None:
                    return LevelResult(name, terms, "infeasible", method=method), None
                problems.append(f"{method}: HiGHS reported the level infeasible, but the "
                                "previous verified portfolio satisfies it")
                continue
            if (status == MS.kOptimal or status in LIMITS) and has_solution(h):
                values = np.asarray(h.getSolution().col_value, dtype=float)
                portfolio = self._portfolio(values)
                bad = solution_problems(self.hm, values, cost,
                                        float(h.getInfo().objective_function_value),
                                        self.d, portfolio, self.switch_off)
                if not bad:
                    return self._success(name, terms, values, portfolio, status, cost, scale,
                                         method, problems), values
                problems.append(f"{method}: the solution HiGHS returned ({said}) failed its "
                                f"check: {bad[0]}")
                continue
            if status in LIMITS:  # a limit before any solution of its own
                return self._kept(name, terms, start, cost, scale, problems), None
            problems.append(f"{method}: HiGHS ended with status '{said}'")
        if self.stop.due:
            return self._kept(name, terms, start, cost, scale, problems), None
        return LevelResult(name, terms, "solver_error", note="; ".join(problems),
                           method="none"), None

    def _clock_to_deadline(self) -> None:
        """HiGHS's own time limit for the next run: what is left to the stop's deadline.

        The interrupt callback ends a run at the deadline only where HiGHS calls it;
        its sub-MIP heuristics obey HiGHS's clock alone (bench L: a scenario level
        after relax-and-fix ran to HiGHS's limit, set at the level's start, 59 s past
        its deadline). So the clock is set to the deadline before every run.
        """
        left = self.stop.deadline - time.monotonic()
        if math.isfinite(left):
            set_time_limit(self.hm.highs, max(0.5, left),
                           lp=not np.any(self.hm.integrality))

    def _success(self, name: str, terms: dict[str, float], values: np.ndarray,
                 portfolio: Portfolio, status: highspy.HighsModelStatus, cost: np.ndarray,
                 scale: float, method: str, problems: list[str]) -> LevelResult:
        """The level's result from a verified solution (value from the vector itself)."""
        info = self.hm.highs.getInfo()
        value = float(cost @ values) * scale
        integer = bool(np.any(self.hm.integrality))
        if status == MS.kOptimal and not integer:
            bound = value
        else:
            bound = _finite(info.mip_dual_bound)
            bound = None if bound is None else bound * scale
        gap = relative_gap(value, bound)
        if status == MS.kOptimal:
            level_status, gap = "optimal", (gap if gap is not None else 0.0)
        elif self.within_gap(value, bound):
            level_status = "optimal"  # stopped, but already within the requested gap
        elif self.stop.requested:
            level_status = "interrupted"
        else:
            level_status = "time_limit"
        note = "; ".join(problems)
        return LevelResult(name, terms, level_status, value, gap, bound=bound, method=method,
                           note=note, portfolio=portfolio)

    def within_gap(self, value: float, bound: float | None) -> bool:
        """Whether a level's value is proven within its relative or its absolute gap."""
        if bound is None:
            return False
        gap = relative_gap(value, bound)
        return (gap is not None and gap <= self.gap + 1e-9) or (
            value - bound <= self.absolute_gap + 1e-12)

    def _kept(self, name: str, terms: dict[str, float], start: np.ndarray | None,
              cost: np.ndarray, scale: float, problems: list[str]) -> LevelResult:
        """A level that ran out of time: it keeps the previous portfolio, if any."""
        status = "interrupted" if self.stop.requested else "time_limit"
        if start is None:
            return LevelResult(name, terms, f"not solved: {status.replace('_', ' ')}",
                               note="; ".join(problems))
        value = float(cost @ start) * scale
        bound = _finite(self.hm.highs.getInfo().mip_dual_bound)
        bound = None if bound is None else min(bound * scale, value)
        return LevelResult(name, terms, status, value, relative_gap(value, bound),
                           bound=bound, method="previous portfolio",
                           note="; ".join(problems), portfolio=self._portfolio(start))

    def heartbeat(self, label: str, scale: float) -> Callable[[RunState, float, bool], None]:
        progress = self.progress

        def beat(state: RunState, elapsed: float, improved: bool) -> None:
            if progress is None:
                return
            best = "none yet" if state.incumbent is None else f"{state.incumbent * scale:.6g}"
            bound = "" if state.bound is None else f", bound {state.bound * scale:.6g}"
            gap = "" if state.gap is None else f", gap {state.gap:.2%}"
            what = "improved" if improved else "working"
            progress(f"{label}: {what}, best {best}{bound}{gap}, {elapsed:.0f} s")

        return beat


class _Solve:
    """One solve: the state shared by its steps (model, HiGHS, clock, stop)."""

    def __init__(self, case: Case, preset: Preset, time_limit: float, gap: float,
                 progress: Progress | None, highs_options: dict[str, object],
                 export_first_level: str | None, stop: Stop, start: Portfolio | None = None):
        self.case, self.preset, self.progress, self.stop = case, preset, progress, stop
        self.given_start = start
        self.time_limit, self.gap = time_limit, gap
        self.highs_options, self.export = highs_options, export_first_level
        self.timings: dict[str, float] = {}
        self.clock = _Clock(self.timings, progress)

    # --- the whole solve --------------------------------------------------------------

    def run(self) -> SolveResult:
        with self.clock("prepare"):
            d = prepare(self.case)
        self.d = d
        result = SolveResult(status="optimal", preset=self.preset, data=d,
                             timings=self.timings, time_limit=self.time_limit,
                             mip_gap=self.gap)
        self.result = result
        found = precheck(d)
        if self.case.settings.allow_unmet:  # demand beyond reach is then unmet, not infeasible
            found = [r for r in found if r.family != "demand"]
        if found:  # with the precheck's changes typed in, what else stands in the way
            found = complete_precheck(d, found, self.preset.switch_off, {
                "mip_rel_gap": self.gap, "time_limit": self.time_limit, "random_seed": 0})
            result.status, result.diagnosis = "infeasible", found
            return result
        result.notes.extend(d.notes)
        with self.clock("build"):
            self.m = build_model(d, self.preset.switch_off)
        self.options = {"mip_rel_gap": self.gap, "time_limit": self.time_limit,
                        "random_seed": 0, **self.highs_options}
        with self.clock("hand_off"):
            self.hm = to_highs(self.m, self.m.term_names, self.options)
            if self.hm.num_row >= LIGHT_PRESOLVE_ROWS:
                set_presolve_mode(self.hm.highs, LIGHT_PRESOLVE)
        result.stats = self.hm.stats()
        self.x_pos = self.hm.positions(self.m.x)
        self.solver = LevelSolver(self.hm, self.m, d, self.gap, self.stop,
                                  self.preset.switch_off, self.progress)
        self.deadline = time.monotonic() + self.time_limit
        values = self._levels()
        if values is None:
            return result
        with self.clock("extract"):
            result.portfolio = self._portfolio(values)
            result.term_values = {t: float(c @ values) for t, c in self.hm.costs.items()}
            bad = solution_problems(self.hm, values, None, None, d, result.portfolio,
                                    self.preset.switch_off)
        if bad:  # cannot happen when every level was verified: never report it as a plan
            result.status = "solver_error"
            result.message = f"the final portfolio failed its check: {bad[0]}"
            result.portfolio = Portfolio.empty()
            return result
        result.verified = True
        if result.status == "interrupted":
            result.notes.append("Marginal values were not computed: the solve was interrupted.")
            return result
        with self.clock("duals"):
            result.duals = self._duals(values)
        return result

    def _infeasible(self) -> None:
        self.result.status = "infeasible"
        with self.clock("diagnose"):
            self.result.diagnosis = diagnose(self.d, self.preset.switch_off, self.options)

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
        if values is None and _wants_crash_start(hm, preset, scaled):
            start_from = "the crash start"
            levels_left = sum(1 for _, sc in scaled if sc)
            with self.clock("crash start"):
                crash = self._crash_start(self._left() / (levels_left + 1))
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
            remaining = self._left()
            if values is not None and (self.stop.requested or remaining <= 0.5):
                why = "interrupted" if self.stop.requested else "time limit"
                result.levels.append(LevelResult(level.name, level.terms,
                                                 f"not solved: {why}"))
                result.status = "interrupted" if self.stop.requested else "time_limit"
                continue
            weights = [lv.weight for lv, (_, sc) in zip(preset.levels[k:], scaled[k:],
                                                         strict=True) if sc]
            share = level_share(remaining, weights,
                                first=not any(lv.value is not None for lv in result.levels),
                                have_portfolio=values is not None)
            self.stop.deadline = time.monotonic() + share
            set_time_limit(hm.highs, share, lp=not np.any(hm.integrality))
            set_cost(hm, cost)
            self._level_gaps(level, scale)
            set_mip_lp_solver(hm.highs, self._lp_solver(level))
            if self.export and not exported:
                hm.highs.writeModel(str(self.export))
                exported = True
            label = f"level {k + 1} {level.name}"
            start = self._completed(values, cost) if values is not None else None
            t0, cpu0 = time.perf_counter(), time.process_time()
            with self.clock(f"solve level {k + 1}"):
                rf = self._relax_and_fix(level, cost, share, start) if (
                    self._relax_and_fix_pays(level)) else None
                if rf is not None:
                    start = rf.values
                lv, new = self.solver.optimise(level.name, level.terms, cost, scale, start,
                                               label, "relax-and-fix" if rf is not None
                                               else start_from)
                if rf is not None:
                    self._with_relax_and_fix(lv, rf, scale)
            lv.seconds = time.perf_counter() - t0
            lv.cpu_seconds = time.process_time() - cpu0
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
                    result.status = "interrupted" if self.stop.requested else "no_solution"
                    return None
                continue
            values, start_from = new, "the previous portfolio"
            if lv.status in ("time_limit", "interrupted"):
                result.status = lv.status
            self._hold(k, cost, scale, lv.value, values)
            if self.stop.requested:
                result.status = "interrupted"

        if values is None:  # every level was empty: any feasible portfolio will do
            set_cost(hm, np.zeros(hm.num_col))
            self.stop.deadline = time.monotonic() + max(self._left(), 1.0)
            lv, values = self.solver.optimise("feasibility", {}, np.zeros(hm.num_col), 1.0,
                                              None, "feasibility")
            if self._ends_solve(lv):
                return None
            if values is None:
                result.status = "interrupted" if self.stop.requested else "no_solution"
                return None
        return values

    def _ends_solve(self, lv: LevelResult) -> bool:
        """Whether a level's outcome ends the solve: infeasible (then diagnosed) or a
        solver error (then no plan)."""
        if lv.status == "infeasible":
            self._infeasible()
            return True
        if lv.status == "solver_error":
            self.result.status, self.result.message = "solver_error", lv.note
            return True
        return False

    def _left(self) -> float:
        return self.deadline - time.monotonic()

    # --- speed: per-level gaps, relax-and-fix, a given start ------------------------------

    def _level_gaps(self, level, scale: float) -> None:
        """The level's stopping gaps: relative (its own or the solve's) and absolute,
        the preset's gap in the level's units divided by the cost scale. A zero
        relative gap asks for proof of optimality and gets it: the absolute gap is
        then HiGHS's own (1e-6)."""
        h = self.hm.highs
        rel = self.gap if level.relative_gap is None else level.relative_gap
        absolute = max(level.stop_gap / scale, 1e-6) if rel > 0 else 1e-6
        h.setOptionValue("mip_rel_gap", rel)
        h.setOptionValue("mip_abs_gap", absolute)
        self.solver.gap, self.solver.absolute_gap = rel, absolute * scale

    def _lp_solver(self, level) -> str:
        """HiGHS's method for the level's MIP LPs: the interior-point method for a
        scenario-risk level of a large model, where it is measured faster (bench/,
        LP relaxation alone, CPU s: R 1.3 against 4.2 by simplex; M 6.1 against
        more than 16, where simplex had not finished; on the exposure level of M,
        simplex 2.4 against 6.9), else HiGHS's own choice."""
        return ("ipm" if _is_scenario_level(level) and self.hm.num_row >= IPM_MIN_ROWS
                else "choose")

    def _relax_and_fix_pays(self, level) -> bool:
        """Relax-and-fix for a scenario-risk level of a model above the measured size."""
        return (_is_scenario_level(level)
                and self.hm.num_integer >= RF_MIN_INTEGERS)

    def _relax_and_fix(self, level, cost: np.ndarray, share: float,
                       start: np.ndarray | None):
        """Relax-and-fix in 60 % of the level's share (window 1 from ``start``),
        verified; None to fall back to the plain MIP alone."""
        found = relax_and_fix(self.hm, cost, self.d.years, 0.6 * share, gap=self.solver.gap,
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
        bound = found.bound * scale  # -inf when window 1 ended without one
        if math.isfinite(bound) and (lv.bound is None or bound > lv.bound):
            lv.bound = min(bound, lv.value)
            lv.gap = relative_gap(lv.value, lv.bound)
            if lv.status == "time_limit" and self.solver.within_gap(lv.value, lv.bound):
                lv.status = "optimal"
        if abs(lv.value - found.objective * scale) <= 1e-9 * max(1.0, abs(lv.value)):
            lv.method = "relax-and-fix"

    def _from_portfolio(self, portfolio: Portfolio, what: str,
                        scaled: list[tuple[np.ndarray, float]]) -> np.ndarray | None:
        """A portfolio (a given start, the constructive one) as a verified start of the
        first optimised level, completed or repaired (:mod:`sovopt.heuristics.repair`),
        or None; ``what`` names it in the notes."""
        first = _first_optimised(scaled)
        if first is None:
            return None
        cost, _ = scaled[first]
        given = start_vector(self.hm, self.m, self.d, portfolio)
        # up to half the time left: a start that is found is the first portfolio the
        # levels can report (on bench L the completion alone needs HiGHS's presolve
        # of 735k rows, about 20 s); completing a good start takes a fraction of it
        seconds = max(1.0, min(120.0, self._left() / 2))
        self.stop.deadline = time.monotonic() + seconds
        found = repair(self.hm, cost, given.values, seconds, plan_columns(self.hm, self.m),
                       self.stop)
        if given.dropped_starts + given.dropped_deliveries:
            self.result.notes.append(
                f"{what.capitalize()} has {given.dropped_starts} start(s) and "
                f"{given.dropped_deliveries} deliveries this case cannot make (an option "
                "excluded or out of reach); left out.")
        if found is None:
            self.result.notes.append(f"{what.capitalize()} could not be repaired in time; "
                                     "the solve went on without it.")
            return None
        values, step = found
        bad = solution_problems(self.hm, values, None, None, self.d, self._portfolio(values),
                                self.preset.switch_off)
        if bad:
            self.result.notes.append(f"{what.capitalize()} failed its check ({bad[0]}); "
                                     "not used.")
            return None
        self.result.notes.append(f"{what.capitalize()} was used as the first MIP start "
                                 f"({step}).")
        return values

    def _constructive_start(self, scaled: list[tuple[np.ndarray, float]]
                            ) -> np.ndarray | None:
        """On a large model, a first portfolio built capability by capability
        (:mod:`sovopt.heuristics.construct`, one part per core) in at most three
        quarters of the time left: without a first portfolio no level can report
        one, and on bench L (26 blocks, about 190 s of CPU) it needs about 125 s
        on two cores of the 296 s left after the hand-off."""
        seconds = 0.75 * self._left()
        t0 = time.perf_counter()
        portfolio = constructive_portfolio(self.case, seconds, self.stop, self.highs_options,
                                           workers=default_workers())
        if portfolio is None:
            self.result.notes.append(
                "No first portfolio could be built capability by capability in "
                f"{seconds:.0f} s; HiGHS looked for one on the whole model.")
            return None
        blocks = len(capability_blocks(self.case))
        return self._from_portfolio(
            portfolio, f"the portfolio built capability by capability ({blocks} blocks, "
            f"{time.perf_counter() - t0:.1f} s)", scaled)

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

    def _crash_start(self, seconds: float) -> np.ndarray | None | bool:
        """A first portfolio from the cost term alone, as the MIP start of the first level.

        Risk levels (CVaR, worst case) have flat objectives over many portfolios,
        and HiGHS's own heuristics often find nothing better than "lose
        everything" for a long time; the cheapest portfolio is found quickly and
        is a feasible start from which its improvement heuristics work. Returns
        the verified solution, None if none was found in ``seconds``, or False if
        the case is infeasible.
        """
        hm = self.hm
        cost, _ = level_cost(hm, {"cost": 1.0})
        set_cost(hm, cost)
        h = hm.highs
        _, gap = h.getOptionValue("mip_rel_gap")
        h.setOptionValue("mip_rel_gap", max(gap, 0.05))
        h.setOptionValue("time_limit", max(seconds, 1.0))
        self.stop.deadline = time.monotonic() + max(seconds, 1.0)
        try:
            status = supervised_run(h, self.stop, self.solver.heartbeat("crash start", 1.0))
        finally:
            h.setOptionValue("mip_rel_gap", gap)
        if status in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
            return False
        if not has_solution(h):
            return None
        values = np.asarray(h.getSolution().col_value, dtype=float)
        bad = solution_problems(hm, values, cost, float(h.getInfo().objective_function_value),
                                self.d, self._portfolio(values), self.preset.switch_off)
        clear_state(h)
        return None if bad else values

    # --- after the levels -----------------------------------------------------------------

    def _portfolio(self, values: np.ndarray) -> Portfolio:
        """The started options and yearly deliveries of a solution (integers rounded)."""
        return portfolio_of(self.m, self.d, self.hm, values)

    def _duals(self, values: np.ndarray) -> pd.DataFrame:
        """Marginal values of budget and localization per year, binaries fixed at the optimum.

        The LP re-solve uses the primary level (the first after unmet demand) as
        objective, with unmet demand still held, and has its own time budget
        (:func:`after_solve_seconds`), so a solve that used its whole limit still
        gets them. The marginal value is how much that level improves per unit
        more budget (per currency unit) and how much it worsens per percentage
        point more localization target; ``meaning`` says so in words.
        """
        d, hm, preset = self.d, self.hm, self.preset
        cols = ["constraint", "year", "marginal_value", "objective", "meaning"]
        primary = next((k for k, lv in enumerate(preset.levels)
                        if set(lv.terms) != {"unmet"}), None)
        if primary is None:
            return pd.DataFrame(columns=cols)
        level = preset.levels[primary]
        cost, scale = level_cost(hm, level.terms)
        if not scale:
            return pd.DataFrame(columns=cols)
        h = hm.highs
        later = [row for k, row in self.held if k >= primary]
        if later:
            h.deleteRows(len(later), np.asarray(sorted(later), dtype=np.int32))
        binary = np.flatnonzero(hm.binary)
        fixed = np.round(values[binary])
        h.changeColsBounds(len(binary), binary.astype(np.int32), fixed, fixed)
        integer = np.flatnonzero(hm.integrality == 1).astype(np.int32)
        h.changeColsIntegrality(len(integer), integer,
                                np.full(len(integer), highspy.HighsVarType.kContinuous))
        set_cost(hm, cost)
        clear_state(h)
        seconds = after_solve_seconds(self.time_limit)
        set_time_limit(h, seconds, lp=True)
        self.stop.deadline = time.monotonic() + seconds
        # the LP the scenario-risk level's MIP solves by the interior-point method on a
        # large model (:meth:`_lp_solver`); crossover gives the basis the duals come from
        method = self._lp_solver(level)
        h.setOptionValue("solver", method if method == "ipm" else "choose")
        try:
            status = supervised_run(h, self.stop)
        finally:
            h.setOptionValue("solver", "choose")
        if status != MS.kOptimal:
            self.result.notes.append(
                "Marginal values of budget and localization could not be computed: the LP "
                f"re-solve ended with '{h.modelStatusToString(status)}' after {seconds:.0f} s.")
            return pd.DataFrame(columns=cols)
        row_dual = np.asarray(h.getSolution().row_dual) * scale
        spend = unit_spend_by_year(d.options, d.deliveries[["option_id", "year"]].assign(
            units=values[self.x_pos]))["cost"]
        currency = d.case.settings.currency
        out = []
        for i, (con, _) in enumerate(hm.rows):
            family = con.parent_component().local_name
            if family == "budget":
                t = con.index()
                value = -row_dual[i]
                out.append(("budget", t, value, level.name,
                            budget_meaning(value, t, level.name, currency,
                                           float(d.budget.loc[t, "budget"]))))
            elif family == "localization":
                t = con.index()
                value = row_dual[i] * 0.01 * float(spend.get(t, 0.0))
                out.append(("localization", t, value, level.name,
                            localization_meaning(value, t, level.name)))
        return pd.DataFrame(out, columns=cols)


def level_share(remaining: float, weights: list[float], first: bool,
                have_portfolio: bool) -> float:
    """The seconds the next level may take out of ``remaining``.

    ``weights``: the time weights of this level and of every level still to come
    (the preset's, or its terms' measured difficulty: presets.DEFAULT_TIME_WEIGHT).
    What is left is shared in proportion to them, so a hard early level cannot
    starve the later ones (time a level leaves unused passes on to the next);
    the ``first`` optimised level, the one the preset cares most about, may take
    half, and all of it while there is no portfolio at all: without one no level
    can report anything. At least a second.
    """
    share = remaining * weights[0] / sum(weights)
    if first:
        share = max(share, remaining / 2)
    if not have_portfolio:
        share = remaining
    return max(share, 1.0)


def relative_gap(value: float, bound: float | None) -> float | None:
    """(value − bound) / |value|, 0 when they agree to 1e-9; None without a bound."""
    if bound is None:
        return None
    diff = max(0.0, value - bound)
    if diff <= 1e-9 * max(1.0, abs(value)):
        return 0.0
    return diff / max(abs(value), 1e-12)


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) and abs(value) < 1e20 else None


def _points(change: float) -> str:
    """A change of a level's value (shares of 0..1) in percentage points."""
    return f"{abs(change) * 100:.3g} points"


def budget_meaning(value: float, year: int, level: str, currency: str, budget: float) -> str:
    """The budget's marginal value in words, per a round step of money."""
    step = 10.0 ** math.floor(math.log10(max(budget * 0.01, 1.0))) if budget > 0 else 1.0
    change = value * step
    money = currency.strip() if step == 1.0 else f"{step:,.0f} {currency}".strip()
    if abs(change) < 5e-7:
        return (f"one more {money} of budget in {year} would not improve {level}: "
                "the budget does not bind that year")
    verb = "lowers" if change > 0 else "raises"
    return f"one more {money} of budget in {year} {verb} {level} by {_points(change)}"


def localization_meaning(value: float, year: int, level: str) -> str:
    """The localization target's marginal value in words, per percentage point."""
    if abs(value) < 5e-7:
        return (f"one point more localization target in {year} would not change {level}: "
                "the target does not bind that year")
    verb = "worsens" if value > 0 else "improves"
    return (f"one point more localization target in {year} {verb} {level} by "
            f"{_points(value)}")


#: Seconds past its share after which a level's overrun is named in the notes.
OVERRUN_SECONDS = 2.0

#: Rows from which every run of the solve uses HiGHS's light presolve
#: (:data:`LIGHT_PRESOLVE`). Measured on bench L (735k rows), exposure level: the
#: full presolve took 69 s and could not be interrupted (a 30 s share ran 69 s),
#: of which its last pass took 54 s to remove 2,300 rows; the light one took 1 s,
#: and the run ended 1.8 s after its 30 s share with the root LP solved.
#: Bench M (67k rows) and smaller keep HiGHS's default.
LIGHT_PRESOLVE_ROWS = 200_000
#: HiGHS ``presolve_mode`` for those models: 2, light.
LIGHT_PRESOLVE = 2

#: Rows from which a scenario-risk level's LPs are solved by the interior-point
#: method (bench R, about 49,000 rows, is the smallest size measured faster).
IPM_MIN_ROWS = 20_000
SCENARIO_TERMS = frozenset({"cvar", "worst_case", "expected_shortfall"})


def _is_scenario_level(level) -> bool:
    """A level of scenario losses (with unmet demand at most beside them)."""
    return bool(set(level.terms) & SCENARIO_TERMS) and set(level.terms) <= (
        SCENARIO_TERMS | {"unmet"})


def _first_optimised(scaled: list[tuple[np.ndarray, float]]) -> int | None:
    """The position of the first level with anything to optimise (a non-zero scale)."""
    return next((k for k, (_, sc) in enumerate(scaled) if sc), None)


def _wants_crash_start(hm: HighsModel, preset: Preset,
                       scaled: list[tuple[np.ndarray, float]]) -> bool:
    """A crash start pays when the first optimised level is a risk measure of a MIP."""
    first = _first_optimised(scaled)
    return (first is not None and "cost" not in preset.levels[first].terms
            and "cost" in hm.costs and bool(np.any(hm.integrality)))


def level_cost(hm: HighsModel, terms: dict[str, float]) -> tuple[np.ndarray, float]:
    """A level's cost vector scaled to largest coefficient 1, and the scale (0 if empty).

    The terms are shares of budget or demand, so their coefficients can be tiny
    (a unit cost over a large total budget): differences between them would
    fall below HiGHS's tolerances. Dividing by the largest coefficient changes
    no optimum, and values are reported multiplied back.
    """
    cost = sum((w * hm.costs[t] for t, w in terms.items() if t in hm.costs),
               start=np.zeros(hm.num_col))
    scale = float(np.max(np.abs(cost))) if cost.size else 0.0
    return (cost / scale if scale else cost), scale


def portfolio_of(m, d: ModelData, hm: HighsModel, values: np.ndarray) -> Portfolio:
    """The started options and yearly deliveries of a solution vector of the compiled
    model ``hm`` of ``m`` (integers rounded): the extraction every solve uses, also
    for studies that solve the compiled model themselves (verify it with
    :func:`sovopt.verify.solution_problems` before use)."""
    units = values[hm.positions(m.x)]
    integer = d.deliveries["option_id"].map(d.options["integer"]).to_numpy(bool)
    units = np.where(integer, np.round(units), units)
    deliveries = d.deliveries[["option_id", "year"]].assign(units=units)
    deliveries = deliveries[deliveries["units"] > 1e-6].reset_index(drop=True)
    started = values[hm.positions(m.start)] > 0.5
    starts = d.starts[started].rename(columns={"year": "start_year"})
    # A start that delivers nothing and costs nothing is an artefact of a free
    # choice; keep every start that delivers, is required, or carries a cost (its
    # fixed cost or its supplier's activation), so the plan costs what the model paid.
    option = starts["option_id"]
    activation = option.map(d.options["supplier_id"]).map(
        d.suppliers["activation_cost"]).fillna(0.0)
    kept = (option.isin(deliveries["option_id"])
            | option.map(d.options["mandatory"]).astype(bool)
            | (option.map(d.options["fixed_cost"]) > 0)
            | (activation > 0))
    repairs = Portfolio.empty().repairs
    rstart = repair_starts(m, d)
    if rstart is not None:
        opened = values[hm.positions(rstart)] > 0.5
        repairs = d.repair_starts[opened].rename(columns={"year": "start_year"})
    return Portfolio(starts=starts[kept].reset_index(drop=True), deliveries=deliveries,
                     repairs=repairs.reset_index(drop=True))
