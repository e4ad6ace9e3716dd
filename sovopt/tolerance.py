"""How far a run is from proven: its proven band, and whether two runs differ beyond it.

A run not proven optimal has, on its primary level (the first level after unmet
demand), a value (its plan) and a bound (the best HiGHS proved): the true optimum
lies between them. :func:`proven_band` gives that band in the units of the Summary
KPI the level measures (the level's value and bound scale to the KPI alike, since
each term is its KPI over a fixed total). Two runs whose bands overlap cannot be
told apart on that measure (:func:`overlapping`); a KPI difference between two
runs smaller than their gaps together is within the solver's tolerance
(:func:`within_tolerance`). Studies (:mod:`sovopt.studies.sweep`) and
``sovopt compare`` (:mod:`sovopt.comparison`) say so in words.
"""

from __future__ import annotations

import math
from typing import Any

from sovopt.report import Report

#: The Summary KPI each objective term is proportional to.
TERM_KPI = {"cost": "total_cost", "cvar": "cvar", "exposure": "exposure",
            "hhi": "hhi_mean", "expected_shortfall": "expected_shortfall",
            "worst_case": "worst_case_shortfall"}

#: Words for a difference smaller than the runs' gaps.
WITHIN = "within the solver's tolerance"


def _number(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def primary_kpi(report: Report) -> str | None:
    """The Summary KPI of the run's primary level, when that level is one term."""
    preset = report.run.get("preset")
    if not isinstance(preset, dict):
        return None
    for level in preset.get("levels", []):
        terms = dict(level.get("terms", {}))
        if set(terms) == {"unmet"}:
            continue
        return TERM_KPI.get(next(iter(terms))) if len(terms) == 1 else None
    return None


def proven_band(report: Report) -> tuple[str, float, float] | None:
    """(measure, lowest it could be, its value) of the run's primary level: the true
    optimum lies in the band. The measure is the level's Summary KPI when the level
    is one term; a level of several terms (scenario risk = CVaR + a tenth of the
    worst case) gives its band in the level's own units, named ``level: NAME``, which
    runs of the same preset share. None without a plan."""
    kpi = primary_kpi(report)
    levels = report.tables.get("levels")
    preset = report.run.get("preset")
    if levels is None or levels.empty or not isinstance(preset, dict):
        return None
    names = [lv["name"] for lv in preset.get("levels", [])
             if set(lv.get("terms", {})) != {"unmet"}]
    row = levels[levels["name"] == names[0]] if names else levels.iloc[:0]
    if row.empty:
        return None
    lv_value, lv_bound = _number(row["value"].iloc[0]), _number(row["bound"].iloc[0])
    if kpi is None:  # several terms: the band in the level's own units
        if lv_value is None:
            return None
        low = lv_value if lv_bound is None or lv_bound >= lv_value else lv_bound
        return f"level: {names[0]}", low, lv_value
    value = _number(report.summary.get(kpi))
    if value is None:
        return None
    if lv_value is None or lv_bound is None or lv_bound >= lv_value:
        return kpi, value, value  # proven: no room below the value
    if abs(lv_value) < 1e-12:
        return kpi, value, value
    return kpi, value * lv_bound / lv_value, value


def overlapping(a: tuple[str, float, float] | None, b: tuple[str, float, float] | None,
                tol: float = 1e-9) -> bool:
    """Two bands of the same KPI overlap and at least one is open (not proven)."""
    if a is None or b is None or a[0] != b[0]:
        return False
    open_ = a[2] - a[1] > tol * max(1.0, abs(a[2])) or b[2] - b[1] > tol * max(1.0, abs(b[2]))
    return open_ and a[1] <= b[2] + tol and b[1] <= a[2] + tol


def gap_of(report: Report) -> float:
    """The run's relative gap (0 when proven or unknown)."""
    gap = _number(report.summary.get("mip_gap"))
    return max(0.0, gap) if gap is not None else 0.0


def within_tolerance(base: Report, other: Report, metric: str, delta: Any) -> bool:
    """A nonzero difference of ``metric`` between two runs smaller than their gaps
    allow: for the primary level's KPI, their proven bands overlap; for any other
    KPI, its size relative to the base value is at most the two gaps together."""
    d = _number(delta)
    if d is None or abs(d) < 1e-12:
        return False
    gaps = gap_of(base) + gap_of(other)
    if gaps <= 0:
        return False
    band_a, band_b = proven_band(base), proven_band(other)
    if band_a is not None and band_a[0] == metric:
        return overlapping(band_a, band_b)
    value = _number(base.summary.get(metric))
    if value is None or abs(value) < 1e-12:
        return False
    return abs(d) <= gaps * abs(value) + 1e-12
