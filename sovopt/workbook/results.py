"""The results workbook: a Report as sheets a planner reads and prints, and a script parses.

Sheets: Summary, Portfolio, Spend, Dependence (then Fleet and Stock when the
case keeps them), Scenarios, Constraints, Diagnostics, Run. Every sheet
starts with a header in row 1, frozen and repeated on each printed page, so
``pandas.read_excel(path, sheet_name=...)`` reads its first table. Headers are
the labels of the output schema (:mod:`sovopt.outputs`) with their units; ids
are shown with their names from the case.

- Summary: label, value, unit and meaning of each metric, and in the last
  column the metric's key (:data:`sovopt.outputs.SUMMARY_KEYS`, what
  ``--json``, the run store and scripts use); the "In short" sentences
  (:mod:`sovopt.in_short`) and a chart of the headline measures at the right.
- Portfolio and Spend: :mod:`sovopt.workbook.plan_sheets` (the Portfolio sheet
  is what ``sovopt stress`` reads back).
- Dependence and Scenarios: :mod:`sovopt.workbook.risk_sheets`.
- Fleet and Stock: :mod:`sovopt.workbook.sustainment_sheets`.
- Constraints, Diagnostics, Run (run information, then the levels solved).

Tables and charts are written by :mod:`sovopt.workbook.table_writer`, print
setup by :mod:`sovopt.workbook.print_setup`. Only these modules and
:mod:`sovopt.workbook.into_input` lay out result sheets; :func:`add_result_sheets`
is shared by both.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sovopt import outputs
from sovopt.in_short import in_short
from sovopt.report import Report
from sovopt.status import Status
from sovopt.workbook import style
from sovopt.workbook.atomic import save_workbook_atomic
from sovopt.workbook.plan_sheets import portfolio_sheet, spend_sheet
from sovopt.workbook.print_setup import set_print
from sovopt.workbook.risk_sheets import dependence_sheet, scenarios_sheet
from sovopt.workbook.sustainment_sheets import fleet_sheet, stock_sheet
from sovopt.workbook.table_writer import (
    BAD_FILL,
    FMT_PERCENT,
    GOOD_FILL,
    PALETTE,
    WARN_FILL,
    money_format,
    summary_formats,
    table_formats,
    table_headings,
    title,
    write_table,
)

__all__ = ["RESULT_SHEETS", "add_result_sheets", "money_format", "result_sheet_names",
           "write_results"]

#: Summary statuses shown as good news (a verified plan, or a stress test that holds).
GOOD_STATUSES = (Status.OPTIMAL, Status.FEASIBLE)
#: Statuses with a verified plan not proven optimal: shown as a caution, not as bad news.
PLAN_STATUSES = (Status.TIME_LIMIT, Status.INTERRUPTED)
#: Result sheets, in order.
RESULT_SHEETS = ("Summary", "Portfolio", "Spend", "Dependence", "Scenarios", "Constraints",
                 "Diagnostics", "Run")
#: Sheets written only when the case has what they show (fleets, stock), with the
#: table that must have rows and the sheet they follow.
SUSTAINMENT_SHEETS = {"Fleet": ("fleet", "Dependence"), "Stock": ("stock", "Dependence")}
#: Summary columns, in order: people read the first four, scripts the key.
SUMMARY_HEADERS = ("Metric", "Value", "Unit", "Meaning", "Key")
#: The Summary chart's measures: shares of 0-1 a planner compares at a glance.
HEADLINE_KPIS = ("local_share", "exposure", "hhi_mean", "max_country_share",
                 "import_risk", "expected_shortfall", "worst_case_shortfall", "cvar")

IN_SHORT_TITLE = Font(name="Calibri", bold=True, size=14, color=style.HEADER_COLOUR)
IN_SHORT_FONT = Font(name="Calibri", size=11)
SEVERITY_FILLS = {"infeasible": BAD_FILL, "error": BAD_FILL, "violation": BAD_FILL,
                  "warning": WARN_FILL, "surplus": WARN_FILL}


def write_results(report: Report, path: str | os.PathLike[str], currency: str) -> Path:
    """Write the results workbook of ``report`` to ``path`` atomically; return the path."""
    wb = Workbook()
    wb.remove(wb.active)
    add_result_sheets(wb, report, currency)
    wb.active = 0
    return save_workbook_atomic(wb, path)


def add_result_sheets(wb: Workbook, report: Report, currency: str,
                      prefix: str = "") -> list[str]:
    """Add the result sheets (named ``prefix + name``) at the end of ``wb``; return names."""
    writers: dict[str, Callable[[Worksheet, Report, str], None]] = {
        "Summary": _summary_sheet, "Portfolio": portfolio_sheet, "Spend": spend_sheet,
        "Dependence": dependence_sheet, "Scenarios": scenarios_sheet,
        "Constraints": _constraints_sheet, "Diagnostics": _diagnostics_sheet,
        "Run": _run_sheet, "Fleet": fleet_sheet, "Stock": stock_sheet,
    }
    names = []
    case_name = str(report.run.get("case_name") or "")
    run_id = str(report.summary.get("run_id") or "")
    for name in result_sheet_names(report):
        ws = wb.create_sheet(prefix + name)
        writers[name](ws, report, currency)
        set_print(ws, "1:1", case_name, run_id)
        names.append(ws.title)
    return names


def result_sheet_names(report: Report) -> list[str]:
    """The result sheets of ``report``, in order (Fleet and Stock only when it has them)."""
    names = list(RESULT_SHEETS)
    for name, (table, after) in reversed(SUSTAINMENT_SHEETS.items()):
        df = report.tables.get(table)
        if df is not None and len(df):
            names.insert(names.index(after) + 1, name)
    return names


# --- Summary ----------------------------------------------------------------------------


def _summary_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    formats = summary_formats(currency)
    for j, head in enumerate(SUMMARY_HEADERS, start=1):
        style.style_header(style.write_cell(ws, 1, j, head))
    widths = (34.0, 26.0, 22.0, 56.0, 22.0)
    for i, q in enumerate(outputs.SUMMARY, start=2):
        style.write_cell(ws, i, 1, q.label).font = style.LABEL_FONT
        value = outputs.rounded(report.summary.get(q.key), q.kind)
        cell = style.write_cell(ws, i, 2, value, number_format=formats.get(q.key))
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        if q.key == "status":
            status = report.summary.get(q.key)
            cell.fill = (GOOD_FILL if status in GOOD_STATUSES else
                         WARN_FILL if status in PLAN_STATUSES else BAD_FILL)
            cell.font = style.LABEL_FONT
        style.write_cell(ws, i, 3, q.unit.replace("currency", currency or "currency"))
        style.write_cell(ws, i, 4, q.described(currency))
        style.write_cell(ws, i, 5, q.key).font = Font(name="Calibri", color="595959")
        for j in (1, 3, 4):
            ws.cell(row=i, column=j).alignment = style.WRAP
        lines = max(_lines_of(str(value or ""), widths[1]),
                    _lines_of(q.described(currency), widths[3]),
                    _lines_of(q.label, widths[0]))
        if lines > 1:
            ws.row_dimensions[i].height = 15.0 * lines
    for j, width in enumerate(widths, start=1):
        style.set_width(ws, j, width)
    ws.freeze_panes = "B2"
    rows = len(outputs.SUMMARY_KEYS)
    _in_short_block(ws, report, currency, col=7, rows=rows)
    _headline_chart(ws, report, col=9)


def _lines_of(text: str, width: float) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` characters wide."""
    per_line = max(1, int(width) - 2)
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def _in_short_block(ws: Worksheet, report: Report, currency: str, col: int,
                    rows: int) -> None:
    """The "In short" sentences, one wrapped cell per sentence beside the metric rows
    (a merged cell does not print across pages)."""
    title_text = "In short: " + str(report.run.get("case_name") or "results")
    style.write_cell(ws, 1, col, title_text).font = IN_SHORT_TITLE
    width = 70.0
    style.set_width(ws, col - 1, 2)
    style.set_width(ws, col, width)
    for i, line in enumerate(in_short(report, currency), start=2):
        cell = style.write_cell(ws, i, col, f"• {line}")
        cell.alignment = style.WRAP
        cell.font = IN_SHORT_FONT
        needed = 15.0 * _lines_of(f"• {line}", width)
        current = ws.row_dimensions[i].height or 15.0
        if needed > current:
            ws.row_dimensions[i].height = needed


