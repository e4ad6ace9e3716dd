"""``sovopt frontier``: the cost–dependence frontier by the ε-constraint method.

For one dependence measure μ (cvar, exposure, hhi, expected_shortfall) and
total cost c, on ONE compiled model (one HiGHS instance, edited in place):

1. the least-cost end: min c (unmet demand first held at its least, if the
   case allows unmet demand); then, with c held at that value, min μ, so the
   end is the safest of the cheapest plans: (μ_A, c_A);
2. the least-dependence end: min μ (cost free), then with μ held, min c:
   (μ_B, c_B);
3. N − 2 points between: the row μ·x ≤ ε is added once; for
   ε_k = μ_B + k·(μ_A − μ_B)/(N − 1), k = 1..N−2, with μ_A and μ_B the ends'
   measured values (the Summary KPI, in the measure's own units, which is what
   the sheet shows), only its upper bound is changed and c minimised, from the
   tightest level to the loosest, each warm-started from the cheapest plan
   already known that keeps its bound (the least-cost end keeps every bound
   above its own measure);
   On a large model (:func:`sovopt.level_methods.pooled_columns`) each
   optimisation first runs column generation by capability on the frontier's one
   column pool (:mod:`sovopt.decompose.reuse`), seeded with every plan met so far:
   its Lagrangian bound is the point's where it beats HiGHS's, and the master's
   verified plan is HiGHS's start where it is cheaper; a later point prices only
   what the pool does not hold yet;
4. after the chain, a point that another known plan dominates (it keeps the
   point's bound and costs less) takes that plan and says so
   (:func:`take_dominating`): no point is dominated, and cost does not rise as
   the bound loosens, by construction.

Each point's portfolio goes through the same extraction and the same check of
every limit (:func:`sovopt.metrics.evaluate`) as a normal solve, and becomes a
Report, so it is a run like any other. The frontier has one time budget
(``--time-limit``, default three times Settings time_limit_s, the time of
three solves), shared out over its optimisations as they come, the ends first
(each end's optimisation weighs :data:`END_WEIGHT` levels): every point is
measured against them, so an end not proven within the gap makes the whole
frontier ``time_limit`` (:func:`frontier_status`). Each point carries its proven
band: the lowest cost proven possible at its bound, and its cost. The table
reads from the least-cost end to the least-dependence end: per point the
measure, the cost, the cost per
point (hundredth) of measure bought against the previous point, the gap, the
options that enter and leave against the previous point, and the knee: the
point where the slope of the frontier changes most.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sovopt import level_methods as methods
from sovopt.case import Case
from sovopt.decompose.reuse import PooledColumns
from sovopt.errors import EXIT_INFEASIBLE, EXIT_USAGE, SovoptError
from sovopt.executors import default_workers
from sovopt.level import BOUND_COLUMNS
from sovopt.presets import Level, Preset
from sovopt.report import WITH_PORTFOLIO
from sovopt.studies.tasks import PointResult

#: The measures a frontier may trade against cost, and their Summary KPI.
MEASURES = {"cvar": "cvar", "exposure": "exposure", "hhi": "hhi_mean",
            "expected_shortfall": "expected_shortfall"}

#: The frontier's default time: this many times the case's time_limit_s (one solve).
TIME_FACTOR = 3.0

#: Relative and absolute slack of a held end (the lexicographic second step).
HOLD_REL, HOLD_ABS = 1e-9, 1e-9

#: How much more of the frontier's time an end's optimisation gets than a level's.
#: Bench R, 10 cvar points, 180 s, seeds 0-2: at 3 seed 2's least-cvar end stopped
#: with 4.7 % more cvar than the least known (0.00109097 against 0.00104162) while
#: the frontier left 42 s unused; at 5 it reached 0.00104162 and every point of the
#: three seeds came within 0.92 % of the best known cost at its bound
#: (bench/README.md), in the same wall time.
END_WEIGHT = 5.0

#: Relative tolerance of a plan keeping a point's bound, and of a cheaper plan.
TAKE_TOL = 1e-7


@dataclass(frozen=True)
class FrontierSpec:
    """What a frontier task computes (sent whole to a worker with --executor dask)."""

    measure: str
    points: int
    time_limit: float | None = None
    gap: float | None = None


def check_spec(spec: FrontierSpec) -> None:
    if spec.measure not in MEASURES:
        raise SovoptError(f"--measure {spec.measure}: expected one of {', '.join(MEASURES)}",
                          exit_code=EXIT_USAGE)
    if spec.points < 2:
        raise SovoptError("--points must be at least 2 (the two ends)", exit_code=EXIT_USAGE)


def frontier_points(case: Case, spec: FrontierSpec, source: str | None = None,
                    on_point: Callable[[PointResult], None] | None = None,
                    say: Callable[[str], None] | None = None) -> list[PointResult]:
    """Solve the frontier of ``case``; one PointResult per point, least cost first.

    ``say`` hears of each point as soon as it is solved (the two ends, then from
    the least-dependence side); ``on_point`` gets each final point, least cost
    first, once every point has taken the cheapest known plan that keeps its
    bound (:func:`take_dominating`). Raises SovoptError when the case is
    infeasible or has no such measure.
    """
    import highspy

    from sovopt.diagnose import precheck
    from sovopt.highs import add_row, solver_options, to_highs
    from sovopt.model import build_model
    from sovopt.prepare import prepare
    from sovopt.solver import level_cost

    check_spec(spec)
    d = prepare(case)
    found = precheck(d)
    if case.settings.allow_unmet:
        found = [r for r in found if r.family != "demand"]
    if found:
        raise SovoptError("the case is infeasible (" + "; ".join(r.message for r in found)
                          + "); `sovopt solve` diagnoses it", exit_code=EXIT_INFEASIBLE)
    m = build_model(d)
    time_limit = float(spec.time_limit or TIME_FACTOR * case.settings.time_limit_s)
    gap = float(case.settings.mip_gap if spec.gap is None else spec.gap)
    hm = to_highs(m, m.term_names, solver_options(gap, time_limit))
    if spec.measure not in hm.costs or not np.any(hm.costs[spec.measure]):
        raise SovoptError(f"the case has no {spec.measure} to trade against cost (no "
                          "scenarios, risk scores or foreign supply behind it)",
                          exit_code=EXIT_USAGE)
    chain = _Chain(hm, m, d, spec, time_limit, gap, source)
    inf = highspy.kHighsInf
    with_unmet = "unmet" in hm.costs and bool(np.any(hm.costs["unmet"]))
    # the ends' two optimisations each weigh END_WEIGHT, every other one 1
    chain.weights = [END_WEIGHT, 1.0, END_WEIGHT, 1.0] + [1.0] * (spec.points - 2)
    if with_unmet:
        chain.weights.insert(0, 1.0)
        unmet, _ = level_cost(hm, {"unmet": 1.0})
        value, _, _ = chain.optimise(unmet, None)
        if value is None:
            raise SovoptError("no portfolio found within the time limit")
        add_row(hm, unmet, -inf, value + max(HOLD_REL * abs(value), HOLD_ABS))
    cost, _ = level_cost(hm, {"cost": 1.0})
    meas, meas_scale = level_cost(hm, {spec.measure: 1.0})
    n = spec.points
    results: dict[int, PointResult] = {}
    known: list[tuple[PointResult, np.ndarray]] = []  # every verified plan met so far

    def keep(k: int, point: PointResult, x: np.ndarray | None) -> None:
        results[k] = point
        if x is not None and chain.verified(point):
            known.append((point, x))
        if say:
            say(f"frontier: {len(results)}/{n} points; {point.extra['role']}: "
                f"{spec.measure} {point.extra['measure']:.4g}, cost "
                f"{point.report.summary.get('total_cost')}")

    # 1. the least-cost end, then the safest plan at that cost
    t0 = time.perf_counter()
    c_a, x_a, lv1 = chain.optimise(cost, None, "least cost")
    if c_a is None:
        raise SovoptError(f"no portfolio found within the time limit (least-cost end, "
                          f"{time_limit:g} s for the frontier); raise --time-limit")
    hold = add_row(hm, cost, -inf, c_a + max(HOLD_REL * abs(c_a), HOLD_ABS))
    _, x_a2, lv2 = chain.optimise(meas, x_a, f"least {spec.measure} at least cost")
    x_a = x_a if x_a2 is None else x_a2
    hm.highs.changeRowBounds(hold, -inf, inf)
    keep(0, chain.point(0, "least cost", None, x_a, [lv1, lv2], t0, lv1), x_a)
    # 2. the least-dependence end
    t0 = time.perf_counter()
    mu_b, x_b, lv1 = chain.optimise(meas, x_a, f"least {spec.measure}")
    if mu_b is None:
        raise SovoptError(f"no portfolio found within the time limit (least {spec.measure})")
    row = add_row(hm, meas, -inf, mu_b + max(HOLD_REL * abs(mu_b), HOLD_ABS))
    _, x_b2, lv2 = chain.optimise(cost, x_b, "least cost at that level")
    x_b = x_b if x_b2 is None else x_b2
    keep(n - 1, chain.point(n - 1, f"least {spec.measure}", None, x_b, [lv1, lv2], t0, lv2),
         x_b)
    # 3. the levels between, evenly spaced between the ends' measured values (the
    # measure's own units), tightest first; each started from the cheapest known plan
    # that keeps its bound
    top, low = results[0].extra["measure"], results[n - 1].extra["measure"]
    if not (np.isfinite(top) and np.isfinite(low)):
        top, low = float(meas @ x_a) * meas_scale, float(meas @ x_b) * meas_scale
    for k in range(n - 2, 0, -1):
        t0 = time.perf_counter()
        eps = low + (n - 1 - k) * (top - low) / (n - 1)  # in the measure's units
        hm.highs.changeRowBounds(row, -inf, eps / meas_scale)
        start = _cheapest_start(known, meas, eps / meas_scale)
        _, x, lv = chain.optimise(cost, start, f"least cost at {spec.measure} ≤ {eps:.6g}")
        keep(k, chain.point(k, f"level {k}", eps, x, [lv], t0, lv), x)
    final = take_dominating([results[k] for k in range(n)], say)
    for point in final:
        if on_point:
            on_point(point)
    return final


def _cheapest_start(known: list[tuple[PointResult, np.ndarray]], meas: np.ndarray,
                    bound: float) -> np.ndarray | None:
    """The cheapest known plan whose vector keeps the measure's row at ``bound``."""
    fits = [(p.report.summary.get("total_cost"), i, x) for i, (p, x) in enumerate(known)
            if float(meas @ x) <= bound + max(HOLD_REL * abs(bound), HOLD_ABS)]
    fits = [f for f in fits if f[0] is not None]
    return min(fits, key=lambda f: (float(f[0]), f[1]))[2] if fits else None


