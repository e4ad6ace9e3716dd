"""The result of a run as data: Summary metrics, tidy tables and run information.

A Report is what every output is made from: the results workbook
(:mod:`sovopt.workbook.results`), the run store (:mod:`sovopt.runs`), the
terminal summary and ``--json``. It holds no Pyomo object and no file handle,
so a run read back from the store is a Report as good as a fresh one.

:func:`report_from_solve` and :func:`report_from_stress` build one from the
metrics of a portfolio (:func:`sovopt.metrics.evaluate`):

- ``summary``: exactly :data:`sovopt.outputs.SUMMARY_KEYS`; numbers are floats, a measure
  that does not exist (no portfolio, no scenarios) is None. ``objective`` is
  the preset's name (``stress`` for a stress test), ``mip_gap`` the largest gap
  left on any level, ``solve_seconds`` the sum of the solver's level timings.
- ``tables`` (:data:`TABLE_NAMES`): portfolio, deliveries, spend (by the
  supplier's country), spend_origin (the same money by value origin),
  dependence, share_matrix, scenarios, constraints (marginal values from the
  solve's duals), diagnostics (severity, where, message: infeasibility
  relaxations, broken limits, validation warnings, excluded options) and
  levels (level, name, status, value, gap, seconds).
- ``run``: run_id, label, command, status, created (UTC), case_name,
  input_file and input_sha256, versions (sovopt, Pyomo, HiGHS), settings,
  names (entity -> id -> name, for the outputs people read), units (capability ->
  what one unit is), budgets (year -> budget of the case), timings; for a
  solve also preset, stats, time_limit_s and mip_gap_setting;
  for a stress test portfolio_source.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sovopt import __version__
from sovopt.case import Case
from sovopt.errors import Problem
from sovopt.metrics import METRIC_TABLES, Metrics
from sovopt.outputs import METRIC_KEYS, NAMED, SUMMARY_KEYS, TABLE_COLUMNS, rounded_summary
from sovopt.prepare import ModelData
from sovopt.sourcing import never_met, never_met_text
from sovopt.status import Status

if TYPE_CHECKING:  # solve imports Pyomo; a Report must not need it
    from sovopt.solver import SolveResult



@dataclass
class Report:
    """``summary``: SUMMARY_KEYS -> value; ``tables``: name -> tidy DataFrame;
    ``run``: run information (ids, file, hashes, versions, settings, preset, timings)."""

    summary: dict[str, object]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    run: dict[str, object] = field(default_factory=dict)


# --- building a Report ------------------------------------------------------------------

#: Table names of every Report, in the order the results workbook shows them.
TABLE_NAMES = tuple(TABLE_COLUMNS)
DIAGNOSTIC_COLUMNS = TABLE_COLUMNS["diagnostics"]
LEVEL_COLUMNS = TABLE_COLUMNS["levels"]
#: Solve statuses that come with a verified portfolio (and so KPIs and a gap):
#: ``feasible`` is the older word for ``time_limit``, kept for stored runs.
WITH_PORTFOLIO = (Status.OPTIMAL, Status.TIME_LIMIT, Status.INTERRUPTED, Status.FEASIBLE)
#: Summary ``status`` of a stress test: the portfolio keeps every limit, or breaks some.
STRESS_OK, STRESS_BROKEN = Status.FEASIBLE, Status.VIOLATED


def new_run_id(when: dt.datetime | None = None) -> str:
    """A fresh run id: UTC time to the second plus 6 random hex digits (sortable, unique)."""
    when = when or dt.datetime.now(dt.UTC)
    return f"{when:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def report_from_solve(result: SolveResult, metrics: Metrics | None,
                      case_path: str | os.PathLike[str] | None, run_id: str | None = None,
                      warnings: Iterable[Problem] = ()) -> Report:
    """The Report of a solve: Summary, tables (metrics, levels, diagnostics) and run info.

    ``metrics`` is :func:`sovopt.metrics.evaluate` of the solve's portfolio, or
    None when there is no portfolio (infeasible, no solution): the KPIs are then
    blank rather than the numbers of an empty plan. ``warnings`` are the
    validation warnings of the case workbook.
    """
    d = result.data
    run_id = run_id or new_run_id()
    solve_seconds = sum(v for k, v in result.timings.items() if k.startswith("solve level"))
    solved = result.has_portfolio
    summary = _summary(
        status=result.status, objective=result.preset.name, metrics=metrics,
        budget_total=d.total_budget,
        mip_gap=float(result.gap) if solved else None,
        solve_seconds=float(solve_seconds), run_id=run_id)
    summary["status_detail"] = status_detail(result)
    tables = _metric_tables(metrics)
    if metrics is not None and len(result.duals):
        tables["constraints"] = with_marginal_values(tables["constraints"], result.duals)
    tables["diagnostics"] = _diagnostics(d, warnings, metrics, result.diagnosis,
                                         result.notes)
    tables["levels"] = pd.DataFrame(
        [(k, lv.name, lv.status, lv.value, lv.bound, lv.gap, lv.seconds, lv.cpu_seconds,
          lv.seconds_given, lv.method, lv.bound_from, lv.note)
         for k, lv in enumerate(result.levels, start=1)], columns=LEVEL_COLUMNS)
    run = _run_info(run_id, "solve", d.case, case_path, summary["status"])
    run.update(preset=result.preset.as_dict(), timings=dict(result.timings),
               stats=dict(result.stats), time_limit_s=result.time_limit,
               mip_gap_setting=result.mip_gap)
    return Report(summary=summary, tables=tables, run=run)


def report_from_stress(metrics: Metrics, d: ModelData,
                       case_path: str | os.PathLike[str] | None = None,
                       portfolio_source: str | None = None, run_id: str | None = None,
                       warnings: Iterable[Problem] = (),
                       timings: dict[str, float] | None = None) -> Report:
    """The Report of a stress test: a fixed portfolio evaluated without optimising.

    Summary ``status`` is ``feasible`` when the portfolio keeps every limit of
    the case and ``violated`` when it breaks any (each broken limit is a
    Diagnostics row); ``objective`` is ``stress``; mip_gap and solve_seconds are
    blank, since nothing was optimised.
    """
    run_id = run_id or new_run_id()
    status = STRESS_BROKEN if metrics.violations else STRESS_OK
    summary = _summary(status=status, objective="stress", metrics=metrics,
                       budget_total=d.total_budget, mip_gap=None, solve_seconds=None,
                       run_id=run_id)
    summary["status_detail"] = stress_detail(metrics)
    tables = _metric_tables(metrics)
    tables["diagnostics"] = _diagnostics(d, warnings, metrics, [])
    tables["levels"] = pd.DataFrame(columns=LEVEL_COLUMNS)
    run = _run_info(run_id, "stress", d.case, case_path, status)
    run.update(portfolio_source=portfolio_source, timings=dict(timings or {}))
    return Report(summary=summary, tables=tables, run=run)


#: Broken limits a stress test's status_detail names one by one; the rest are counted.
DETAIL_LIMITS = 5


def stress_detail(metrics: Metrics) -> str:
    """What a stress test's status means, in words: that the plan keeps every limit, or
    which limits it breaks and by how much (the first :data:`DETAIL_LIMITS`; all of
    them are on the Diagnostics sheet)."""
    vt = metrics.violation_table
    if vt.empty:
        return ("The portfolio keeps every limit of the case in every year (nothing was "
                "optimised).")
    parts = []
    for row in vt.head(DETAIL_LIMITS).itertuples(index=False):
        text = str(row.message)
        value, limit = _plain(row.value), _plain(row.limit)
        if isinstance(value, float) and isinstance(limit, float):
            text += f" (off by {abs(value - limit):.6g})"
        parts.append(text)
    more = len(vt) - DETAIL_LIMITS
    tail = f"; and {more} more (Diagnostics sheet)" if more > 0 else ""
    n = len(vt)
    return (f"The portfolio breaks {n} limit{'s' if n != 1 else ''} of the case: "
            + "; ".join(parts) + tail + ".")


def json_summary(report: Report, out: str | os.PathLike[str] | None) -> dict[str, object]:
    """What ``solve --json`` and ``stress --json`` print: the Summary (keys as stored,
    values rounded as people write them, :func:`sovopt.outputs.rounded_summary`),
    ``out`` (the results workbook written, or None) and ``diagnosis``: each change
    that makes an infeasible case feasible as {sheet, cell, current, needed, change}
    (empty when there is none)."""
    diag = report.tables.get("diagnostics")
    changes = []
    if diag is not None and len(diag):
        for row in diag[diag["severity"] == "infeasible"].itertuples(index=False):
            changes.append({"sheet": row.sheet, "cell": row.cell,
                            "current": _plain(row.current), "needed": _plain(row.needed),
                            "change": _plain(row.change)})
    return {**rounded_summary(report.summary), "out": str(out) if out is not None else None,
            "diagnosis": changes}


def with_marginal_values(constraints: pd.DataFrame, duals: pd.DataFrame) -> pd.DataFrame:
    """The constraints table with ``marginal_value`` and its ``meaning`` in words from a
    solve's duals (blank if none)."""
    by = duals.set_index(["constraint", "year"])
    out = constraints.copy()
    keys = list(zip(out["constraint"], out["year"], strict=True))
    out["marginal_value"] = [float(by.at[k, "marginal_value"]) + 0.0 if k in by.index
                             else np.nan for k in keys]
    if "meaning" in by.columns:
        out["meaning"] = [str(by.at[k, "meaning"]) if k in by.index else None for k in keys]
    return out


