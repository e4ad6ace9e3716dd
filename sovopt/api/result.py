"""The result of a run for scripts: a Summary Series, the result tables and plots.

A :class:`Result` wraps a :class:`sovopt.report.Report`, the one record every
output is written from (the results workbook, the run store, ``--json``), so
``result.summary`` holds what ``sovopt solve --json`` prints (with every digit) and
``result.tables`` exactly what the workbook's sheets and the run store hold.
A Result read back from the run store (:meth:`sovopt.api.store.Store.result`)
is as good as a fresh one.

>>> import sovopt
>>> r = sovopt.stress(sovopt.example_case(), sovopt.Portfolio.empty())  # a plan buying nothing
>>> r.status, r.summary["total_cost"], r.summary["unmet_units"]
('violated', 0.0, 2714.0)
>>> r.summary.labels["unmet_units"]
'Unmet demand'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sovopt.errors import SovoptError
from sovopt.outputs import summary_quantity
from sovopt.portfolio import Portfolio
from sovopt.report import STRESS_BROKEN, STRESS_OK, WITH_PORTFOLIO, Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The diagnosis columns of an infeasible case (the Diagnostics sheet's ``infeasible`` rows).
DIAGNOSIS_COLUMNS = ["where", "sheet", "cell", "current", "needed", "change", "message"]


class Summary(pd.Series):
    """The Summary of a run: a Series indexed by key (``total_cost``, ``cvar``, ...),
    numbers as floats, a measure that does not exist as None.

    ``labels`` gives each key's label and :meth:`describe` its label, unit and
    meaning, from the output schema (:data:`sovopt.outputs.SUMMARY`).

    >>> s = Summary({"total_cost": 12.5, "cvar": 0.1}, currency="EUR")
    >>> s.describe().loc["total_cost", "unit"]
    'EUR'
    """

    _metadata = ["currency"]

    def __init__(self, *args, currency: str = "", **kwargs):
        kwargs.setdefault("dtype", object)
        super().__init__(*args, **kwargs)
        self.currency = currency

    @property
    def _constructor(self):
        return pd.Series  # a slice or a sum is a plain Series

    @property
    def labels(self) -> pd.Series:
        """Key -> label (``total_cost`` -> ``Total cost``).

        >>> Summary({"hhi_max": 0.5}).labels["hhi_max"]
        'Import concentration (HHI), worst'
        """
        return pd.Series({k: summary_quantity(k).label for k in self.index}, dtype=object)

    def describe(self) -> pd.DataFrame:  # type: ignore[override]
        """One row per key: label, value, value as shown (formatted), unit, meaning.

        >>> Summary({"local_share": 0.25}).describe().loc["local_share", "shown"]
        '25.0%'
        """
        rows = []
        for key, value in self.items():
            q = summary_quantity(str(key))
            unit = q.unit.replace("currency", self.currency or "currency")
            rows.append({"key": key, "label": q.label, "value": value,
                         "shown": q.text(value, self.currency), "unit": unit,
                         "meaning": q.described(self.currency)})
        return pd.DataFrame(rows).set_index("key")


class RunPlots:
    """``result.plot``: the pictures of one run (:mod:`sovopt.plots`), each a Figure.

    >>> import sovopt
    >>> fig = sovopt.stress(sovopt.example_case(), sovopt.Portfolio.empty()).plot.scenarios()
    >>> fig.axes[0].get_xlabel()
    'Weighted loss (weighted share of demand)'
    """

    def __init__(self, report: Report):
        self._report = report

    def spend(self) -> Figure:
        """Spending per year by country of origin against the budget
        (:func:`sovopt.plots.spend`)."""
        from sovopt import plots
        return plots.spend(self._report)

    def dependence(self) -> Figure:
        """Capability x country heat map of value-origin shares
        (:func:`sovopt.plots.dependence`)."""
        from sovopt import plots
        return plots.dependence(self._report)

    def scenarios(self) -> Figure:
        """Loss per scenario and capability (:func:`sovopt.plots.scenarios`)."""
        from sovopt import plots
        return plots.scenarios(self._report)

    def fleet(self) -> Figure:
        """Units required, in service and available (:func:`sovopt.plots.fleet`)."""
        from sovopt import plots
        return plots.fleet(self._report)


class Result:
    """One run: a solve or a stress test, fresh or read back from the run store.

    - ``status`` (``optimal``, ``time_limit``, ``infeasible``, ... ; a stress test:
      ``feasible`` or ``violated``) and ``status_detail`` (what it means, in words);
    - ``summary``: the KPIs (:class:`Summary`); ``tables``: the result tables by name;
    - ``portfolio``, ``levels``, ``diagnosis``: the tables a planner reads first;
    - ``run_id``: the run's id in the run store when it was stored, else None;
    - ``report``: the underlying :class:`sovopt.report.Report`; ``plot``: its pictures.

    >>> import sovopt
    >>> r = sovopt.stress(sovopt.example_case(), sovopt.Portfolio.empty())
    >>> r
    <Result stress: violated, total cost 0.00 EUR m>
    >>> len(r.portfolio), r.run_id is None
    (0, True)
    """

    def __init__(self, report: Report, stored_in: str | None = None):
        self.report = report
        #: the run store the run was recorded in (as ``store=`` named it), or None
        self.stored_in = stored_in

    def __repr__(self) -> str:
        s = self.report.summary
        cost = summary_quantity("total_cost").text(s.get("total_cost"), self.currency)
        return (f"<Result {s.get('objective')}: {self.status}, total cost {cost}"
                + (f", run {self.run_id}" if self.run_id else "") + ">")

    @property
    def currency(self) -> str:
        """The case's currency (Settings currency)."""
        return str((self.report.run.get("settings") or {}).get("currency") or "")

    @property
    def status(self) -> str:
        """The run's status (Summary ``status``)."""
        return str(self.report.summary.get("status"))

    @property
    def status_detail(self) -> str:
        """What the status means for this plan, in words.

        >>> import sovopt
        >>> r = sovopt.stress(sovopt.example_case(), sovopt.Portfolio.empty())
        >>> r.status_detail[:46]
        'The portfolio breaks 111 limits of the case: D'
        """
        return str(self.report.summary.get("status_detail") or "")

    @property
    def summary(self) -> Summary:
        """The Summary: the keys of ``sovopt solve --json``, in the same order, with every
        digit (``--json`` rounds them as people write them,
        :func:`sovopt.outputs.rounded_summary`)."""
        return Summary(dict(self.report.summary), currency=self.currency)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables by name (:data:`sovopt.report.TABLE_NAMES`): the same as the
        results workbook's sheets and the run store's tables."""
        return self.report.tables

    @property
    def portfolio(self) -> pd.DataFrame:
        """One row per option started: capability, supplier, country, mode, start year,
        units and cost (the Portfolio sheet)."""
        return self._table("portfolio")

    @property
    def levels(self) -> pd.DataFrame:
        """One row per level of the objective: its value, bound, gap and seconds."""
        return self._table("levels")

    @property
    def diagnosis(self) -> pd.DataFrame:
        """For an infeasible case, the limits to change: where (Sheet!Cell), sheet, cell,
        current value, value needed, change and the message; empty otherwise."""
        diag = self._table("diagnostics")
        if diag.empty or "severity" not in diag:
            return pd.DataFrame(columns=DIAGNOSIS_COLUMNS)
        rows = diag[diag["severity"] == "infeasible"]
        return rows.reindex(columns=DIAGNOSIS_COLUMNS).reset_index(drop=True)

    @property
    def run_id(self) -> str | None:
        """The run's id in the run store, or None when it was not stored."""
        return str(self.report.summary.get("run_id")) if self.stored_in else None

    @property
    def plot(self) -> RunPlots:
        """The run's pictures: ``result.plot.spend()``, ``.dependence()``,
        ``.scenarios()``, ``.fleet()`` (each a matplotlib Figure)."""
        return RunPlots(self.report)

    def as_portfolio(self) -> Portfolio:
        """The run's plan as a :class:`sovopt.portfolio.Portfolio`, to stress-test it
        against another case or start a solve from it (``start=``)."""
        plan = Portfolio.from_tables(self.report.tables)
        if plan is None or self.report.tables["portfolio"].empty and \
                self.status not in WITH_PORTFOLIO + (STRESS_OK, STRESS_BROKEN):
            raise SovoptError(f"the run has no plan (status {self.status})")
        return plan

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the results workbook (the one ``sovopt solve`` writes) to ``path``.

        >>> import sovopt, tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "nothing.results.xlsx"
        >>> r = sovopt.stress(sovopt.example_case(), sovopt.Portfolio.empty())
        >>> r.to_excel(out).exists()
        True
        """
        from sovopt.workbook.results import write_results

        return write_results(self.report, path, self.currency)

    def _table(self, name: str) -> pd.DataFrame:
        from sovopt.outputs import TABLE_COLUMNS

        df = self.report.tables.get(name)
        return df if df is not None else pd.DataFrame(columns=TABLE_COLUMNS.get(name, []))