def _admits(point: PointResult, other: PointResult) -> bool:
    """``other``'s plan keeps ``point``'s bound: the least-cost end has none, the
    least-dependence end its own measure, a level its ε."""
    bound = point.extra["level"] if point.extra["level"] is not None else (
        np.inf if point.index == 0 else point.extra["measure"])
    m = other.extra["measure"]
    return bool(np.isfinite(m)) and m <= bound + max(TAKE_TOL * abs(bound), HOLD_ABS)


def take_dominating(points: list[PointResult],
                    say: Callable[[str], None] | None = None) -> list[PointResult]:
    """Each point takes the cheapest plan of the frontier that keeps its bound when that
    plan costs less than its own, and says so: no point is then dominated, and cost
    cannot rise as the bound loosens. The point keeps its own proven bound on cost."""
    plans = [p for p in points if _Chain.verified(p)]
    out = []
    for p in points:
        own = p.report.summary.get("total_cost")
        fits = [q for q in plans if q is not p and _admits(p, q)]
        best = min(fits, key=lambda q: float(q.report.summary["total_cost"]), default=None)
        cost = None if best is None else float(best.report.summary["total_cost"])
        if best is None or (own is not None and cost >= float(own) - max(
                TAKE_TOL * abs(float(own)), 1e-9)):
            out.append(p)
            continue
        report = copy.deepcopy(best.report)
        note = (f"took the plan of {best.extra['role']} (point {best.index}): it keeps "
                f"this point's bound and costs {cost:,.6g}"
                + (f" against {float(own):,.6g}" if own is not None else
                   " where this point found no plan"))
        report.run["frontier"] = {**(p.report.run.get("frontier") or {}), "took": note}
        extra = {**best.extra, "role": p.extra["role"], "level": p.extra["level"],
                 "cost_bound": p.extra.get("cost_bound"), "took": note}
        taken = PointResult(p.index, report, p.seconds, extra=extra)
        out.append(taken)
        if say:
            say(f"frontier: {p.extra['role']} {note}")
    return out