def status_detail(result: SolveResult) -> str:
    """What the status means for this plan, in plain words (Summary, terminal, --json).

    A plan not proven optimal says how much better the best possible could be,
    level by level, in the level's own terms.
    """
    status = result.status
    if status == Status.SOLVER_ERROR:
        return f"The solver failed, so no plan is given: {result.message}"
    if status == Status.NO_SOLUTION:
        return "No portfolio was found within the time limit; no plan is given."
    if status == Status.INFEASIBLE:
        return "No portfolio meets every limit of the case (see Diagnostics)."
    if status == Status.INTERRUPTED and not result.has_portfolio:
        return "The solve was interrupted before any portfolio was found; no plan is given."
    open_levels = [lv for lv in result.levels
                   if lv.gap is not None and lv.gap > result.mip_gap + 1e-9]
    unsolved = [lv for lv in result.levels if lv.status.startswith("not solved")]
    parts = []
    for lv in open_levels:
        parts.append(f"the best possible could be up to {lv.gap:.0%} better on {lv.name}")
    for lv in unsolved:
        why = "interrupted" if "interrupted" in lv.status else "no time left"
        parts.append(f"{lv.name} was not optimised ({why})")
    if status == Status.OPTIMAL and not parts:
        return (f"Proven optimal: every level is within the requested gap of "
                f"{result.mip_gap:.1%}.")
    lead = ("Interrupted: this is the best plan found when the solve was stopped, not "
            "proven optimal" if status == Status.INTERRUPTED else
            "Not proven optimal: the time limit ended the solve")
    return lead + (": " + "; ".join(parts) + "." if parts else ".")


