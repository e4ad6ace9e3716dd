"""Recording a Report into a run store the way the run-store tests need it."""

from __future__ import annotations

from pathlib import Path

from sovopt.report import Report
from sovopt.runs import RunStore


def record(store: RunStore, case_file: Path | None, report: Report, label: str = "base",
           case_name: str = "Air defence") -> str:
    """Begin and finish a run of ``report`` (settings EUR, 60 s; preset min_dependence)."""
    run_id = store.begin(case_file, label=label, case_name=case_name,
                         settings={"currency": "EUR", "time_limit_s": 60.0},
                         preset="min_dependence")
    store.finish(run_id, report)
    return run_id
