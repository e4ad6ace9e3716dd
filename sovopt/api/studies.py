"""Studies from Python: the frontier, a sweep and the robust core, as the CLI runs them.

Each function runs the study's own machinery (:mod:`sovopt.studies`): the same
tasks, the same executors, and every point recorded as a run in one group of
the run store (``store=``; a temporary store when none is given). Sweep and
robust solve their points in worker processes (``workers``, default: the
cores): a script calling them runs them under ``if __name__ == "__main__":``,
as :mod:`multiprocessing` asks; a notebook needs nothing. It returns a
:class:`StudyResult`: ``points``, the tidy table of the study's sheet
(:data:`sovopt.outputs.STUDY_TABLES`), ``runs``, each point as a
:class:`~sovopt.api.result.Result`, ``group``, and ``plot()``.

The examples use :func:`sovopt.example.tiny_case` (worked by hand there).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from sovopt.api.result import Result
from sovopt.api.store import Store, store_location
from sovopt.case import Case
from sovopt.errors import SovoptError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sovopt.runs import RunStore
    from sovopt.studies.record import StudyOutcome

StoreSpec = str | os.PathLike[str] | Store


class StudyResult:
    """A finished (or stopped) study: ``points`` (its table), ``runs`` (point -> Result),
    ``group`` (its group in the run store), ``status`` (``complete`` when every point was
    solved), ``store`` (the Store it was recorded in; None for a temporary one)."""

    kind = "study"

    def __init__(self, points: pd.DataFrame, outcome: StudyOutcome, store: Store | None,
                 currency: str = ""):
        self.points = points
        self.group = outcome.group
        self.status = outcome.status
        self.store = store
        self.currency = currency
        located = str(store.location) if store is not None else None
        self.runs: dict[int, Result] = {i: Result(p.report, stored_in=located)
                                        for i, p in sorted(outcome.points.items())}

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} {self.group}: {self.status}, "
                f"{len(self.runs)} of {len(self.points)} points solved>")


class FrontierResult(StudyResult):
    """The cost–dependence frontier: ``points`` has one row per point, least cost first
    (role, measure_level, measure, cost, cost_per_point, gap, status, knee, enters,
    leaves, run_id); ``measure`` is the dependence measure traded against cost.
    See :func:`frontier` for an example.

    >>> import sovopt
    >>> sovopt.FrontierResult.kind
    'frontier'
    """

    kind = "frontier"

    def __init__(self, points: pd.DataFrame, outcome: StudyOutcome, store: Store | None,
                 currency: str, measure: str, frontier_status: tuple[str, str] = ("", "")):
        super().__init__(points, outcome, store, currency)
        self.measure = measure
        self.points.attrs["measure"] = measure
        #: ``optimal`` when both ends are proven within the gap, else ``time_limit``
        #: (:func:`sovopt.studies.frontier.frontier_status`), and what that means in words
        self.frontier_status, self.frontier_status_detail = frontier_status

    @property
    def knee(self) -> pd.Series | None:
        """The knee's row of ``points`` (None with fewer than three distinct points)."""
        rows = self.points[self.points["knee"] == "knee"]
        return rows.iloc[0] if len(rows) else None

    def plot(self) -> Figure:
        """Cost against the measure, knee marked, each point's proven band
        (:func:`sovopt.plots.frontier`)."""
        from sovopt import plots

        return plots.frontier(self.points, self.measure, self.currency)


class SweepResult(StudyResult):
    """A grid of what-ifs: ``points`` has point, one column per varied input, status,
    the KPIs, the points it cannot be told apart from (distinguishable) and run_id (see
    :func:`sweep` for an example).

    >>> import sovopt
    >>> sovopt.SweepResult.kind
    'sweep'
    """

    kind = "sweep"

    def plot(self, kpi: str = "total_cost") -> Figure:
        """``kpi`` against the varied input (:func:`sovopt.plots.sweep`)."""
        from sovopt import plots

        return plots.sweep(self.points, kpi, self.currency)