class _Chain:
    """The compiled model and what every point of the chain needs to become a run."""

    def __init__(self, hm, m, d, spec: FrontierSpec, time_limit: float, gap: float,
                 source: str | None):
        self.hm, self.m, self.d, self.spec = hm, m, d, spec
        self.time_limit, self.gap, self.source = time_limit, gap, source
        self.deadline = time.perf_counter() + time_limit
        self.weights: list[float] = [1.0]  # the chain's optimisations, by their weight
        self.done = 0
        from sovopt.highs import Stop
        from sovopt.solver import LevelSolver

        self.stop = Stop()
        self.solver = LevelSolver(hm, m, d, gap, self.stop)
        #: every verified plan an optimisation returned, to seed the column pool
        self.plans: list[np.ndarray] = []
        self.columns = (PooledColumns(hm, d, workers=default_workers())
                        if methods.pooled_columns(hm) else None)
        self._counted = 0  # column-generation runs already counted to a point

    def optimise(self, cost: np.ndarray, start: np.ndarray | None, name: str = ""):
        """Minimise ``cost`` from ``start``: (objective, solution, LevelResult).

        Each optimisation gets its weight's share of the frontier's time left
        over the optimisations still to come (time one leaves unused passes on):
        the ends weigh :data:`END_WEIGHT`, so they get their time first, since
        every point is measured against them; the first, which has no plan to
        start from, may take half of it.
        """
        from sovopt.highs import set_cost, set_time_limit

        h = self.hm.highs
        left = self.deadline - time.perf_counter()
        weights = self.weights[self.done:] or [1.0]
        share = left * weights[0] / sum(weights)
        if self.done == 0:  # the first has no plan to start from: it may take half
            share = max(share, left / 2)
        share = max(share, 1.0)
        self.done += 1
        t0 = time.perf_counter()
        set_cost(self.hm, cost)
        columns, start_from = None, "the previous portfolio"
        if self.columns is not None:
            columns = self._columns(name, cost, start, share)
            if columns.plan is not None and (start is None or float(cost @ columns.plan) <
                                             float(cost @ start) - TAKE_TOL):
                start, start_from = columns.plan, "the column master's plan"
            share = max(share - columns.seconds, 1.0)
        set_time_limit(h, share)
        self.stop.deadline = time.monotonic() + share
        # The solve's own level optimiser: a supervised run, every vector verified
        # against the model and every limit, retried another way when it fails.
        lv, values = self.solver.optimise(name, {}, cost, 1.0, start, f"frontier: {name}",
                                          start_from)
        lv.seconds = time.perf_counter() - t0
        if values is None and lv.value is not None:
            values = start  # the time ran out: the (verified) start is the best there is
            if start_from == "the column master's plan":
                lv.method = "column generation"
        if columns is not None:
            self.solver.take_bound(lv, columns.bound, BOUND_COLUMNS)
        if values is not None:
            self.plans.append(values)
        return (None if lv.value is None else float(lv.value)), values, lv

    def _columns(self, name: str, cost: np.ndarray, start: np.ndarray | None,
                 share: float):
        """Column generation on the frontier's one pool for its share of ``share``,
        seeded with every plan met so far; its plan is verified against every row."""
        from sovopt.time_budget import TimeBudget

        known = self.plans + ([start] if start is not None else [])
        return self.columns.run(name, cost, TimeBudget.for_columns(share), known=known,
                                stop=lambda: self.stop.requested,
                                accept=lambda values: self.solver.passes(values, cost))

    def point(self, index: int, role: str, level: float | None, values: np.ndarray | None,
              levels: list, t0: float, cost_level=None) -> PointResult:
        """A solved point as a PointResult: portfolio, check of every limit, Report; with
        the lowest cost proven possible at its bound (``cost_level``'s bound, in the
        units of total cost)."""
        import pandas as pd

        from sovopt.metrics import evaluate
        from sovopt.report import report_from_solve
        from sovopt.solver import SolveResult, portfolio_of

        spec = self.spec
        measure_terms = {spec.measure: 1.0}
        preset = Preset(name=f"frontier {spec.measure}",
                        levels=(Level(role, {"cost": 1.0}), Level(spec.measure, measure_terms)),
                        description=f"ε-constraint frontier of cost against {spec.measure}",
                        relative_tolerance=HOLD_REL, absolute_tolerance=HOLD_ABS)
        real = [lv for lv in levels if lv is not None]
        solved = values is not None
        status = ("no_solution" if not solved else
                  "optimal" if all(lv.status == "optimal" for lv in real) else "time_limit")
        result = SolveResult(status=status, preset=preset, data=self.d, levels=real,
                             duals=pd.DataFrame(), time_limit=self.time_limit,
                             mip_gap=self.gap, stats=self.hm.stats(),
                             timings={f"solve level {i + 1}": lv.seconds
                                      for i, lv in enumerate(real)})
        metrics = None
        if solved:
            result.portfolio = portfolio_of(self.m, self.d, self.hm, values)
            result.term_values = {t: float(c @ values) for t, c in self.hm.costs.items()}
            metrics = evaluate(self.d, result.portfolio)
            # the plan is reported only when it keeps every limit of the case
            result.verified = not metrics.violations
        report = report_from_solve(result, metrics, self.source)
        report.run["frontier"] = {"measure": spec.measure, "role": role, "level": level}
        measure = report.summary.get(MEASURES[spec.measure]) if solved else None
        started = sorted(result.portfolio.started_options) if solved else []
        total = report.summary.get("total_cost") if solved else None
        cost_bound = None
        if total is not None and cost_level is not None and cost_level.value and \
                cost_level.bound is not None:
            cost_bound = float(total) * min(1.0, float(cost_level.bound) /
                                            float(cost_level.value))
        return PointResult(index, report, time.perf_counter() - t0,
                           extra={"role": role, "level": level, **self._pool_counts(),
                                  "bound_from": getattr(cost_level, "bound_from", ""),
                                  "found_by": getattr(cost_level, "method", ""),
                                  "measure": float("nan") if measure is None else measure,
                                  "started": started, "cost_bound": cost_bound,
                                  "violations": len(metrics.violations) if metrics else 0})

    def _pool_counts(self) -> dict[str, int]:
        """Columns pricing added to the pool for this point's optimisations, and the
        pool's size after them (none without column generation)."""
        if self.columns is None:
            return {}
        runs = self.columns.history[self._counted:]
        self._counted = len(self.columns.history)
        return {"columns_priced": sum(r.result.new_columns for r in runs),
                "pool_size": len(self.columns.pool)}

    @staticmethod
    def verified(point: PointResult) -> bool:
        """A point whose portfolio broke no limit may start its neighbour."""
        return point.report.summary.get("status") in WITH_PORTFOLIO and \
            point.extra.get("violations", 0) == 0


