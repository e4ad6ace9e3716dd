"""The result of a run as data: Summary metrics, tidy tables and run information.

A Report is what every output is made from: the results workbook
(:mod:`sovopt.workbook.results`), the run store (:mod:`sovopt.runs`), the
terminal summary and ``--json``. It holds no Pyomo object and no file handle,
so a run read back from the store is a Report as good as a fresh one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: Summary metric keys, in order (product.md, results workbook contract).
SUMMARY_KEYS = (
    "status", "objective", "total_cost", "budget_total", "local_share", "exposure",
    "hhi_mean", "hhi_max", "max_country_share", "expected_shortfall",
    "worst_case_shortfall", "cvar", "unmet_units", "mip_gap", "solve_seconds", "run_id",
)


@dataclass
class Report:
    """``summary``: SUMMARY_KEYS -> value; ``tables``: name -> tidy DataFrame;
    ``run``: run information (ids, file, hashes, versions, settings, preset, timings)."""

    summary: dict[str, object]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    run: dict[str, object] = field(default_factory=dict)
