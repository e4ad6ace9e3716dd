"""``sovopt sweep``: a grid of what-ifs over named inputs, each point a run in one group.

An input is named in one of two ways (``--vary NAME=LO:HI:N`` or
``--vary NAME=V1,V2,...``):

- a sheet column, scaled: ``budget`` (Budget.budget), ``unit_cost``,
  ``Scenarios.loss``, ``demand``; the values are factors (``budget=0.8:1.2:5``
  is 80 %, 90 %, ..., 120 % of every year's budget);
- one cell, set: ``SHEET:ID.COLUMN`` such as ``scenario:EMB-X.loss`` or
  ``budget:2029.budget``; the values are the cell's values (every row of a
  scenario with that id, for a scenario naming several countries).

Several ``--vary`` make the full grid (every combination). The case as given
(the base) is always solved, once: when the grid holds it (every factor 1, every
set cell at its value) that grid point is the base, otherwise it is added as
point 0; so the sweep can say in words what its budget and localization limits
are worth (:func:`duals_in_words`). A point without a plan is a failed point.
Points whose proven bands overlap (:mod:`sovopt.tolerance`) are marked not
distinguishable, and a KPI that does not move one way along a varied input is
named (:func:`non_monotone`).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.report import Report
from sovopt.studies.record import StudyOutcome
from sovopt.studies.tasks import Task
from sovopt.tolerance import overlapping, proven_band
from sovopt.variation import MAX_POINTS, BadVary, Vary, is_given

#: The KPIs of the Sweep sheet (and of the points' comparison), in order.
SWEEP_KPIS = ("total_cost", "local_share", "exposure", "hhi_mean", "expected_shortfall",
              "worst_case_shortfall", "cvar", "unmet_units", "mip_gap")


def sweep_tasks(varies: list[Vary], objective: str | None = None,
                time_limit: float | None = None, gap: float | None = None,
                case: Case | None = None) -> list[Task]:
    """Every combination of the varied inputs' values, and the base once: the grid
    point that leaves ``case`` as given is the base; without one, the base is added
    as point 0."""
    if not varies:
        raise BadVary("give at least one --vary NAME=LO:HI:N")
    grid = list(itertools.product(*(v.values for v in varies)))
    if len(grid) > MAX_POINTS:
        raise BadVary(f"the grid has {len(grid)} points, more than {MAX_POINTS}")
    given = [all(is_given(v, x, case) for v, x in zip(varies, combo, strict=True))
             for combo in grid]
    base_in_grid = any(given)
    tasks = [] if base_in_grid else [Task(0, "base", (), None, objective, time_limit, gap,
                                          base=True)]
    first = len(tasks)
    for i, combo in enumerate(grid):
        changes = tuple(v.change(x) for v, x in zip(varies, combo, strict=True))
        label = ", ".join(c.describe() for c in changes)
        is_base = given[i] and i == given.index(True)
        tasks.append(Task(first + i, label + (" (the case as given)" if is_base else ""),
                          changes, None, objective, time_limit, gap, base=is_base))
    return tasks


def base_task(tasks: list[Task]) -> Task:
    """The sweep's base point: the case as given."""
    return next(t for t in tasks if t.base)


def sweep_table(varies: list[Vary], tasks: list[Task], outcome: StudyOutcome) -> pd.DataFrame:
    """One row per point: point, each varied input's value, status, KPIs, the points it
    cannot be told apart from (their proven bands overlap), run id."""
    rows = []
    bands = {i: proven_band(p.report) for i, p in outcome.points.items() if p.has_plan}
    for task in tasks:
        values = {v.heading: (1.0 if v.how == "scale" else np.nan) for v in varies}
        for v, ch in zip(varies, task.changes, strict=False):
            values[v.heading] = ch.value
        res = outcome.points.get(task.index)
        summary = res.report.summary if res is not None else {}
        status = (res.status if res is not None else
                  "failed" if task.index in outcome.failures else "not run")
        twins = [j for j in sorted(bands) if j != task.index
                 and overlapping(bands.get(task.index), bands[j])]
        rows.append({"point": task.index, **values, "status": status,
                     **{k: summary.get(k) for k in SWEEP_KPIS},
                     "distinguishable": ("not distinguishable from point"
                                         f"{'s' if len(twins) > 1 else ''} "
                                         + ", ".join(map(str, twins))) if twins else "",
                     "run_id": outcome.run_ids.get(task.index)})
    return pd.DataFrame(rows)