def frontier_task(blob: bytes, spec: FrontierSpec) -> list[PointResult]:
    """The whole chain as one task (a chain shares one model, so it is not split)."""
    from sovopt.studies.tasks import unpack_case

    case = unpack_case(blob)
    return frontier_points(case, spec, case.source)


def knee(measure: list[float], cost: list[float]) -> int | None:
    """Index of the point where the slope of cost against the measure changes most
    (an interior point; None with fewer than three distinct points)."""
    pts = sorted((m, c, i) for i, (m, c) in enumerate(zip(measure, cost, strict=True))
                 if np.isfinite(m) and c is not None and np.isfinite(c))
    distinct = []  # levels that found the same plan count once (a step of a MIP frontier)
    for p in pts:
        if not distinct or p[0] - distinct[-1][0] > 1e-12:
            distinct.append(p)
    pts = distinct
    best, where = 0.0, None
    for j in range(1, len(pts) - 1):
        (m0, c0, _), (m1, c1, i1), (m2, c2, _) = pts[j - 1], pts[j], pts[j + 1]
        if m1 - m0 <= 1e-12 or m2 - m1 <= 1e-12:
            continue
        change = abs((c2 - c1) / (m2 - m1) - (c1 - c0) / (m1 - m0))
        if change > best + 1e-9 * max(1.0, best):
            best, where = change, i1
    return where