def _summary(status: str, objective: str, metrics: Metrics | None, budget_total: float,
             mip_gap: float | None, solve_seconds: float | None,
             run_id: str) -> dict[str, object]:
    """The Summary rows, exactly :data:`SUMMARY_KEYS`, numbers as plain floats."""
    kpis = metrics.kpis if metrics is not None else {}
    values: dict[str, object] = {k: _plain(kpis.get(k)) for k in METRIC_KEYS}
    values.update(status=status, objective=objective, budget_total=float(budget_total),
                  mip_gap=mip_gap, solve_seconds=solve_seconds, run_id=run_id)
    return {k: values.get(k) for k in SUMMARY_KEYS}


def _plain(value: object) -> object:
    """None for blanks and NaN, float for numbers: what JSON and a cell hold."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        value = float(value)
        return None if math.isnan(value) else value
    return value


def _metric_tables(metrics: Metrics | None) -> dict[str, pd.DataFrame]:
    """The metric tables (empty, with their columns, when there is no portfolio)."""
    if metrics is None:
        return {name: pd.DataFrame(columns=cols) for name, cols in METRIC_TABLES.items()}
    return {name: metrics.tables[name].copy() for name in METRIC_TABLES}


def _diagnostics(d: ModelData, warnings: Iterable[Problem], metrics: Metrics | None,
                 diagnosis: list, notes: Iterable[str] = ()) -> pd.DataFrame:
    """Diagnostics rows: infeasibility relaxations, broken limits, warnings, exclusions,
    single-source years of dual sourcing and the solve's own notes."""
    rows: list[tuple] = []
    if diagnosis:
        for r in diagnosis:
            rows.append(("infeasible", r.cell, r.message, r.sheet, r.address,
                         float(r.current), float(r.needed), float(r.change)))
    if metrics is not None:
        for _, v in metrics.violation_table.iterrows():
            rows.append(("violation", str(v["where"]), str(v["message"])))
        for _, v in metrics.surplus_table.iterrows():
            rows.append(("surplus", str(v["where"]), str(v["message"])))
    for p in warnings:
        text = p.message + (f"; {p.expected}" if p.expected else "")
        rows.append((p.severity, p.where, text))
    for _, ex in d.excluded.iterrows():
        cell = d.case.cell("Options", "option_id", ex["row"])
        rows.append(("note", cell, f"option {ex['option_id']} excluded before the model was "
                                   f"built: {ex['reason']}"))
    rows += _single_source_notes(d)
    rows += [("note", "", text) for text in notes]
    blank = (None, None, np.nan, np.nan, np.nan)
    return pd.DataFrame([row if len(row) == len(DIAGNOSTIC_COLUMNS) else (*row, *blank)
                         for row in rows], columns=DIAGNOSTIC_COLUMNS)


