"""One level of a compiled model, optimised until HiGHS hands back a verified solution.

The one way sovopt solves a level (:class:`LevelSolver`): the level loop of
:mod:`sovopt.solver`, the blocks of the constructive start
(:mod:`sovopt.heuristics.construct`) and the frontier
(:mod:`sovopt.studies.frontier`) all use it. A level's cost vector is made by
:func:`level_cost` (its terms, scaled to largest coefficient 1); a run is
supervised (deadline and Ctrl-C); every vector HiGHS hands back is checked
(:func:`sovopt.verify.solution_problems`) before it is returned, and one that
fails, or a solver error, is tried again the ways of :data:`ATTEMPTS`. A
level's result (:class:`LevelResult`) carries its value, the best bound proved
(HiGHS's, or another method's where it is better: :meth:`LevelSolver.take_bound`),
what proved it, and the gap between them (:func:`relative_gap`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from sovopt import level_methods as methods
from sovopt.highs import (
    LIMITS,
    HighsModel,
    RunState,
    Stop,
    clear_state,
    has_solution,
    options_set,
    set_time_limit,
    supervised_run,
    warm_start,
)
from sovopt.isolated import ChildRun, race
from sovopt.model.constraints.repair_line import repair_starts
from sovopt.portfolio import Portfolio
from sovopt.prepare import ModelData
from sovopt.status import Status
from sovopt.supervise import finite_or_none
from sovopt.time_budget import seconds_to
from sovopt.verify import solution_problems

Progress = Callable[[str], None]
MS = highspy.HighsModelStatus

#: The ways a level is tried, in order, until one gives a verified solution.
ATTEMPTS: tuple[tuple[str, dict[str, object]], ...] = (
    ("MIP from the previous portfolio", {}),
    ("MIP from scratch", {}),
    ("MIP without presolve", {"presolve": "off"}),
    ("MIP with another random seed", {"random_seed": 7}),
)

#: What may prove a level's bound, as the Levels table names it.
BOUND_HIGHS = "HiGHS"
BOUND_RELAX_AND_FIX = "relax-and-fix, first window"
BOUND_COLUMNS = "column generation"
BOUND_SOURCES = (BOUND_HIGHS, BOUND_RELAX_AND_FIX, BOUND_COLUMNS)


@dataclass
class LevelResult:
    """One optimised level, in the level's own units (the preset's weighted terms).

    ``value`` is the objective of the verified solution of this level (the
    incumbent), ``bound`` the best bound proved (by HiGHS or another method),
    ``gap`` the relative distance between them; ``method`` says which attempt
    found the solution (or ``previous portfolio`` when the level kept the last
    level's plan), ``bound_from`` what proved the bound (:data:`BOUND_SOURCES`);
    ``portfolio`` is the level's own verified portfolio.
    """

    name: str
    terms: dict[str, float]
    status: str  # a Status, or a phrase for a level not optimised ("skipped: no data")
    value: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    bound: float | None = None
    cpu_seconds: float = 0.0
    seconds_given: float | None = None  # the level's share of the time limit
    method: str = ""
    note: str = ""
    portfolio: Portfolio | None = None
    bound_from: str = ""  # what proved ``bound``: one of BOUND_SOURCES


def cheapest_plan(cost: np.ndarray, plans: list[tuple[np.ndarray | None, str]]
                  ) -> tuple[np.ndarray | None, str]:
    """The plan of least ``cost`` among verified ``plans`` (vector, what found it), the
    first on a tie; (None, the last one's name) when there is none. A level hands
    HiGHS the best plan it knows, never just the latest: relax-and-fix's last
    window fixes each window in turn and may end above the start it began from."""
    known = [(float(cost @ values), k) for k, (values, _) in enumerate(plans)
             if values is not None]
    if not known:
        return None, plans[-1][1]
    _, k = min(known)
    return plans[k]


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
        bound: float | None = None
        for i, (method, settings) in enumerate(ATTEMPTS):
            if i == 0:
                method = f"MIP from {start_from}"
            if i == 0 and start is None:
                continue  # no start to offer: the first real attempt is "from scratch"
            if problems and self.stop.due:
                break  # no time left for another way: keep what there is
            if i > 0:
                clear_state(h)
            self._clock_to_deadline()
            with options_set(h, settings):
                run = self._run(start if i == 0 else None, label, scale, cost, terms)
            status, bound = run.status, run.bound
            said = h.modelStatusToString(status)
            if status in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
                if start is None:
                    return LevelResult(name, terms, Status.INFEASIBLE, method=method), None
                problems.append(f"{method}: HiGHS reported the level infeasible, but the "
                                "previous verified portfolio satisfies it")
                continue
            if (status == MS.kOptimal or status in LIMITS) and run.values is not None:
                values = run.values
                portfolio = self._portfolio(values)
                bad = solution_problems(self.hm, values, cost, run.objective, self.d,
                                        portfolio, self.switch_off)
                if not bad:
                    return self._success(name, terms, values, portfolio, status, cost, scale,
                                         method, problems, bound), values
                problems.append(f"{method}: the solution HiGHS returned ({said}) failed its "
                                f"check: {bad[0]}")
                continue
            if status in LIMITS:  # a limit before any solution of its own
                return self._kept(name, terms, start, cost, scale, problems, bound), None
            problems.append(f"{method}: HiGHS ended with status '{said}'")
        if self.stop.due:
            return self._kept(name, terms, start, cost, scale, problems, bound), None
        return LevelResult(name, terms, Status.SOLVER_ERROR, note="; ".join(problems),
                           method="none"), None

    def _run(self, start: np.ndarray | None, label: str, scale: float,
             cost: np.ndarray, terms: dict[str, float]) -> ChildRun:
        """One HiGHS run of the level in hand, from ``start``: in this process, or, for a
        large model (:func:`sovopt.level_methods.isolated`), in child processes that are
        ended at the deadline whatever HiGHS is doing (:mod:`sovopt.isolated`), one per
        variant the level races (:func:`sovopt.level_methods.race_variants`); the best
        verified plan and the best bound of any of them are the run's."""
        h = self.hm.highs
        beat = self.heartbeat(label, scale)
        if methods.isolated(self.hm):
            runs = race(h, [(start, options) for options in methods.race_variants(
                self.hm, terms)], self.stop, beat)
            return self._best_of(runs, cost)
        if start is not None:
            warm_start(self.hm, start)
        status = supervised_run(h, self.stop, beat)
        info = h.getInfo()
        found = (status == MS.kOptimal or status in LIMITS) and has_solution(h)
        return ChildRun(status, np.asarray(h.getSolution().col_value, dtype=float)
                        if found else None,
                        float(info.objective_function_value), finite_or_none(info.mip_dual_bound))

    def _best_of(self, runs: list[ChildRun], cost: np.ndarray) -> ChildRun:
        """The raced runs as one: the plan of least cost among those that pass the check
        (the first run's if none does, for the caller to report), the greatest bound,
        and optimal where any run proved its plan optimal (the best plan is no worse)."""
        good = [r for r in runs if r.values is not None and self.passes(r.values, cost,
                                                                        r.objective)]
        best = min(good, key=lambda r: float(cost @ r.values)) if good else runs[0]
        bounds = [r.bound for r in runs if r.bound is not None]
        optimal = any(r.status == MS.kOptimal for r in runs) and bool(good)
        return ChildRun(MS.kOptimal if optimal else best.status, best.values, best.objective,
                        max(bounds) if bounds else None, best.killed)

    def passes(self, values: np.ndarray, cost: np.ndarray | None = None,
               objective: float | None = None) -> bool:
        """Whether a vector from anywhere (HiGHS, a heuristic, column generation) passes
        the check every plan passes (:func:`sovopt.verify.solution_problems`)."""
        return not solution_problems(self.hm, values, cost, objective, self.d,
                                     self._portfolio(values), self.switch_off)

    def _clock_to_deadline(self) -> None:
        """HiGHS's own time limit for the next run: what is left to the stop's deadline.

        The interrupt callback ends a run at the deadline only where HiGHS calls it;
        its sub-MIP heuristics obey HiGHS's clock alone (bench L: a scenario level
        after relax-and-fix ran to HiGHS's limit, set at the level's start, 59 s past
        its deadline). So the clock is set to the deadline before every run.
        """
        left = seconds_to(self.stop.deadline)
        if math.isfinite(left):
            set_time_limit(self.hm.highs, max(0.5, left),
                           lp=not np.any(self.hm.integrality))

    def _success(self, name: str, terms: dict[str, float], values: np.ndarray,
                 portfolio: Portfolio, status: highspy.HighsModelStatus, cost: np.ndarray,
                 scale: float, method: str, problems: list[str],
                 bound: float | None) -> LevelResult:
        """The level's result from a verified solution (value from the vector itself;
        ``bound``: the run's proven bound, solver units)."""
        value = float(cost @ values) * scale
        integer = bool(np.any(self.hm.integrality))
        if status == MS.kOptimal and not integer:
            bound = value
        else:
            bound = None if bound is None else bound * scale
        gap = relative_gap(value, bound)
        if status == MS.kOptimal:
            level_status, gap = Status.OPTIMAL, (gap if gap is not None else 0.0)
        elif self.within_gap(value, bound):
            level_status = Status.OPTIMAL  # stopped, but already within the requested gap
        elif self.stop.requested:
            level_status = Status.INTERRUPTED
        else:
            level_status = Status.TIME_LIMIT
        note = "; ".join(problems)
        return LevelResult(name, terms, level_status, value, gap, bound=bound, method=method,
                           note=note, portfolio=portfolio,
                           bound_from=BOUND_HIGHS if bound is not None else "")

    def take_bound(self, lv: LevelResult, bound: float, source: str) -> bool:
        """Give ``lv`` another method's valid bound (level units) where it beats the one
        it has; a time-limited level then within its gap is optimal. True if taken."""
        if lv.value is None or not math.isfinite(bound) or (
                lv.bound is not None and bound <= lv.bound):
            return False
        lv.bound = min(bound, lv.value)
        lv.gap = relative_gap(lv.value, lv.bound)
        lv.bound_from = source
        if lv.status == Status.TIME_LIMIT and self.within_gap(lv.value, lv.bound):
            lv.status = Status.OPTIMAL
        return True

    def within_gap(self, value: float, bound: float | None) -> bool:
        """Whether a level's value is proven within its relative or its absolute gap."""
        if bound is None:
            return False
        gap = relative_gap(value, bound)
        return (gap is not None and gap <= self.gap + 1e-9) or (
            value - bound <= self.absolute_gap + 1e-12)

    def _kept(self, name: str, terms: dict[str, float], start: np.ndarray | None,
              cost: np.ndarray, scale: float, problems: list[str],
              bound: float | None) -> LevelResult:
        """A level that ran out of time: it keeps the previous portfolio, if any
        (``bound``: the last run's proven bound, solver units)."""
        status = Status.INTERRUPTED if self.stop.requested else Status.TIME_LIMIT
        if start is None:
            return LevelResult(name, terms, f"not solved: {status.replace('_', ' ')}",
                               note="; ".join(problems))
        value = float(cost @ start) * scale
        bound = None if bound is None else min(bound * scale, value)
        return LevelResult(name, terms, status, value, relative_gap(value, bound),
                           bound=bound, method="previous portfolio",
                           note="; ".join(problems), portfolio=self._portfolio(start),
                           bound_from=BOUND_HIGHS if bound is not None else "")

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

def relative_gap(value: float, bound: float | None) -> float | None:
    """(value − bound) / |value|, 0 when they agree to 1e-9; None without a bound."""
    if bound is None:
        return None
    diff = max(0.0, value - bound)
    if diff <= 1e-9 * max(1.0, abs(value)):
        return 0.0
    return diff / max(abs(value), 1e-12)



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