#: The KPIs whose direction along a varied input is checked (the gap is not a KPI).
MONOTONE_KPIS = tuple(k for k in SWEEP_KPIS if k != "mip_gap")


def non_monotone(varies: list[Vary], table: pd.DataFrame, tol: float = 1e-9) -> list[str]:
    """For each varied input and each line of the grid along it (the other inputs
    fixed), the KPIs that go up and down as it grows: "Mean HHI is not monotone in
    budget (×): 0.41 at 0.95, 0.4 at 1, 0.43 at 1.05". A sweep's points are separate solves, so a
    KPI that does not move one way is often the solver's gap, not the case."""
    from sovopt.outputs import summary_quantity

    out = []
    solved = table[table["status"].isin(("optimal", "time_limit", "interrupted", "feasible"))]
    for v in varies:
        others = [w.heading for w in varies if w is not v]
        groups = solved.groupby(others, dropna=False) if others else [((), solved)]
        for _, g in groups:
            g = g.sort_values(v.heading)
            if len(g) < 3:
                continue
            for k in MONOTONE_KPIS:
                y = pd.to_numeric(g[k], errors="coerce").to_numpy(float)
                if np.isnan(y).any():
                    continue
                step = np.diff(y)
                scale = tol * max(1.0, float(np.max(np.abs(y))))
                if (step > scale).any() and (step < -scale).any():
                    x = g[v.heading].to_numpy(float)
                    series = ", ".join(f"{a:.4g} at {b:g}" for a, b in zip(y, x, strict=True))
                    out.append(f"{summary_quantity(k).label} is not monotone in {v.heading}: "
                               f"{series}")
    return out


def primary_level(report: Report) -> tuple[str, dict[str, float]] | None:
    """Name and terms of the level the duals are priced in: the first after unmet demand."""
    preset = report.run.get("preset") or {}
    for level in preset.get("levels", []):
        if set(level.get("terms", {})) != {"unmet"}:
            return str(level["name"]), dict(level["terms"])
    return None


def duals_in_words(base: Report, currency: str, tiny: float = 1e-9) -> list[str]:
    """What one more unit of budget, or one point less localization target, is worth
    at the base solve, per year: "one more EUR m in 2029 lowers scenario risk by 0.02
    points" (points: hundredths of the level's measure, a share). Where the solve
    states a binding limit's value in words (the constraints table's ``meaning``),
    its sentence is used; years where a limit does not bind are said once."""
    con = base.tables.get("constraints")
    level = primary_level(base)
    if con is None or con.empty or level is None or "marginal_value" not in con:
        return ["no marginal values: the base point has no verified portfolio"]
    name = level[0]
    out = []
    loose: dict[str, list[int]] = {kind: [] for kind in _DUAL_WORDS}
    for _, r in con.sort_values(["constraint", "year"]).iterrows():
        mv = r["marginal_value"]
        if mv is None or (isinstance(mv, float) and math.isnan(mv)):
            continue
        year = int(r["year"])
        said = r.get("meaning")  # the solve's own words, where it gives them
        if abs(mv) > tiny and isinstance(said, str) and said.strip():
            out.append(said.strip())
            continue
        words = _DUAL_WORDS.get(r["constraint"])
        if words is None:
            continue
        if abs(mv) <= tiny:
            loose[r["constraint"]].append(year)
        else:
            unit, positive, negative, _ = words
            out.append(f"{unit.format(cur=currency, year=year)} "
                       f"{positive if mv > 0 else negative} {name} by {abs(mv) * 100:.3g} "
                       "points")
    for kind, years in loose.items():
        if years:
            out.append(_DUAL_WORDS[kind][3].format(years=_years(years), name=name))
    return out


#: How a limit's marginal value is said: one more unit of it, the verb when the value is
#: positive and when negative, and the sentence for the years it does not bind.
_DUAL_WORDS = {
    "budget": ("one more {cur} in {year}", "lowers", "raises",
               "more budget in {years} would not lower {name} (the limit does not bind "
               "there)"),
    "localization": ("one point more local-content target in {year}", "raises", "lowers",
                     "the local-content target of {years} costs {name} nothing (it does "
                     "not bind)"),
}


def _years(years: list[int]) -> str:
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(map(str, years))