def frontier_status(points: list[PointResult]) -> tuple[str, str]:
    """The frontier's status and what it means in words: ``optimal`` when both ends are
    proven within the gap, else ``time_limit`` (every point is measured against the
    ends, so an unproven least-cost end leaves only upper bounds on cost)."""
    least_cost, least_dep = points[0], points[-1]
    gap = least_cost.report.run.get("mip_gap_setting")
    gap = float(gap) if gap is not None else 0.0
    cost, bound = least_cost.report.summary.get("total_cost"), least_cost.extra.get(
        "cost_bound")
    cost_proven = cost is not None and bound is not None and \
        float(cost) - float(bound) <= gap * abs(float(cost)) + 1e-9 * max(1.0, abs(cost))
    if not cost_proven:
        return "time_limit", ("the least-cost end is not proven: points are upper bounds "
                              "on cost (each point's proven band is on the sheet)")
    if least_dep.status != "optimal":
        return "time_limit", ("the least-dependence end is not proven: the frontier may "
                              "reach lower than it shows")
    if least_cost.status != "optimal":
        return "time_limit", ("the least-cost end's cost is proven, but not that its plan "
                              "is the safest at that cost")
    return "optimal", "both ends are proven within the gap"


def frontier_table(points: list[PointResult], run_ids: dict[int, str]) -> pd.DataFrame:
    """One row per point, least cost first: role, level, measure, cost, cost per point
    of measure bought (against the previous point), gap, status, knee, options that
    enter and leave against the previous point, the point's proven band (the lowest
    cost proven possible at its bound, ``cost_bound``, up to its cost, and what proved
    it), the columns it priced into the pool, a note when it took another point's
    plan, run id."""
    measure = [p.extra["measure"] for p in points]
    cost = [p.report.summary.get("total_cost") for p in points]
    cost = [np.nan if c is None else float(c) for c in cost]
    k = knee(measure, cost)
    rows = []
    for i, p in enumerate(points):
        prev = points[i - 1] if i else None
        per_point = np.nan
        enters = leaves = ""
        if prev is not None:
            dm = (prev.extra["measure"] - p.extra["measure"]) * 100
            if dm > 1e-9:
                per_point = (cost[i] - cost[i - 1]) / dm
            now, before = set(p.extra["started"]), set(prev.extra["started"])
            enters, leaves = ", ".join(sorted(now - before)), ", ".join(sorted(before - now))
        rows.append({"point": i, "role": p.extra["role"], "measure_level": p.extra["level"],
                     "measure": p.extra["measure"], "cost": cost[i],
                     "cost_per_point": per_point, "cost_bound": p.extra.get("cost_bound"),
                     "found_by": p.extra.get("found_by", ""),
                     "bound_from": p.extra.get("bound_from", ""),
                     "columns_priced": p.extra.get("columns_priced", np.nan),
                     "gap": p.report.summary.get("mip_gap"), "status": p.status,
                     "knee": "knee" if i == k else "",
                     "knee_cost": cost[i] if i == k else np.nan,
                     "enters": enters, "leaves": leaves, "note": p.extra.get("took", ""),
                     "run_id": run_ids.get(p.index)})
    return pd.DataFrame(rows)
