"""The comparison workbook: runs side by side, for people who read Excel.

Sheets:

- **KPIs**: the runs compared (the first is the base), the Summary metrics of
  every run with their deltas against the base, and a native bar chart of the
  KPIs across runs. KPIs live on very different scales (money, shares,
  seconds), so the chart plots each metric scaled to its largest absolute
  value across the runs (= 100); the table beside it keeps the real values.
- **Options**, **Spend**, **Dependence**, **Inputs**: the tidy tables of
  :class:`sovopt.compare.Comparison`, one row per item and run, with filters
  and frozen headers, so any comparison is one filter away.

Every cell goes through :func:`sovopt.workbook.style.write_cell` (formula
injection neutralised) and the file is saved atomically.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sovopt.compare import Comparison
from sovopt.outputs import summary_quantity
from sovopt.workbook import style
from sovopt.workbook.atomic import save_workbook_atomic

FMT_PCT = "0.0%"
FMT_INDEX = "0.0"

#: Columns of the runs table on the KPI sheet.
RUN_COLUMNS = ("run_id", "label", "status", "objective", "case_name", "input_name", "created")

#: Number format by column name (others: General).
COLUMN_FORMATS = {
    "year": style.FMT_YEAR, "start_year": style.FMT_YEAR, "position": style.FMT_INTEGER,
    "total_units": style.FMT_MONEY, "units_delta": style.FMT_MONEY,
    "total_cost": style.FMT_MONEY, "cost_delta": style.FMT_MONEY,
    "amount": style.FMT_MONEY, "delta": style.FMT_MONEY, "value": style.FMT_MONEY,
    "delta_pct": FMT_PCT,
    "hhi_mean": style.FMT_SHARE, "hhi_max": style.FMT_SHARE, "hhi_max_delta": style.FMT_SHARE,
    "top_foreign_share": style.FMT_SHARE, "top_foreign_share_delta": style.FMT_SHARE,
    "worst_scenario_loss": style.FMT_SHARE, "worst_scenario_loss_delta": style.FMT_SHARE,
    "concentrated_years": style.FMT_INTEGER, "single_source_years": style.FMT_INTEGER,
}

#: Tidy sheets after the KPI sheet: (sheet title, Comparison attribute, what it shows).
TIDY_SHEETS = (
    ("Options", "options", "Every option started in any run, one row per run. change: "
     "started / dropped / changed / same against the base run (base: the base run's rows)."),
    ("Spend", "spend", "Spend by country and year, one row per run; delta = this run "
     "minus the base run."),
    ("Dependence", "dependence", "Per capability over the horizon: HHI of foreign origin, "
     "largest foreign share and worst-scenario loss, with deltas against the base run."),
    ("Inputs", "inputs", "Cells of the input workbook that differ from the base run's: "
     "cell is where to look in the other run's workbook."),
)


def write_comparison(comparison: Comparison, path: str | os.PathLike[str]) -> Path:
    """Write the comparison workbook to ``path`` (atomically); return the path."""
    wb = Workbook()
    ws = wb.active
    ws.title = "KPIs"
    write_kpi_sheet(ws, comparison)
    for title, attr, about in TIDY_SHEETS:
        table: pd.DataFrame = getattr(comparison, attr)
        empty = _empty_text(attr, comparison)
        write_tidy_sheet(wb.create_sheet(title), table, about, empty)
    wb.properties.title = f"sovopt comparison of {', '.join(comparison.run_ids)}"
    wb.properties.creator = "sovopt"
    return save_workbook_atomic(wb, path)


def _empty_text(attr: str, comparison: Comparison) -> str:
    """What an empty table means, in words."""
    if attr == "inputs":
        if comparison.notes:
            return " ".join(comparison.notes)
        return "The input workbooks do not differ."
    return "No rows: none of the runs has this table."


# --------------------------------------------------------------------------- KPI sheet


def write_kpi_sheet(ws: Worksheet, comparison: Comparison) -> None:
    """Title, the runs, the KPI table with deltas, chart data and the chart."""
    runs = comparison.run_ids
    cur = f" (money in {comparison.currency})" if comparison.currency else ""
    title = style.write_cell(ws, 1, 1, f"Comparison of {len(runs)} runs; base run "
                                       f"{comparison.base}{cur}")
    title.font = style.TITLE_FONT
    row = _write_runs(ws, comparison.runs, 3)
    row = _write_kpi_table(ws, comparison, row + 2)
    data_top = row + 2
    last = _write_chart_data(ws, comparison, data_top)
    used_cols = max(len(RUN_COLUMNS), 3 * len(runs) - 1)  # runs table, KPI table
    if last > data_top:
        _add_chart(ws, runs, data_top, last, anchor_col=used_cols + 2)
    for note in comparison.notes:
        last += 1
        style.write_cell(ws, last + 1, 1, f"Note: {note}")
    style.set_width(ws, 1, style.fit_width([*map(_kpi_label, comparison.kpis["metric"]),
                                            "metric"], minimum=22))
    for col in range(2, used_cols + 1):
        style.set_width(ws, col, 18)
    ws.freeze_panes = "B3"
    style.print_landscape(ws)


def _header_row(ws: Worksheet, row: int, headers: list[str], col: int = 1) -> None:
    for j, h in enumerate(headers):
        style.style_header(style.write_cell(ws, row, col + j, h))


def _write_runs(ws: Worksheet, runs: pd.DataFrame, top: int) -> int:
    """The runs compared, base first; return the last row written."""
    _header_row(ws, top, ["run", *RUN_COLUMNS[1:]])
    for i, (_, r) in enumerate(runs.iterrows(), start=1):
        for j, c in enumerate(RUN_COLUMNS, start=1):
            value = r.get(c)
            if c == "run_id" and r.get("base"):
                value = f"{value} (base)"
            style.write_cell(ws, top + i, j, value)
    return top + len(runs)


def _write_kpi_table(ws: Worksheet, comparison: Comparison, top: int) -> int:
    """metric | value per run | delta per other run | delta % per other run."""
    runs, others = comparison.run_ids, comparison.run_ids[1:]
    headers = ["metric", *runs, *(f"Δ {r}" for r in others), *(f"Δ% {r}" for r in others)]
    _header_row(ws, top, headers)
    k = comparison.kpis
    row = top
    for metric in dict.fromkeys(k["metric"]):
        row += 1
        m = k[k["metric"] == metric].set_index("run_id")
        style.write_cell(ws, row, 1, _kpi_label(metric)).font = style.LABEL_FONT
        col = 2
        for r in runs:
            style.write_cell(ws, row, col, _finite(m.at[r, "value"]),
                             number_format=_kpi_format(metric))
            col += 1
        for r in others:
            style.write_cell(ws, row, col, _finite(m.at[r, "delta"]),
                             number_format=_kpi_format(metric))
            col += 1
        for r in others:
            style.write_cell(ws, row, col, _finite(m.at[r, "delta_pct"]), number_format=FMT_PCT)
            col += 1
    return row


def _kpi_label(metric: str) -> str:
    """What people read in column A: the metric's label from the output schema (the
    comparison's ``kpis`` table and ``--json`` keep the key)."""
    return summary_quantity(metric).label