class RobustResult(StudyResult):
    """The robust core: ``points`` has one row per sample (sample, seed, status, KPIs,
    started options, run_id); ``core`` one row per option with its core index and class
    (core ≥ 0.9, exterior ≤ 0.1, borderline between); see :func:`robust` for an example.

    >>> import sovopt
    >>> sovopt.RobustResult.kind
    'robust'
    """

    kind = "robust"

    def __init__(self, points: pd.DataFrame, outcome: StudyOutcome, store: Store | None,
                 currency: str, core: pd.DataFrame):
        super().__init__(points, outcome, store, currency)
        self.core = core

    def plot(self) -> Figure:
        """Core index per option (:func:`sovopt.plots.robust`)."""
        from sovopt import plots

        return plots.robust(self.core)


def frontier(case: Case, points: int = 5, measure: str = "cvar",
             time_limit: float | None = None, gap: float | None = None,
             store: StoreSpec | None = None, group: str | None = None) -> FrontierResult:
    """The cost–dependence frontier of ``case`` (``sovopt frontier``): ``points`` points
    from least cost to least ``measure`` (``cvar``, ``exposure``, ``hhi``,
    ``expected_shortfall``) by the ε-constraint method on one compiled model.
    ``time_limit`` is the whole frontier's (default: 3 × Settings time_limit_s).

    >>> import sovopt
    >>> from sovopt.example import tiny_case
    >>> fr = sovopt.frontier(tiny_case(), points=3, measure="exposure")
    >>> fr.points[["measure", "cost"]].values.tolist()   # 5 units moved home at 4 each
    [[0.05, 10.0], [0.025, 30.0], [0.0, 50.0]]
    >>> fr.status, sorted(fr.runs), fr.store is None, fr.frontier_status
    ('complete', [0, 1, 2], True, 'optimal')
    >>> fr.plot().axes[0].get_ylabel()
    'Total cost (EUR)'
    """
    from sovopt.report import WITH_PORTFOLIO
    from sovopt.studies.frontier import (
        FrontierSpec,
        check_spec,
        frontier_points,
        frontier_status,
        frontier_table,
    )
    from sovopt.studies.record import Recorder
    from sovopt.studies.tasks import Task

    spec = FrontierSpec(measure, points, time_limit, gap)
    check_spec(spec)
    info = {"measure": measure, "points": points, "executor": "local"}
    with _study_store(store) as (runs, kept):
        rec = Recorder(runs, "frontier", case, None, points, info, group)

        def record(point: Any) -> None:
            rec.record(Task(point.index, point.extra["role"]), point)

        try:
            found = frontier_points(case, spec, case.source, on_point=record)
        except BaseException as exc:
            rec.close(f"stopped early: {type(exc).__name__}: {exc}")
            raise
        outcome = rec.close()
    table = frontier_table(found, outcome.run_ids)
    solved = sum(p.status in WITH_PORTFOLIO for p in found)
    if not solved:
        raise SovoptError("no point of the frontier has a plan; raise time_limit")
    return FrontierResult(table, outcome, kept, case.settings.currency, measure,
                          frontier_status(found))


