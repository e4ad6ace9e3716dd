"""The comparison workbook: runs side by side, for people who read Excel.

Sheets:

- **KPIs**: the runs compared (the first is the base), the Summary metrics of
  every run with their deltas against the base, and a native bar chart of each
  KPI's difference from the base run in percent of the base's value (KPIs live
  on very different scales, so a difference of 2 % shows as 2 %, where bars of
  the values themselves would all look alike); the table keeps the real values.
- **Options**, **Spend**, **Dependence**, **Inputs**: the tidy tables of
  :class:`sovopt.comparison.Comparison`, one row per item and run, with filters
  and frozen headers, so any comparison is one filter away; headed by labels
  (the tables in ``--json`` keep the keys), numbers rounded as people write
  them.

Every cell goes through :func:`sovopt.workbook.style.write_cell` (formula
injection neutralised), each sheet has its print setup
(:mod:`sovopt.workbook.print_setup`) and the file is saved atomically.
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

from sovopt.comparison import Comparison
from sovopt.outputs import TABLES, rounded, summary_quantity
from sovopt.workbook import style
from sovopt.workbook.atomic import save_workbook_atomic
from sovopt.workbook.print_setup import set_print
from sovopt.workbook.table_writer import colour_series

FMT_PCT = "0.0%"

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
        write_tidy_sheet(wb.create_sheet(title), table, about, empty, _footer(comparison))
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
    if last > data_top and len(runs) > 1:
        _add_chart(ws, runs, data_top, last, anchor_col=used_cols + 2)
    for note in comparison.notes:
        last += 1
        style.write_cell(ws, last + 1, 1, f"Note: {note}")
    style.set_width(ws, 1, style.fit_width([*map(_kpi_label, comparison.kpis["metric"]),
                                            "metric"], minimum=22))
    for col in range(2, used_cols + 1):
        style.set_width(ws, col, 18)
    ws.freeze_panes = "B3"
    set_print(ws, None, _footer(comparison))


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
    """Metric | value per run | change per other run | change in % per other run | the
    note per other run that a change lies within the two runs' gaps (the solver's
    tolerance), each run headed by its label where it has one."""
    runs, others = comparison.run_ids, comparison.run_ids[1:]
    name = _run_headings(comparison)
    headers = ["Metric", *(name[r] for r in runs), *(f"Change, {name[r]}" for r in others),
               *(f"Change %, {name[r]}" for r in others),
               *(f"Note, {name[r]}" for r in others)]
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
        for r in others:
            note = m.at[r, "tolerance"] if "tolerance" in m.columns else ""
            style.write_cell(ws, row, col, note or None)
            col += 1
    return row


def _run_headings(comparison: Comparison) -> dict[str, str]:
    """Each run as a column heading: its label and short id (``tight (r0004)``), or
    the id alone when it has no label."""
    out = {}
    for _, r in comparison.runs.iterrows():
        rid = str(r["run_id"])
        label = r.get("label")
        short = rid.split("-")[0]
        out[rid] = f"{label} ({short})" if isinstance(label, str) and label else rid
    return out


def _kpi_label(metric: str) -> str:
    """What people read in column A: the metric's label from the output schema (the
    comparison's ``kpis`` table and ``--json`` keep the key)."""
    return summary_quantity(metric).label


def _kpi_format(metric: str) -> str:
    """The metric's number format from the output schema (money without a currency:
    the runs compared may not share one)."""
    return summary_quantity(metric).excel_format() or style.FMT_GENERAL


