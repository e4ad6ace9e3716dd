"""Where a brief's numbers come from: a run of the run store, or a results workbook.

A run id is read from the store (:meth:`sovopt.runs.RunStore.get`), exactly as
``sovopt runs show`` and ``sovopt compare`` read it. A results workbook
(``RESULTS.xlsx``, as ``sovopt solve`` or ``sovopt stress`` wrote it) names its
run on the Run sheet: when that run is in the store, the store's Report is used
(every table, as solved). Otherwise the Report is made again from the workbook
and its case: the Portfolio sheet (:func:`sovopt.workbook.portfolio_sheet.read_portfolio`)
is evaluated against the case workbook named on the Run sheet, found beside the
results workbook and checked against the SHA-256 the Run sheet records
(:func:`sovopt.pipeline.stress_and_report`: the same KPIs and tables a solve
reports); the Summary's status, objective, gap and status sentence, the levels
and the marginal values of the Constraints sheet are then taken from the
workbook, since they belong to the solve and not to the plan.

The default baseline of a brief is the case's status quo, the
``CASE.status-quo.xlsx`` that ``sovopt materials case`` writes beside ``CASE.xlsx``
(:func:`status_quo_for`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sovopt.errors import EXIT_INVALID, SovoptError
from sovopt.outputs import METRIC_KEYS, SUMMARY_KEYS, TABLE_COLUMNS, TABLES
from sovopt.report import Report, file_sha256
from sovopt.runs import RunStore
from sovopt.workbook.open_safely import open_workbook

#: The Summary keys that belong to the solve, not to the plan: taken from the workbook.
SOLVE_KEYS = ("status", "objective", "mip_gap", "solve_seconds", "run_id", "status_detail")
#: Run information kept as nested dictionaries (flattened to ``key.sub`` on the Run sheet).
NESTED_RUN_KEYS = ("versions", "settings", "timings", "stats")
LEVELS_TITLE = "Levels optimised, in order"
MAX_ROWS, MAX_COLUMNS = 5_000, 200


@dataclass
class Source:
    """A Report and what it was read from (``run id`` or the workbook's path)."""

    report: Report
    origin: str
    path: Path | None = None


def load(ref: str, store: str) -> Source:
    """The Report ``ref`` names: a results workbook (``.xlsx`` or an existing file) or a
    run id of the store at ``store`` (full id, ``r7`` or a unique prefix)."""
    path = Path(ref)
    if path.suffix.lower() == ".xlsx" or path.is_file():
        return Source(read_results_workbook(path, store), path.name, path)
    if not RunStore.exists(store):
        raise SovoptError(f"{ref}: not a results workbook, and there is no run store at "
                          f"{store} to look it up in (give RESULTS.xlsx or --store DIR)",
                          exit_code=EXIT_INVALID)
    with RunStore(store) as runs:
        report = runs.get(ref)
    _need_result(report, ref)
    return Source(report, str(report.summary["run_id"]))


def _need_result(report: Report, ref: str) -> None:
    pf = report.tables.get("portfolio")
    if pf is None or report.summary.get("total_cost") is None:
        raise SovoptError(f"{ref}: run {report.summary.get('run_id')} has no plan to brief "
                          f"(status {report.summary.get('status')}); give a run that "
                          "finished with a portfolio", exit_code=EXIT_INVALID)


# --- a results workbook -----------------------------------------------------------------


def read_results_workbook(path: Path, store: str | None = None) -> Report:
    """The Report of a results workbook (see the module docstring)."""
    sheets = _sheets(path, ("Summary", "Run", "Constraints"))
    summary = _summary(sheets["Summary"], path)
    run, levels = _run(sheets["Run"])
    run_id = str(summary.get("run_id") or run.get("run_id") or "")
    if store and run_id and RunStore.exists(store):
        with RunStore(store) as runs:
            try:
                report = runs.get(run_id)
            except SovoptError:
                report = None
        if report is not None and report.tables.get("portfolio") is not None:
            return report
    report = _evaluated_again(path, run)
    moved = differing_kpis(report, summary)
    if moved:
        said = [str(report.run["rebuilt_note"])] if report.run.get("rebuilt_note") else []
        said.append(f"evaluated again, {', '.join(moved)} differ from the workbook's "
                    "Summary; the brief shows the values evaluated now")
        report.run["rebuilt_note"] = "; ".join(said)
    report.summary.update({k: summary.get(k) for k in SOLVE_KEYS})
    note = report.run.get("rebuilt_note")
    report.run.update({k: v for k, v in run.items() if k not in ("names", "input_sha256")})
    report.run["recorded_sha256"] = run.get("input_sha256")
    if note:
        report.run["rebuilt_note"] = note
    report.run["rebuilt_from"] = path.name
    report.tables["levels"] = levels
    marginal = _marginal_values(sheets["Constraints"])
    if marginal is not None:
        from sovopt.report import with_marginal_values

        report.tables["constraints"] = with_marginal_values(report.tables["constraints"],
                                                            marginal)
    _need_result(report, path.name)
    return report


def _sheets(path: Path, titles: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    """The stored values of each sheet of ``titles`` (every one must be there)."""
    with open_workbook(path) as book:
        missing = [t for t in titles if t not in book.sheetnames]
        if missing:
            raise SovoptError(f"{path.name}: not a results workbook of sovopt solve or stress "
                              f"(no sheet {', '.join(missing)}; sheets found: "
                              f"{', '.join(book.sheetnames)})", exit_code=EXIT_INVALID)
        return {t: book.read_values(t, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS).rows
                for t in titles}


def _summary(rows: list[tuple[Any, ...]], path: Path) -> dict[str, object]:
    """Summary metric -> value: the key from the column headed ``Key`` (or, as older
    workbooks have it, column A headed ``metric``), the value from the ``Value`` column
    (a blank cell is None)."""
    head = [str(h).strip().lower() if h is not None else "" for h in (rows[0] if rows else ())]
    key_col = head.index("key") if "key" in head else 0
    value_col = head.index("value") if "value" in head else 1
    values = {str(r[key_col]).strip(): (r[value_col] if len(r) > value_col else None)
              for r in rows[1:] if len(r) > key_col and r[key_col]}
    missing = [k for k in ("status", "total_cost", "run_id") if k not in values]
    if missing:
        raise SovoptError(f"{path.name}: Summary!A:B has no row for {', '.join(missing)}; "
                          "expected the metric/value pairs sovopt writes",
                          exit_code=EXIT_INVALID)
    return {k: _blank_none(values.get(k)) for k in SUMMARY_KEYS}


def _blank_none(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _run(rows: list[tuple[Any, ...]]) -> tuple[dict[str, Any], pd.DataFrame]:
    """The Run sheet's key/value rows as run information, and its levels table."""
    run: dict[str, Any] = {}
    i = 1
    while i < len(rows) and rows[i] and rows[i][0] not in (None, ""):
        key, value = str(rows[i][0]), rows[i][1] if len(rows[i]) > 1 else None
        head, _, sub = key.partition(".")
        if sub and head in NESTED_RUN_KEYS:
            run.setdefault(head, {})[sub] = _json_or_text(value)
        elif not key.startswith("preset."):
            run[key] = _json_or_text(value)
        i += 1
    levels = pd.DataFrame(columns=TABLE_COLUMNS["levels"])
    for j in range(i, len(rows)):
        if rows[j] and rows[j][0] == LEVELS_TITLE and j + 1 < len(rows):
            levels = _levels_by_header(rows[j + 1], [r for r in rows[j + 2:]
                                                     if r and r[0] not in (None, "")])
            break
    return run, levels


def _levels_by_header(header: tuple[Any, ...], body: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The levels table read by its column labels, so a workbook written before a
    column was added (Bound from) still reads, with that column empty."""
    key_of = {q.label: q.key for q in TABLES["levels"]}
    keys = [key_of.get(str(label)) for label in header]
    records = [{k: v for k, v in zip(keys, r, strict=False) if k is not None} for r in body]
    return pd.DataFrame(records, columns=TABLE_COLUMNS["levels"])


def _json_or_text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _marginal_values(rows: list[tuple[Any, ...]]) -> pd.DataFrame | None:
    """constraint, year, marginal_value, meaning from the Constraints sheet (None if blank)."""
    if not rows:
        return None
    head = [column_key("constraints", h) for h in rows[0]]
    if not {"constraint", "year", "marginal_value"} <= set(head):
        return None
    frame = pd.DataFrame([r[:len(head)] for r in rows[1:] if r and r[0]], columns=head)
    frame = frame[["constraint", "year", "marginal_value",
                   *(["meaning"] if "meaning" in head else [])]]
    frame["marginal_value"] = pd.to_numeric(frame["marginal_value"], errors="coerce")
    return frame if frame["marginal_value"].notna().any() else None


def column_key(table: str, heading: object) -> str:
    """The key of a result column from its sheet heading: the key itself, the label, or
    the label with its unit in brackets (``Used (EUR m or share)``)."""
    text = str(heading or "").strip()
    for q in TABLES.get(table, ()):
        if text in (q.key, q.label) or text.startswith(q.label + " ("):
            return q.key
    return text


def case_file_for(path: Path, run: dict[str, Any]) -> Path:
    """The case workbook a results workbook was made from: the Run sheet's input_file,
    beside the results workbook, with the SHA-256 the Run sheet records."""
    name = run.get("input_file")
    if not name:
        raise SovoptError(f"{path.name}: Run!A:B names no input_file, so its case cannot be "
                          "found", exit_code=EXIT_INVALID)
    case_path = path.parent / Path(str(name)).name
    if not case_path.is_file():
        raise SovoptError(f"{path.name}: its run is not in the run store and its case "
                          f"{case_path.name} is not beside it; put the case workbook in "
                          f"{path.parent} or give the run id with --store DIR",
                          exit_code=EXIT_INVALID)
    return case_path


def same_file(case_path: Path, run: dict[str, Any]) -> bool:
    """Whether ``case_path`` has the SHA-256 the Run sheet records (True if none is)."""
    want = run.get("input_sha256")
    return not want or file_sha256(case_path) == want


def _evaluated_again(path: Path, run: dict[str, Any]) -> Report:
    """The plan of the workbook's Portfolio sheet evaluated against its case."""
    from sovopt.pipeline import stress_and_report
    from sovopt.workbook.case_reader import read_case
    from sovopt.workbook.portfolio_sheet import read_portfolio

    case_path = case_file_for(path, run)
    case, warnings = read_case(case_path)
    plan = read_portfolio(path, case)
    report = stress_and_report(case, plan, case_path=case_path, source=path.name,
                               warnings=warnings, run_id=run.get("run_id")).report
    if not same_file(case_path, run):
        report.run["rebuilt_note"] = (
            f"{case_path.name} is not byte for byte the workbook {path.name} was made from "
            f"(SHA-256 {str(run.get('input_sha256'))[:12]}... recorded, "
            f"{str(report.run.get('input_sha256'))[:12]}... now): the plan was evaluated "
            "against the case as it is now")
    return report


def differing_kpis(report: Report, summary: dict[str, object]) -> list[str]:
    """The KPIs whose value evaluated again differs from the workbook's Summary (beyond
    the sheet's rounding, :func:`sovopt.outputs.rounded`): a case that changed since."""
    out = []
    for key in METRIC_KEYS:
        a, b = report.summary.get(key), summary.get(key)
        if isinstance(a, int | float) and isinstance(b, int | float):
            if abs(float(a) - float(b)) > 2e-6 * max(1.0, abs(float(b))):  # the sheet rounds
                out.append(key)
        elif (a is None) != (b is None):
            out.append(key)
    return out


# --- the baseline -----------------------------------------------------------------------


def status_quo_for(report: Report, near: list[Path]) -> Path | None:
    """``CASE.status-quo.xlsx`` of the report's case in one of the folders ``near``
    (the folder of the results workbook, the current folder), or None."""
    name = report.run.get("input_file") or report.run.get("input_name")
    if not name:
        return None
    stem = Path(str(name)).stem
    for folder in near:
        candidate = folder / f"{stem}.status-quo.xlsx"
        if candidate.is_file():
            return candidate
    return None