def _single_source_notes(d: ModelData) -> list[tuple[str, str, str]]:
    """One note per capability whose min_suppliers cannot hold in some years.

    In those years fewer suppliers than required can deliver their share
    (before a second line's lead time has passed): the model leaves them out of
    dual sourcing, so the planner must know they are single source by necessity.
    A capability for which no year can hold is a warning
    (:func:`sovopt.sourcing.never_met`): its requirement cannot be met at all.
    """
    src = d.sourcing
    rows = []
    never = set(never_met(d)["capability_id"])
    for r, grp in src[~src["binding"].astype(bool)].groupby("capability_id", sort=True):
        years = sorted(int(t) for t in grp["year"])
        cell = d.case.cell("Capabilities", "min_suppliers", d.capabilities.loc[r, "row"])
        need = int(grp["need"].iloc[0])
        if r in never:
            rows.append(("warning", cell, never_met_text(r, need, int(grp["able"].max()),
                                                         cell)))
            continue
        rows.append(("note", cell, f"capability {r} needs {need} suppliers, but fewer can "
                                   f"deliver their share in {_year_list(years)}: those years "
                                   "are single source by necessity (min_suppliers is kept in "
                                   "the other years)"))
    return rows


def never_met_lines(report: Report) -> list[str]:
    """The warnings of capabilities whose minimum of suppliers can hold in no year,
    for the "In short" paragraph."""
    diag = report.tables.get("diagnostics")
    if diag is None or diag.empty:
        return []
    rows = diag[(diag["severity"] == "warning")
                & diag["message"].astype(str).str.contains("cannot be met in any year")]
    return [f"Warning: {m[0].upper()}{m[1:]}." for m in rows["message"].astype(str)]


def _year_list(years: list[int]) -> str:
    """2027, 2028, 2029, 2031 -> '2027-2029, 2031'."""
    spans: list[list[int]] = []
    for t in years:
        if spans and t == spans[-1][1] + 1:
            spans[-1][1] = t
        else:
            spans.append([t, t])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _run_info(run_id: str, command: str, case: Case,
              case_path: str | os.PathLike[str] | None, status: str) -> dict[str, object]:
    """Run information common to solve and stress: ids, input file and hash, versions."""
    path = Path(case_path) if case_path is not None else None
    return {
        "run_id": run_id,
        "label": None,
        "command": command,
        "status": status,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "case_name": case.settings.case_name,
        "input_file": path.name if path else case.source,
        "input_sha256": file_sha256(path) if path and path.is_file() else None,
        "versions": versions(),
        "settings": case.settings.as_dict(),
        "names": case_names(case),
        "units": case_units(case),
        "budgets": case_budgets(case),
    }


def case_units(case: Case) -> dict[str, str]:
    """capability -> what one unit of it is (Capabilities ``unit``), for unit columns."""
    caps = case.capabilities
    if caps is None or caps.empty or "unit" not in caps.columns:
        return {}
    return {str(k): str(v) for k, v in zip(caps["capability_id"], caps["unit"], strict=True)
            if not (v is None or (isinstance(v, float) and math.isnan(v)))}


def case_budgets(case: Case) -> dict[str, float]:
    """year -> the case's budget (Budget sheet): the sheets show the budgets of the case
    as it is even when no plan was evaluated (keys are text, as JSON keeps them)."""
    budget = case.budget
    if budget is None or budget.empty:
        return {}
    return {str(int(y)): float(b) for y, b in zip(budget["year"], budget["budget"],
                                                   strict=True)
            if b is not None and not (isinstance(b, float) and math.isnan(b))}


def case_names(case: Case) -> dict[str, dict[str, str]]:
    """entity -> id -> name for the countries, capabilities, suppliers and scenarios
    of ``case`` (:data:`sovopt.outputs.NAMED`), so outputs can show names beside ids."""
    out: dict[str, dict[str, str]] = {}
    for entity, (table, key, name) in NAMED.items():
        df = getattr(case, table, None)
        if df is None or df.empty or key not in df.columns or name not in df.columns:
            continue
        rows = df[[key, name]].dropna().drop_duplicates(key)
        out[entity] = {str(k): str(v) for k, v in zip(rows[key], rows[name], strict=True)}
    return out


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def versions() -> dict[str, str | None]:
    """Versions of sovopt, Pyomo and HiGHS (highspy), read from package metadata so
    that no solver is imported to ask."""
    out: dict[str, str | None] = {"sovopt": __version__}
    for key, dist in (("pyomo", "pyomo"), ("highs", "highspy")):
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[key] = None
    return out