def _write_chart_data(ws: Worksheet, comparison: Comparison, top: int) -> int:
    """The chart's data: each KPI's difference from the base run in percent of the base
    run's value (KPIs that equal the base everywhere, or whose base is 0 or missing, are
    left out: the KPI table above has their values)."""
    others = comparison.run_ids[1:]
    style.write_cell(ws, top - 1, 1, f"Chart data: each KPI's difference from the base run "
                                     f"{comparison.base}, in % of its value").font = \
        style.LABEL_FONT
    _header_row(ws, top, ["KPI", *others])
    row = top
    k = comparison.kpis
    for metric in dict.fromkeys(k["metric"]):
        pct = k[k["metric"] == metric].set_index("run_id")["delta_pct"]
        values = [_finite(rounded(pct.get(r), "share")) for r in others]
        if all(v is None or v == 0 for v in values):
            continue
        row += 1
        style.write_cell(ws, row, 1, _kpi_label(metric))
        for j, v in enumerate(values, start=2):
            style.write_cell(ws, row, j, v, number_format=FMT_PCT)
    return row


def _add_chart(ws: Worksheet, runs: list[str], top: int, last: int, anchor_col: int) -> None:
    """A clustered bar chart: KPIs along the axis, one series per run other than the base,
    each bar its difference from the base run in % (left of 0: lower than the base)."""
    others = runs[1:]
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.title = f"Difference from the base run {runs[0]} (% of its value)"
    chart.y_axis.title = "difference from the base run"
    chart.y_axis.number_format = "0%"
    chart.x_axis.title = None
    data = Reference(ws, min_col=2, max_col=1 + len(others), min_row=top, max_row=last)
    cats = Reference(ws, min_col=1, min_row=top + 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    colour_series(chart)
    chart.height = max(8.0, 0.6 * (last - top) * len(others) / 2 + 4)
    chart.width = 18
    chart.x_axis.scaling.orientation = "maxMin"  # KPIs top-down, as in the table
    chart.x_axis.tickLblPos = "low"  # labels at the left edge, clear of negative bars
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


#: Headers of the compare tables' own columns (the rest read as the output schema's
#: labels, or the key in words).
COLUMN_LABELS = {"run_id": "Run", "delta": "Δ vs base", "delta_pct": "Δ % vs base",
                 "cost_delta": "Cost Δ vs base", "units_delta": "Units Δ vs base",
                 "change": "Change vs base", "base": "Base run", "value": "Value",
                 "cell": "Cell", "sheet": "Sheet", "position": "Position"}


def column_label(key: str) -> str:
    """What a compare table's column is headed with: people read labels, not keys."""
    if key in COLUMN_LABELS:
        return COLUMN_LABELS[key]
    if key.endswith("_delta"):
        return column_label(key[:-6]) + " Δ vs base"
    for cols in TABLES.values():
        for q in cols:
            if q.key == key:
                return q.label
    return key.replace("_", " ").capitalize()


def _footer(comparison: Comparison) -> str:
    return "comparison of " + ", ".join(comparison.run_ids)


def write_tidy_sheet(ws: Worksheet, df: pd.DataFrame, about: str, empty_text: str,
                     footer: str = "") -> None:
    """A header row, one row per record, filters, frozen header; a line under the
    table says what it shows (or what an empty table means)."""
    cols = list(df.columns)
    _header_row(ws, 1, [column_label(str(c)) for c in cols])
    for i, rec in enumerate(df.itertuples(index=False), start=2):
        for j, (c, v) in enumerate(zip(cols, rec, strict=True), start=1):
            kind = "share" if str(c) == "delta_pct" else "number"
            style.write_cell(ws, i, j, _finite(rounded(v, kind)) if isinstance(v, float)
                             else v, number_format=COLUMN_FORMATS.get(str(c)))
    end = len(df) + 1
    if cols and len(df):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{end}"
    style.write_cell(ws, end + 2, 1, about if len(df) else empty_text).alignment = \
        Alignment(wrap_text=False)
    for j, c in enumerate(cols, start=1):
        values = [column_label(str(c)), *df[c].head(500).tolist()]
        style.set_width(ws, j, style.fit_width(values, minimum=10))
    ws.freeze_panes = "A2"
    set_print(ws, "1:1", footer)