def sweep(case: Case, vary: Mapping[str, Sequence[float] | str] | Sequence[str],
          objective: str | None = None, time_limit: float | None = None,
          gap: float | None = None, store: StoreSpec | None = None,
          group: str | None = None, workers: int | None = None) -> SweepResult:
    """Solve ``case`` at every point of a grid of what-ifs (``sovopt sweep``).

    ``vary`` maps an input, named as ``--vary`` and :meth:`sovopt.case.Case.scaled`
    name it, to its values: ``{"budget": [0.8, 1.0, 1.2]}`` (factors of a column),
    ``{"scenario:EMB-HEL.loss": "0:1:3"}`` (a cell's values, ``LO:HI:N``); several
    inputs make the full grid. ``--vary`` texts (``["budget=0.8:1.2:3"]``) work too.
    The case as given is solved once: as the grid point that leaves it unchanged, or
    as point 0 when there is none. ``time_limit`` is each solve's.

    >>> import sovopt
    >>> from sovopt.example import tiny_case
    >>> sw = sovopt.sweep(tiny_case(), {"option:ALLY.unit_cost": [1.0, 6.0]}, workers=1)
    >>> sw.points["total_cost"].tolist()   # ALLY at 1 (the case as given), at 6: HOME wins
    [10.0, 50.0]
    >>> sw.plot("total_cost").axes[0].get_xlabel()
    'option:ALLY.unit_cost'
    """
    from sovopt.studies.sweep import sweep_table, sweep_tasks
    from sovopt.variation import parse_vary

    texts = list(vary) if not isinstance(vary, Mapping) else [
        f"{name}={_values_text(values)}" for name, values in vary.items()]
    specs = [parse_vary(t, case) for t in texts]
    tasks = sweep_tasks(specs, objective, time_limit, gap, case)
    info = {"vary": texts, "objective": objective, "executor": "local"}
    outcome, kept = _run(case, "sweep", tasks, info, store, group, workers)
    return SweepResult(sweep_table(specs, tasks, outcome), outcome, kept,
                       case.settings.currency)


def robust(case: Case, samples: int = 20, seed: int = 1, objective: str | None = None,
           time_limit: float | None = None, gap: float | None = None,
           store: StoreSpec | None = None, group: str | None = None,
           workers: int | None = None) -> RobustResult:
    """The robust core of ``case`` (``sovopt robust``): ``samples`` perturbed cases
    (unit costs, risk scores, scenario probabilities and losses drawn within their
    ranges, from ``seed``), each solved; per option the share of samples whose plan
    starts it. ``time_limit`` is each solve's.

    >>> import sovopt
    >>> from sovopt.example import tiny_case
    >>> rb = sovopt.robust(tiny_case(), samples=2, workers=1)
    >>> rb.core.set_index("option_id")["class"].to_dict()  # ALLY at most 1.1, HOME at least 4.5
    {'ALLY': 'core', 'HOME': 'exterior'}
    """
    from sovopt.studies.robust import (
        check_ranges,
        core_table,
        robust_tasks,
        sample_seeds,
        samples_table,
    )

    check_ranges(case)
    seeds = sample_seeds(seed, samples)
    tasks = robust_tasks(seeds, objective, time_limit, gap)
    info = {"samples": len(seeds), "seed": seed, "seeds": seeds, "objective": objective,
            "executor": "local"}
    outcome, kept = _run(case, "robust", tasks, info, store, group, workers)
    core, _ = core_table(case, outcome)
    return RobustResult(samples_table(tasks, outcome), outcome, kept,
                        case.settings.currency, core)


def _values_text(values: Sequence[float] | str) -> str:
    """``[0.8, 1.2]`` -> ``0.8,1.2``; a ``LO:HI:N`` text as it is."""
    if isinstance(values, str):
        return values
    return ",".join(repr(float(v)) for v in values)


def _run(case: Case, kind: str, tasks: list, info: dict[str, Any], store: StoreSpec | None,
         group: str | None, workers: int | None) -> tuple[StudyOutcome, Store | None]:
    """Solve ``tasks`` on a local process pool, recording each point (``run_study``)."""
    from sovopt.executors import make_executor
    from sovopt.studies.record import run_study

    ex = make_executor("local", workers)
    try:
        with _study_store(store) as (runs, kept):
            outcome = run_study(ex, runs, kind, case, None, tasks, info, group)
    finally:
        ex.close()
    return outcome, kept


@contextmanager
def _study_store(store: StoreSpec | None) -> Iterator[tuple[RunStore, Store | None]]:
    """The run store a study records into: ``store``, or a temporary one (then None
    is kept: its runs are gone with it, the Results hold their Reports)."""
    from sovopt.runs import RunStore

    if store is not None:
        with RunStore(store_location(store)) as runs:
            yield runs, Store(store)
        return
    with tempfile.TemporaryDirectory(prefix="sovopt-study-") as folder, \
            RunStore(folder) as runs:
        yield runs, None