def _kpi_format(metric: str) -> str:
    """The metric's number format from the output schema (money without a currency:
    the runs compared may not share one)."""
    return summary_quantity(metric).excel_format() or style.FMT_GENERAL


def _write_chart_data(ws: Worksheet, comparison: Comparison, top: int) -> int:
    """The chart's data: each metric scaled to its largest absolute value across runs
    (= 100); metrics that are zero or missing in every run are left out."""
    runs = comparison.run_ids
    style.write_cell(ws, top - 1, 1, "Chart data: each KPI scaled so that its largest "
                                     "absolute value across the runs is 100").font = \
        style.LABEL_FONT
    _header_row(ws, top, ["metric", *runs])
    row = top
    k = comparison.kpis
    for metric in dict.fromkeys(k["metric"]):
        values = k[k["metric"] == metric].set_index("run_id")["value"]
        scale = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
        if scale == 0:
            continue
        row += 1
        style.write_cell(ws, row, 1, _kpi_label(metric))
        for j, r in enumerate(runs, start=2):
            v = values.get(r)
            style.write_cell(ws, row, j, 100 * v / scale if v is not None and math.isfinite(v)
                             else None, number_format=FMT_INDEX)
    return row


def _add_chart(ws: Worksheet, runs: list[str], top: int, last: int, anchor_col: int) -> None:
    """A clustered bar chart: metrics along the axis, one series per run."""
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.title = "KPIs across runs (largest = 100)"
    chart.y_axis.title = "index"
    chart.x_axis.title = None
    data = Reference(ws, min_col=2, max_col=1 + len(runs), min_row=top, max_row=last)
    cats = Reference(ws, min_col=1, min_row=top + 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height = max(8.0, 0.6 * (last - top) * len(runs) / 2 + 4)
    chart.width = 18
    chart.x_axis.scaling.orientation = "maxMin"  # metrics top-down, as in the table
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    ws.add_chart(chart, f"{get_column_letter(anchor_col)}3")


def _finite(value: Any) -> Any:
    """The value, or None (a blank cell) for NaN and infinite numbers."""
    if value is None:
        return None
    try:
        return value if math.isfinite(float(value)) else None
    except (TypeError, ValueError):
        return value


# --------------------------------------------------------------------------- tidy sheets


def write_tidy_sheet(ws: Worksheet, df: pd.DataFrame, about: str, empty_text: str) -> None:
    """A header row, one row per record, filters, frozen header; a line under the
    table says what it shows (or what an empty table means)."""
    cols = list(df.columns)
    _header_row(ws, 1, [str(c) for c in cols])
    for i, rec in enumerate(df.itertuples(index=False), start=2):
        for j, (c, v) in enumerate(zip(cols, rec, strict=True), start=1):
            style.write_cell(ws, i, j, _finite(v) if isinstance(v, float) else v,
                             number_format=COLUMN_FORMATS.get(str(c)))
    end = len(df) + 1
    if cols and len(df):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{end}"
    style.write_cell(ws, end + 2, 1, about if len(df) else empty_text).alignment = \
        Alignment(wrap_text=False)
    for j, c in enumerate(cols, start=1):
        values = [c, *df[c].head(500).tolist()]
        style.set_width(ws, j, style.fit_width(values))
    ws.freeze_panes = "A2"
    style.print_landscape(ws, repeat_rows="1:1")