def _headline_chart(ws: Worksheet, report: Report, col: int) -> None:
    """A bar chart of the headline measures (shares of 0-1) right of the "In short" block,
    fed from a small table of its own (measure, share) within the Summary's rows, so a
    script reading the sheet's first table gets the metric rows only."""
    shown = [(outputs.summary_quantity(k).label, report.summary.get(k))
             for k in HEADLINE_KPIS if isinstance(report.summary.get(k), int | float)]
    if not shown:
        return
    frame = pd.DataFrame(shown, columns=["Headline measure", "Share"])
    first, last = write_table(ws, frame, row=1, col=col, formats={"Share": FMT_PERCENT},
                              widths=False, kinds={"Share": "share"})
    style.set_width(ws, col - 1, 2)
    style.set_width(ws, col, 34)
    style.set_width(ws, col + 1, 10)
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Headline measures (share, 0-100 %)"
    chart.add_data(Reference(ws, min_col=col + 1, min_row=first, max_row=last),
                   titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=col, min_row=first, max_row=last))
    chart.series[0].graphicalProperties.solidFill = PALETTE[0]
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.x_axis.scaling.orientation = "maxMin"  # first measure on top
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.legend = None
    chart.height, chart.width = 8.0, 14.0
    ws.add_chart(chart, f"{get_column_letter(col)}{last + 2}")


# --- Constraints, Diagnostics, Run ------------------------------------------------------


