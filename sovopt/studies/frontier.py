"""``sovopt frontier``: the cost–dependence frontier by the ε-constraint method.

For one dependence measure μ (cvar, exposure, hhi, expected_shortfall) and
total cost c, on ONE compiled model (one HiGHS instance, edited in place):

1. the least-cost end: min c (unmet demand first held at its least, if the
   case allows unmet demand); then, with c held at that value, min μ, so the
   end is the safest of the cheapest plans: (μ_A, c_A);
2. the least-dependence end: min μ (cost free), then with μ held, min c:
   (μ_B, c_B);
3. N − 2 points between: the row μ·x ≤ ε is added once; for
   ε_k = μ_B + k·(μ_A − μ_B)/(N − 1), k = 1..N−2, only its upper bound is
   changed and c minimised, from the tightest level to the loosest, each
   warm-started from the previous point's portfolio (feasible for a looser
   level, and verified: its portfolio broke no limit).

Each point's portfolio goes through the same extraction and the same check of
every limit (:func:`sovopt.metrics.evaluate`) as a normal solve, and becomes a
Report, so it is a run like any other. The frontier has one time budget
(``--time-limit``, default three times Settings time_limit_s, the time of
three solves), shared out over its optimisations as they come. The table reads from the least-cost
end to the least-dependence end: per point the measure, the cost, the cost per
point (hundredth) of measure bought against the previous point, the gap, the
options that enter and leave against the previous point, and the knee: the
point where the slope of the frontier changes most.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.errors import EXIT_INFEASIBLE, EXIT_USAGE, SovoptError
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

    ``on_point`` is called with each point as soon as it is solved (points
    arrive in solving order: the two ends, then from the least-dependence
    side). Raises SovoptError when the case is infeasible or has no such measure.
    """
    import highspy

    from sovopt.diagnose import precheck
    from sovopt.highs import add_row, solver_options, to_highs
    from sovopt.model import build_model
    from sovopt.prepare import prepare
    from sovopt.solve import level_cost

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
    chain.planned = 4 + (spec.points - 2) + int(with_unmet)
    if with_unmet:
        unmet, _ = level_cost(hm, {"unmet": 1.0})
        value, _, _ = chain.optimise(unmet, None)
        if value is None:
            raise SovoptError("no portfolio found within the time limit")
        add_row(hm, unmet, -inf, value + max(HOLD_REL * abs(value), HOLD_ABS))
    cost, _ = level_cost(hm, {"cost": 1.0})
    meas, meas_scale = level_cost(hm, {spec.measure: 1.0})
    n = spec.points
    results: dict[int, PointResult] = {}

    def keep(k: int, point: PointResult) -> None:
        results[k] = point
        if on_point:
            on_point(point)
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
    keep(0, chain.point(0, "least cost", None, x_a, [lv1, lv2], t0))
    mu_a = float(meas @ x_a)
    # 2. the least-dependence end
    t0 = time.perf_counter()
    mu_b, x_b, lv1 = chain.optimise(meas, x_a, f"least {spec.measure}")
    if mu_b is None:
        raise SovoptError(f"no portfolio found within the time limit (least {spec.measure})")
    row = add_row(hm, meas, -inf, mu_b + max(HOLD_REL * abs(mu_b), HOLD_ABS))
    _, x_b2, lv2 = chain.optimise(cost, x_b, "least cost at that level")
    x_b = x_b if x_b2 is None else x_b2
    keep(n - 1, chain.point(n - 1, f"least {spec.measure}", None, x_b, [lv1, lv2], t0))
    # 3. the levels between, tightest first, each started from its tighter neighbour
    start = x_b if chain.verified(results[n - 1]) else None
    for k in range(n - 2, 0, -1):
        t0 = time.perf_counter()
        eps = mu_b + (n - 1 - k) * (mu_a - mu_b) / (n - 1)
        hm.highs.changeRowBounds(row, -inf, eps)
        _, x, lv = chain.optimise(cost, start, f"least cost at {spec.measure} ≤ "
                                  f"{eps * meas_scale:.6g}")
        point = chain.point(k, f"level {k}", eps * meas_scale, x, [lv], t0)
        keep(k, point)
        if x is not None and chain.verified(point):
            start = x
    return [results[k] for k in range(n)]


class _Chain:
    """The compiled model and what every point of the chain needs to become a run."""

    def __init__(self, hm, m, d, spec: FrontierSpec, time_limit: float, gap: float,
                 source: str | None):
        self.hm, self.m, self.d, self.spec = hm, m, d, spec
        self.time_limit, self.gap, self.source = time_limit, gap, source
        self.deadline = time.perf_counter() + time_limit
        self.planned, self.done = 1, 0  # optimisations in the chain, and done so far
        from sovopt.highs import Stop
        from sovopt.solve import LevelSolver

        self.stop = Stop()
        self.solver = LevelSolver(hm, m, d, gap, self.stop)

    def optimise(self, cost: np.ndarray, start: np.ndarray | None, name: str = ""):
        """Minimise ``cost`` from ``start``: (objective, solution, LevelResult).

        Each optimisation gets an equal share of the frontier's time left over
        the optimisations still to come (time one leaves unused passes on); the
        first, which has no start to work from, may take half of it.
        """
        from sovopt.highs import set_cost, set_time_limit

        h = self.hm.highs
        left = self.deadline - time.perf_counter()
        share = left / max(1, self.planned - self.done)
        if self.done == 0:
            share = max(share, left / 2)
        share = max(share, 1.0)
        self.done += 1
        set_time_limit(h, share)
        self.stop.deadline = time.monotonic() + share
        set_cost(self.hm, cost)
        t0 = time.perf_counter()
        # The solve's own level optimiser: a supervised run, every vector verified
        # against the model and every limit, retried another way when it fails.
        lv, values = self.solver.optimise(name, {}, cost, 1.0, start, f"frontier: {name}")
        lv.seconds = time.perf_counter() - t0
        if values is None and lv.value is not None:
            values = start  # the time ran out: the (verified) start is the best there is
        return (None if lv.value is None else float(lv.value)), values, lv

    def point(self, index: int, role: str, level: float | None, values: np.ndarray | None,
              levels: list, t0: float) -> PointResult:
        """A solved point as a PointResult: portfolio, check of every limit, Report."""
        import pandas as pd

        from sovopt.metrics import evaluate
        from sovopt.report import report_from_solve
        from sovopt.solve import SolveResult, portfolio_of

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
        return PointResult(index, report, time.perf_counter() - t0,
                           extra={"role": role, "level": level,
                                  "measure": float("nan") if measure is None else measure,
                                  "started": started,
                                  "violations": len(metrics.violations) if metrics else 0})

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


def frontier_table(points: list[PointResult], run_ids: dict[int, str]) -> pd.DataFrame:
    """One row per point, least cost first: role, level, measure, cost, cost per point
    of measure bought (against the previous point), gap, status, knee, options that
    enter and leave against the previous point, run id."""
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
                     "cost_per_point": per_point,
                     "gap": p.report.summary.get("mip_gap"), "status": p.status,
                     "knee": "knee" if i == k else "",
                     "knee_cost": cost[i] if i == k else np.nan,
                     "enters": enters, "leaves": leaves, "run_id": run_ids.get(p.index)})
    return pd.DataFrame(rows)
