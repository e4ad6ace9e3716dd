"""The portfolio a command is pointed at: a results workbook's Portfolio sheet or a run.

``sovopt stress --portfolio`` evaluates it, ``sovopt solve --start`` starts from
it; both name it the same way (RESULTS.xlsx, edited or hand-made, or a run id
of the store) and read it here.
"""

from __future__ import annotations

from pathlib import Path

from sovopt.case import Case
from sovopt.errors import SovoptError
from sovopt.portfolio import Portfolio
from sovopt.runs import RunStore
from sovopt.workbook.portfolio_sheet import read_portfolio


def named_portfolio(source: str, case: Case, store: str, option: str
                    ) -> tuple[Portfolio, str]:
    """The portfolio ``source`` names, and where it came from (file name or run id).

    ``option`` is the command-line option that named it, for the messages.
    """
    path = Path(source)
    if path.suffix.lower() == ".xlsx" or path.exists():
        return read_portfolio(path, case), path.name
    return portfolio_from_run(source, store, option)


def portfolio_from_run(run_id: str, store: str, option: str = "--portfolio"
                       ) -> tuple[Portfolio, str]:
    """The portfolio of a stored run, and the run's full id."""
    if not RunStore.exists(store):
        raise SovoptError(f"{option} {run_id}: not a workbook, and there is no run store "
                          f"at {store} to look it up in (give RESULTS.xlsx or --store DIR)")
    with RunStore(store) as runs:
        report = runs.get(run_id)
    plan = Portfolio.from_tables(report.tables)
    if plan is None:
        raise SovoptError(f"run {report.summary['run_id']} has no portfolio (it did not "
                          "finish, or it was infeasible)")
    return plan, str(report.summary["run_id"])
