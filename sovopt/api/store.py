"""The run store for scripts: list runs, read their tables, compare them.

:func:`open_store` names the store ``sovopt runs --store`` names (a folder or a
``postgresql://`` URL); :class:`Store` reads it through
:class:`sovopt.runs.RunStore`, opening it for each call, so a notebook holds no
connection between cells.

>>> import sovopt, tempfile
>>> store = sovopt.open_store(tempfile.mkdtemp())
>>> case = sovopt.example_case()
>>> a = sovopt.stress(case, sovopt.Portfolio.empty(), store=store, label="nothing")
>>> list(store.runs()[["label", "status"]].itertuples(index=False, name=None))
[('nothing', 'violated')]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sovopt.api.result import Result
from sovopt.errors import SovoptError

if TYPE_CHECKING:
    from sovopt.runs import RunStore

#: The tables of a comparison (:class:`sovopt.comparison.Comparison`), by name.
COMPARISON_TABLES = ("kpis", "runs", "options", "spend", "dependence", "inputs")


class Store:
    """A run store: ``runs()`` lists its runs, ``table(name)`` one result table of many
    runs, ``result(run_id)`` one run as a :class:`~sovopt.api.result.Result`.

    ``location`` is the store's folder or URL (as ``--store``).
    Anything that takes ``store=`` takes a Store too.

    >>> import sovopt, tempfile
    >>> store = sovopt.open_store(tempfile.mkdtemp())
    >>> r = sovopt.stress(sovopt.example_case(), sovopt.Portfolio.empty(), store=store)
    >>> store.result(r.run_id).status, len(store.table("scenarios", runs=[r.run_id])) > 0
    ('violated', True)
    """

    def __init__(self, location: str | os.PathLike[str] | Store):
        self.location = location.location if isinstance(location, Store) else location

    def __repr__(self) -> str:
        return f"<Store {self.location}>"

    def __fspath__(self) -> str:
        return os.fspath(self.location)

    def _open(self) -> RunStore:
        from sovopt.runs import RunStore

        return RunStore(self.location)

    def runs(self, group: str | None = None, label: str | None = None,
             case: str | None = None, status: str | None = None) -> pd.DataFrame:
        """One row per run, newest first (a group's in the order of its points): run_id,
        created, label, case_name, input_name, status, preset, message, group, point,
        then one column per KPI (``sovopt runs``). ``group`` keeps one study's runs;
        ``label`` and ``case`` keep runs whose label or case name contains the text."""
        with self._open() as st:
            return st.list(case=case, label=label, status=status, group=group)

    def table(self, name: str, runs: Sequence[str] | str | None = None) -> pd.DataFrame:
        """Result table ``name`` (``portfolio``, ``spend``, ``scenarios``, ...) of many
        runs in one long DataFrame, ``run_id`` first. ``runs`` is a list of run ids or a
        group's id (default: every run of the store, newest first); runs without the
        table (unfinished, failed) are left out."""
        from sovopt.outputs import TABLE_COLUMNS

        with self._open() as st:
            if runs is None:
                ids = st.list()["run_id"].tolist()
            elif isinstance(runs, str):
                ids = st.group_run_ids(runs)
            else:
                ids = [st.resolve(r) for r in runs]
            parts = []
            for rid in ids:
                df = st.get(rid).tables.get(name)
                if df is not None:
                    parts.append(df.assign(run_id=rid))
        columns = ["run_id", *TABLE_COLUMNS.get(name, [])]
        if not parts:
            return pd.DataFrame(columns=columns)
        out = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
        return out[["run_id", *[c for c in out.columns if c != "run_id"]]]

    def result(self, run_id: str) -> Result:
        """The stored run ``run_id`` (a full id, a run number such as ``r7``, or a unique
        prefix) as a Result."""
        with self._open() as st:
            report = st.get(run_id)
        return Result(report, stored_in=str(self.location))

    def input_bytes(self, run_id: str) -> bytes | None:
        """The bytes of the case workbook a run was solved from (None if not kept)."""
        with self._open() as st:
            try:
                return st.input_bytes(run_id)
            except SovoptError:
                return None


def open_store(path_or_url: str | os.PathLike[str] | None = None) -> Store:
    """The run store at ``path_or_url``, named as ``--store`` names it (a folder, created
    if missing, or a team's ``postgresql://`` URL), or the one the commands use by
    default: ``SOVOPT_STORE``, else the nearest ``.sovopt`` folder.

    >>> import sovopt, tempfile
    >>> sovopt.open_store(tempfile.mkdtemp()).runs().empty
    True
    """
    if path_or_url is None:
        from sovopt.runs import default_store

        path_or_url = os.environ.get("SOVOPT_STORE") or default_store()
    store = Store(path_or_url)
    store._open().close()  # a store that cannot be used says so now, not at first use
    return store


def compare(runs: Sequence[Result | str], store: str | os.PathLike[str] | Store | None = None,
            table: str = "kpis") -> pd.DataFrame:
    """Compare runs (the first is the base), as ``sovopt compare`` does: by default the
    KPI table (metric, run_id, value, delta, delta_pct); ``table`` picks another of
    :data:`COMPARISON_TABLES` (options added / dropped / changed, spend shifted,
    dependence per capability, input differences of stored runs).

    ``runs`` are Results or run ids of ``store``.

    >>> import sovopt
    >>> case = sovopt.example_case()
    >>> a = sovopt.stress(case, sovopt.Portfolio.empty())
    >>> b = sovopt.stress(case.scaled("budget", 0.5), sovopt.Portfolio.empty())
    >>> kpis = sovopt.compare([a, b])
    >>> float(kpis[kpis["metric"] == "budget_total"]["delta_pct"].iloc[1])
    -0.5
    """
    from sovopt.comparison import compare as compare_reports

    if table not in COMPARISON_TABLES:
        raise SovoptError(f"table={table!r}: expected one of {', '.join(COMPARISON_TABLES)}")
    results = [r if isinstance(r, Result) else _stored(r, store) for r in runs]
    if len(results) < 2:
        raise SovoptError("compare needs at least two runs")
    inputs = [Store(r.stored_in).input_bytes(str(r.report.summary["run_id"]))
              if r.stored_in else None for r in results]
    comparison = compare_reports([r.report for r in results],
                                 inputs if any(i is not None for i in inputs) else None)
    return comparison.tables()[table]


def _stored(run_id: str, store: str | os.PathLike[str] | Store | None) -> Result:
    if store is None:
        raise SovoptError(f"run {run_id!r}: give store= to read stored runs")
    return Store(store).result(run_id)


def store_location(store: str | os.PathLike[str] | Store) -> str | Path:
    """The location a ``store=`` argument names."""
    return store.location if isinstance(store, Store) else store
