"""Solve and stress-test a Case from Python, through the pipeline the CLI runs.

:func:`solve` is ``sovopt solve`` and :func:`stress` is ``sovopt stress``
without the files: both go through :mod:`sovopt.pipeline` (the one way from a
Case to a Report) and, given ``store=``, record the run in the run store
exactly as the commands do (``sovopt runs`` lists it, with the case as its
input workbook).

>>> import sovopt
>>> r = sovopt.stress(sovopt.example_case(), sovopt.Portfolio.empty())
>>> r.status, r.summary["total_cost"]
('violated', 0.0)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sovopt.api.result import Result
from sovopt.case import Case
from sovopt.errors import SovoptError
from sovopt.portfolio import Portfolio

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sovopt.presets import Preset
    from sovopt.runs import RunStore

#: What may name a store: its location as ``--store`` takes it, or a Store (a PathLike).
StoreSpec = str | os.PathLike[str]
#: What may name a plan: a Portfolio, a Result, a results workbook or a stored run's id.
PlanSpec = Portfolio | Result | str | os.PathLike[str]


def solve(case: Case, objective: str | Preset | None = None, time_limit: float | None = None,
          gap: float | None = None, start: PlanSpec | None = None,
          store: StoreSpec | None = None, label: str | None = None,
          progress: Callable[[str], None] | None = None) -> Result:
    """Solve ``case`` level by level, as ``sovopt solve`` does; the run's Result.

    ``objective`` is a preset name (``min_dependence``, ``min_cost``, ``balanced``),
    a preset .yaml file or a :class:`sovopt.presets.Preset` (default: Settings
    objective); ``time_limit`` the seconds for the whole solve and ``gap`` the
    relative MIP gap (default: Settings time_limit_s and mip_gap). ``start`` is a
    plan to start from (a Portfolio, a Result, a results workbook or a run id of
    ``store``). With ``store`` (a run store folder or URL, as ``--store``) the run is
    recorded there, ``label`` with it. ``progress`` is called with each phase.

    An infeasible case is a Result too: ``status`` is ``infeasible`` and
    ``diagnosis`` lists the limits to change. A status without a plan
    (``no_solution``, ``solver_error``) has blank KPIs.

    >>> import sovopt
    >>> r = sovopt.solve(sovopt.example_case(), "min_cost", time_limit=5)   # doctest: +SKIP
    >>> r.status in ("optimal", "time_limit")                               # doctest: +SKIP
    True
    """
    from sovopt.pipeline import solve_and_report
    from sovopt.presets import Preset, load_preset

    preset = objective if isinstance(objective, Preset) else load_preset(
        str(objective or case.settings.objective))
    given = _plan(start, case, store, "start") if start is not None else None

    def run(run_id: str | None, path: Path | None) -> Result:
        outcome = solve_and_report(case, preset, time_limit=time_limit, gap=gap,
                                   case_path=path, warnings=case.warnings, run_id=run_id,
                                   label=label, progress=progress, start=given)
        return Result(outcome.report)

    return _recorded(case, store, label, preset.as_dict(), run)


def stress(case: Case, portfolio: PlanSpec, store: StoreSpec | None = None,
           label: str | None = None) -> Result:
    """Evaluate a fixed plan against ``case`` without optimising, as ``sovopt stress``.

    ``portfolio`` is a :class:`sovopt.portfolio.Portfolio`, a Result (its plan), a
    results workbook (its Portfolio sheet, edited or hand-made) or a run id of
    ``store``. The status is ``feasible`` when the plan keeps every limit of the
    case, ``violated`` when it breaks any (each a Diagnostics row).

    >>> import sovopt
    >>> r = sovopt.stress(sovopt.example_case(), sovopt.Portfolio.empty())
    >>> bool((r.tables["diagnostics"]["severity"] == "violation").any())
    True
    """
    from sovopt.pipeline import stress_and_report

    plan = _plan(portfolio, case, store, "portfolio")
    source = ((portfolio.run_id or "a solve") if isinstance(portfolio, Result) else
              None if isinstance(portfolio, Portfolio) else
              Path(portfolio).name if _is_workbook(portfolio) else str(portfolio))

    def run(run_id: str | None, path: Path | None) -> Result:
        outcome = stress_and_report(case, plan, case_path=path, source=source,
                                    warnings=case.warnings, run_id=run_id, label=label)
        return Result(outcome.report)

    return _recorded(case, store, label, "stress", run)


def _recorded(case: Case, store: StoreSpec | None, label: str | None, preset: object,
              run: Callable[[str | None, Path | None], Result]) -> Result:
    """``run`` as it is, or recorded in ``store`` as the CLI records a run: begun as
    ``running`` with the case's workbook, finished with its Report, failed on error."""
    if store is None:
        return run(None, None)
    with _opened(store) as runs, _case_file(case) as path:
        run_id = runs.begin(path, label, case.settings.case_name, case.settings.as_dict(),
                            preset)
        try:
            result = run(run_id, path)
            runs.finish(run_id, result.report)
        except KeyboardInterrupt:  # a second interrupt, or one before any plan was found
            runs.fail(run_id, "stopped by Ctrl-C before a portfolio was verified",
                      status="interrupted")
            raise
        except BaseException as exc:  # recorded as failed, then raised
            runs.fail(run_id, f"{type(exc).__name__}: {exc}")
            raise
    from sovopt.api.store import store_location

    result.stored_in = str(store_location(store))
    return result


@contextmanager
def _opened(store: StoreSpec) -> Iterator[RunStore]:
    from sovopt.api.store import store_location
    from sovopt.runs import RunStore

    with RunStore(store_location(store)) as runs:
        yield runs


@contextmanager
def _case_file(case: Case) -> Iterator[Path]:
    """The case as a workbook in a temporary folder: the input the store keeps with the
    run (a what-if's own cells, not the file it was first read from)."""
    from sovopt.workbook.write_case import write_case_workbook

    name = Path(case.source or "case.xlsx").stem + ".xlsx"
    with tempfile.TemporaryDirectory(prefix="sovopt-") as folder:
        yield write_case_workbook(Path(folder) / name, case)


def _plan(spec: PlanSpec, case: Case, store: StoreSpec | None, what: str) -> Portfolio:
    """The Portfolio ``spec`` names (see :data:`PlanSpec`)."""
    if isinstance(spec, Portfolio):
        return spec
    if isinstance(spec, Result):
        return spec.as_portfolio()
    if _is_workbook(spec):
        from sovopt.workbook.portfolio_sheet import read_portfolio

        return read_portfolio(Path(spec), case)
    if store is None:
        raise SovoptError(f"{what}={str(spec)!r}: not a workbook; to name a stored run, "
                          "give store= too")
    from sovopt.api.store import Store

    return Store(store).result(str(spec)).as_portfolio()


def _is_workbook(spec: str | os.PathLike[str]) -> bool:
    """A results workbook, not a run id (as ``sovopt stress --portfolio`` tells them apart)."""
    path = Path(spec)
    return path.suffix.lower() == ".xlsx" or path.exists()
