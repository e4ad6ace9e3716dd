"""The one way from a Case to a Report: solve (or take a fixed portfolio), evaluate, report.

:func:`solve_and_report` is what ``sovopt solve``, the benchmark's child
process and the documentation pictures (tools/) run; :func:`stress_and_report`
is what ``sovopt stress`` runs. Both return an :class:`Outcome` holding the
Report (what every output is written from), the metrics of the portfolio and,
for a solve, the SolveResult. Nothing here touches a file: the caller reads
the case and writes the results workbook and the run store.

The solver stack (Pyomo, HiGHS) is imported only inside
:func:`solve_and_report`, so a stress test and the CLI's start-up never load it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sovopt.case import Case
from sovopt.errors import Problem
from sovopt.metrics import Metrics, evaluate
from sovopt.portfolio import Portfolio
from sovopt.prepare import prepare
from sovopt.report import Report, report_from_solve, report_from_stress

if TYPE_CHECKING:
    from sovopt.presets import Preset
    from sovopt.solver import SolveResult
    from sovopt.time_budget import TimeBudget

#: The message :func:`solve_and_report` reports while it computes the KPIs.
EVALUATING = "computing the results"


@dataclass
class Outcome:
    """A run's Report, the metrics of its portfolio (None without one) and, for a solve,
    the SolveResult; ``timings`` adds the seconds of evaluating and reporting."""

    report: Report
    metrics: Metrics | None
    result: SolveResult | None = None
    timings: dict[str, float] = field(default_factory=dict)


def solve_and_report(case: Case, objective: str | Preset | None = None, *,
                     time_limit: float | None = None, gap: float | None = None,
                     case_path: str | os.PathLike[str] | None = None,
                     warnings: Iterable[Problem] = (), run_id: str | None = None,
                     label: str | None = None,
                     progress: Callable[[str], None] | None = None,
                     highs_options: dict[str, object] | None = None,
                     export_first_level: str | None = None,
                     with_metrics: bool = True, start: Portfolio | None = None,
                     budget: TimeBudget | None = None) -> Outcome:
    """Solve ``case`` (:func:`sovopt.solver.solve_case`), evaluate its portfolio and build
    the run's Report.

    The KPIs are computed only when the solve has a verified portfolio
    (``result.has_portfolio``) and ``with_metrics`` is true (the
    benchmark's build-only sizes skip them); otherwise they are blank.
    ``budget``: the command's time limit, started before the case was read
    (:class:`sovopt.time_budget.TimeBudget`); the KPIs and the report are timed in it.
    """
    t0 = time.monotonic()
    from sovopt.solver import solve_case  # the solver stack loads only when solving

    if budget is not None:  # loading it is part of the command's time
        budget.spent["load solver"] = budget.spent.get("load solver", 0.0) + (
            time.monotonic() - t0)

    result = solve_case(case, objective, time_limit, gap, progress=progress,
                        highs_options=highs_options, export_first_level=export_first_level,
                        start=start, budget=budget)
    timings: dict[str, float] = {}
    metrics = None
    if with_metrics and result.has_portfolio:
        if progress is not None:
            progress(EVALUATING)
        t0 = time.perf_counter()
        metrics = evaluate(result.data, result.portfolio)
        timings["evaluate"] = result.timings["evaluate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = report_from_solve(result, metrics, case_path, run_id=run_id, warnings=warnings)
    report.run["label"] = label
    timings["report"] = result.timings["report"] = time.perf_counter() - t0
    report.run.setdefault("timings", {})["report"] = timings["report"]
    return Outcome(report=report, metrics=metrics, result=result, timings=timings)


def stress_and_report(case: Case, portfolio: Portfolio, *,
                      case_path: str | os.PathLike[str] | None = None,
                      source: str | None = None, warnings: Iterable[Problem] = (),
                      run_id: str | None = None, label: str | None = None) -> Outcome:
    """Evaluate a fixed ``portfolio`` against ``case`` without optimising; its Report.

    ``source`` says where the portfolio came from (a workbook's name or a run id).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    d = prepare(case)
    timings["prepare"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    metrics = evaluate(d, portfolio)
    timings["evaluate"] = time.perf_counter() - t0
    report = report_from_stress(metrics, d, case_path=case_path, portfolio_source=source,
                                run_id=run_id, warnings=warnings, timings=timings)
    report.run["label"] = label
    return Outcome(report=report, metrics=metrics, timings=timings)
