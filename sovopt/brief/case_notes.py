"""What a brief needs from the case workbook itself: its assumptions and data sources.

A run keeps the KPIs and tables, not the case's own words. The brief's "How
sure" section names what the case marks as assumed (Options notes that say
ASSUMPTION, the About sheet's "Data and assumptions" paragraphs, which a case
built by ``sovopt materials case`` fills with its sources and licences) and
its "What a disruption does" section gives each scenario's years. The case
workbook is the one the run was made from: its bytes from the run store, or
the file beside a results workbook with the recorded SHA-256
(:func:`sovopt.brief.source.case_file_for`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl

from sovopt.errors import SovoptError
from sovopt.report import Report
from sovopt.runs import RunStore

#: The About sheet's heading over the paragraphs a case built from data writes.
DATA_HEADING = "Data and assumptions"
#: Headings that end that block (the next section of the About sheet).
NEXT_HEADINGS = ("How to fill it in", "Every column of every sheet")
ASSUMPTION_WORD = "ASSUMPTION"


@dataclass
class CaseNotes:
    """``data``: the About sheet's data-and-assumptions paragraphs; ``assumed``: (option
    id, its note) of every option whose notes say ASSUMPTION; ``scenario_years``:
    scenario id -> (from year, to year); ``probabilities``: scenario id -> probability."""

    data: list[str] = field(default_factory=list)
    assumed: list[tuple[str, str]] = field(default_factory=list)
    scenario_years: dict[str, tuple[int, int]] = field(default_factory=dict)
    probabilities: dict[str, float] = field(default_factory=dict)
    found: bool = False


def case_bytes(report: Report, store: str | None, beside: Path | None) -> bytes | None:
    """The bytes of the case workbook ``report`` was made from, or None when neither the
    store nor the folder ``beside`` has it (with the recorded SHA-256)."""
    run_id = str(report.summary.get("run_id") or "")
    if store and run_id and RunStore.exists(store):
        with RunStore(store) as runs:
            try:
                return runs.input_bytes(run_id)
            except SovoptError:
                pass
    if beside is not None:
        from sovopt.brief.source import case_file_for

        try:
            return case_file_for(beside, report.run).read_bytes()
        except SovoptError:
            return None
    return None


def read_case_notes(data: bytes | None) -> CaseNotes:
    """The notes of the case workbook ``data`` (empty notes for None)."""
    if data is None:
        return CaseNotes()
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        notes = CaseNotes(found=True)
        if "About" in wb.sheetnames:
            notes.data = _about_data(wb["About"].iter_rows(values_only=True))
        if "Options" in wb.sheetnames:
            for row in _records(wb["Options"].iter_rows(values_only=True)):
                note = str(row.get("notes") or "")
                if ASSUMPTION_WORD in note.upper() and row.get("option_id"):
                    notes.assumed.append((str(row["option_id"]), note))
        if "Scenarios" in wb.sheetnames:
            for row in _records(wb["Scenarios"].iter_rows(values_only=True)):
                sid = row.get("scenario_id")
                if not sid:
                    continue
                lo, hi = row.get("from_year"), row.get("to_year")
                if isinstance(lo, int | float) and isinstance(hi, int | float):
                    notes.scenario_years.setdefault(str(sid), (int(lo), int(hi)))
                p = row.get("probability")
                if isinstance(p, int | float):
                    notes.probabilities.setdefault(str(sid), float(p))
        return notes
    finally:
        wb.close()


def _about_data(rows: Any) -> list[str]:
    out, inside = [], False
    for row in rows:
        first = next((str(v).strip() for v in row if v not in (None, "")), "")
        if first == DATA_HEADING:
            inside = True
        elif first in NEXT_HEADINGS:
            inside = False
        elif inside and first:
            out.append(first)
    return out


def _records(rows: Any) -> list[dict[str, Any]]:
    rows = iter(rows)
    head = [str(h).strip().lower() if h is not None else "" for h in next(rows, ())]
    return [dict(zip(head, r, strict=False)) for r in rows if r and any(v is not None for v in r)]