def _constraints_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    con = report.tables["constraints"]
    first, last = write_table(ws, con, formats={"year": style.FMT_YEAR},
                              headers=table_headings("constraints", con.columns, currency),
                              kinds={"year": "year"})
    money = money_format(currency)
    for i, kind in enumerate(con["constraint"], start=first):
        fmt = money if kind == "budget" else FMT_PERCENT
        for j in (3, 4, 5):
            ws.cell(row=i, column=j).number_format = fmt
        ws.cell(row=i, column=6).number_format = "0.000000"
    if last >= first:
        ws.conditional_formatting.add(
            f"E{first}:E{last}",
            CellIsRule(operator="lessThan", formula=["-0.000001"], fill=BAD_FILL))
    for j in (3, 4, 5, 6):
        style.set_width(ws, j, max(18.0, ws.column_dimensions[get_column_letter(j)].width))
    style.set_width(ws, 7, 60.0)
    for i in range(first, last + 1):
        ws.cell(row=i, column=7).alignment = style.WRAP
    style.add_note(ws.cell(row=1, column=5),
                   "budget: money left (limit - used); localization: local share above the "
                   "target (used - limit). Negative = the limit is broken.")
    style.add_note(ws.cell(row=1, column=6),
                   "From the LP re-solve with the portfolio's choices fixed, for the first "
                   "optimised level after unmet demand (Run sheet, levels). budget: how much "
                   "that level's objective improves per one currency unit more budget in the "
                   "year; localization: how much it worsens per percentage point more "
                   "target. Blank: no dual (stress test, or the row is not in the model).")
    ws.freeze_panes = "A2"
    if con.empty:
        _no_plan_note(ws, report, 2)


def _no_plan_note(ws: Worksheet, report: Report, row: int) -> None:
    """The line an empty result table shows: why it is empty."""
    status = report.summary.get("status")
    text = (f"No plan was evaluated (status {status}), so nothing is measured here."
            if report.summary.get("total_cost") is None else "Nothing to show.")
    style.write_cell(ws, row, 1, text)


def _diagnostics_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    diag = report.tables["diagnostics"]
    first, _ = write_table(ws, diag, widths=False,
                           headers=table_headings("diagnostics", diag.columns, currency),
                           kinds={"current": "exact", "needed": "exact", "change": "exact"})
    for i, severity in enumerate(diag["severity"], start=first):
        fill = SEVERITY_FILLS.get(str(severity))
        if fill is not None:
            ws.cell(row=i, column=1).fill = fill
        ws.cell(row=i, column=3).alignment = style.WRAP
        ws.row_dimensions[i].height = 15.0 * _lines_of(str(diag["message"].iloc[i - first]),
                                                        80)
    style.set_width(ws, 1, 12)
    style.set_width(ws, 2, max(18.0, style.fit_width(["where", *diag["where"]], maximum=36)))
    style.set_width(ws, 3, 80)
    for j in range(4, len(diag.columns) + 1):
        style.set_width(ws, j, 14)
    style.add_note(ws.cell(row=1, column=1),
                   "infeasible: a limit that must change for the case to have any solution; "
                   "violation: a limit the portfolio breaks; surplus: more delivered than "
                   "the demand (costs money, breaks no limit); warning: from validating the "
                   "workbook; note: information (such as options excluded before solving).")
    ws.freeze_panes = "A2"


def run_rows(run: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """The run dictionary flattened to (dotted key, value) rows; lists become JSON text."""
    rows: list[tuple[str, Any]] = []
    for key, value in run.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key != "preset":
            rows += run_rows(value, name + ".")
        elif isinstance(value, dict | list | tuple):
            rows.append((name, json.dumps(value, ensure_ascii=False, default=str)))
        else:
            rows.append((name, value))
    return rows


def _run_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    run = dict(report.run)
    preset = run.pop("preset", None)
    for shown_elsewhere in ("names", "units", "budgets"):  # the case's own facts
        run.pop(shown_elsewhere, None)
    rows = run_rows(run)
    if isinstance(preset, dict):
        rows.append(("preset.name", preset.get("name")))
        rows.append(("preset.levels", "; ".join(
            f"{i}. {lv['name']}: " + " + ".join(f"{w:g}×{t}" for t, w in lv["terms"].items())
            for i, lv in enumerate(preset.get("levels", []), start=1))))
        rows += [r for r in run_rows({k: v for k, v in preset.items()
                                      if k not in ("name", "levels")}, "preset.")]
    frame = pd.DataFrame(rows, columns=["key", "value"])
    frame["value"] = frame["value"].astype(object)
    _, last = write_table(ws, frame, widths=False)
    for i, (key, value) in enumerate(rows, start=2):
        cell = ws.cell(row=i, column=2)
        if key.startswith("timings."):
            cell.number_format = "0.000"
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        text = str(value) if value is not None else ""
        if len(text) > 78:
            ws.row_dimensions[i].height = 15.0 * _lines_of(text, 80)
    style.set_width(ws, 1, max(16.0, style.fit_width(frame["key"])))
    style.set_width(ws, 2, 80)
    ws.freeze_panes = "A2"
    levels = report.tables.get("levels")
    if levels is not None and len(levels):
        title(ws, last + 2, 1, "Levels optimised, in order")
        write_table(ws, levels, row=last + 3, widths=False,
                    formats=table_formats("levels", currency),
                    headers=table_headings("levels", levels.columns, currency),
                    kinds={q.key: q.kind for q in outputs.TABLES["levels"]})
