"""The workbooks of the studies: Sweep, Frontier and Robust sheets with native charts.

Each sheet opens with a short block in words (the study's group in the run
store, its status, what was varied, the findings), then the tidy table of its
points, then its charts (openpyxl's native charts, so Excel and LibreOffice
draw them from the cells). Number formats and KPI labels are those of the
results workbook (:mod:`sovopt.workbook.results`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.chart.marker import Marker
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sovopt import outputs
from sovopt.workbook import style
from sovopt.workbook.atomic import save_workbook_atomic
from sovopt.workbook.print_setup import set_print
from sovopt.workbook.table_writer import PALETTE, write_table

#: Dependence KPIs a chart may plot (shares, on one axis).
SHARE_KPIS = ("cvar", "expected_shortfall", "worst_case_shortfall", "exposure", "hhi_mean")

#: Marker shapes by series, so series stay apart in grey print too.
MARKERS = ("circle", "square", "triangle", "diamond", "x", "star", "plus", "dash")

#: Chart size (cm) and the rows one chart takes on the sheet.
CHART_HEIGHT, CHART_WIDTH, CHART_ROWS = 8.5, 16.0, 18


def _lines(ws: Worksheet, title: str, lines: Sequence[str]) -> int:
    """The title and the block in words; return the next free row."""
    cell = style.write_cell(ws, 1, 1, title)
    cell.font = style.LABEL_FONT
    for i, text in enumerate(lines, start=2):
        style.write_cell(ws, i, 1, text)
    return len(lines) + 3


def _has_values(df: pd.DataFrame, col: str) -> bool:
    return col in df.columns and pd.to_numeric(df[col], errors="coerce").notna().any()


def _scatter(ws: Worksheet, df: pd.DataFrame, first: int, last: int, x: str, ys: list[str],
             title: str, x_title: str, y_title: str, secondary: str | None = None,
             y_format: str = "0.0%", lines: bool = True,
             x_format: str = "General") -> ScatterChart:
    """A scatter chart of the columns ``ys`` (and ``secondary`` on a right axis)
    against column ``x`` of the table written at rows first..last."""
    col = {name: i + 1 for i, name in enumerate(df.columns)}

    def chart_of(names: list[str], offset: int = 0) -> ScatterChart:
        ch = ScatterChart()
        ch.scatterStyle = "lineMarker"
        xs = Reference(ws, min_col=col[x], min_row=first, max_row=last)
        for name in names:
            ref = Reference(ws, min_col=col[name], min_row=first - 1, max_row=last)
            s = Series(ref, xs, title_from_data=True)
            k = offset + len(ch.series)
            colour = PALETTE[k % len(PALETTE)]
            s.marker = Marker(symbol=MARKERS[k % len(MARKERS)], size=7)
            s.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
            s.marker.graphicalProperties.line.solidFill = colour
            if lines:  # an ordered x: the points of a series joined
                s.graphicalProperties.line.solidFill = colour
                s.graphicalProperties.line.width = 22225
            else:
                s.graphicalProperties.line.noFill = True
            s.smooth = False
            ch.series.append(s)
        ch.x_axis.delete = ch.y_axis.delete = False  # openpyxl 3.1 hides axes otherwise
        return ch

    chart = chart_of(ys)
    chart.title, chart.x_axis.title, chart.y_axis.title = title, x_title, y_title
    chart.y_axis.number_format = y_format
    chart.x_axis.number_format = x_format
    if secondary:
        right = chart_of([secondary], offset=len(ys))
        right.y_axis.axId = 200
        right.y_axis.title = outputs.summary_quantity(secondary).label
        right.y_axis.crosses = "max"
        right.y_axis.number_format = "#,##0"
        chart += right
    chart.height, chart.width = CHART_HEIGHT, CHART_WIDTH
    chart.legend.position = "b"
    return chart


def _study_table(ws: Worksheet, df: pd.DataFrame, table: str, row: int,
                 currency: str) -> tuple[int, int]:
    """Write a study table with the output schema's labels and number formats."""
    cols = [outputs.study_column(table, str(c)) for c in df.columns]
    formats = {str(c): fmt for c, q in zip(df.columns, cols, strict=True)
               if (fmt := q.excel_format(currency)) is not None}
    return write_table(ws, df, row=row, formats=formats, headers=[q.label for q in cols])


def _input_format(values: pd.Series) -> str:
    """The number format of a varied input's axis: as few decimals as its values need
    (0.94, not 0.940000)."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    for decimals in range(0, 5):
        if ((v - v.round(decimals)).abs() < 1e-9).all():
            return "#,##0" + ("." + "0" * decimals if decimals else "")
    return "General"


def sweep_sheet(wb: Workbook, table: pd.DataFrame, inputs: list[str], lines: Sequence[str],
                currency: str) -> Worksheet:
    """The Sweep sheet: KPIs per point and, per varied input, a chart of the
    dependence measures (left axis) and total cost (right axis) against it."""
    ws = wb.create_sheet("Sweep")
    row = _lines(ws, "Sweep: KPIs at each point of the grid", lines)
    first, last = _study_table(ws, table, "sweep", row, currency)
    measures = [k for k in SHARE_KPIS if _has_values(table, k)]
    anchor_col = get_column_letter(len(table.columns) + 2)
    for k, name in enumerate(inputs):
        chart = _scatter(ws, table, first, last, name, measures or ["total_cost"],
                         "Dependence measures (left) and total cost (right)", name, "share",
                         secondary="total_cost" if measures else None,
                         lines=len(inputs) == 1, x_format=_input_format(table[name]))
        ws.add_chart(chart, f"{anchor_col}{row + k * CHART_ROWS}")
    set_print(ws, None)
    return ws


def frontier_sheet(wb: Workbook, table: pd.DataFrame, measure: str, lines: Sequence[str],
                   currency: str) -> Worksheet:
    """The Frontier sheet: one row per point and a scatter-with-lines chart of cost
    against the measure, with each point's least cost proven (the floor of its proven
    band) and the knee as their own marked series."""
    ws = wb.create_sheet("Frontier")
    row = _lines(ws, f"Frontier: least cost for each level of {measure}", lines)
    first, last = _study_table(ws, table, "frontier", row, currency)
    col = {name: i + 1 for i, name in enumerate(table.columns)}
    chart = ScatterChart()
    chart.style = 13
    chart.title = f"Cost against {measure}"
    chart.x_axis.title, chart.y_axis.title = f"{measure} (share)", f"total cost ({currency})"
    xs = Reference(ws, min_col=col["measure"], min_row=first, max_row=last)
    frontier = Series(Reference(ws, min_col=col["cost"], min_row=first - 1, max_row=last), xs,
                      title_from_data=True)
    frontier.marker = Marker(symbol="circle", size=6)
    frontier.smooth = False
    chart.series.append(frontier)
    if "cost_bound" in col and _has_values(table, "cost_bound"):  # the proven band's floor
        floor = Series(Reference(ws, min_col=col["cost_bound"], min_row=first - 1,
                                 max_row=last), xs, title_from_data=True)
        floor.marker = Marker(symbol="dash", size=8)
        floor.graphicalProperties.line.noFill = True
        chart.series.append(floor)
    if "knee_cost" in col and _has_values(table, "knee_cost"):
        knee = Series(Reference(ws, min_col=col["knee_cost"], min_row=first - 1, max_row=last),
                      xs, title_from_data=True)
        knee.marker = Marker(symbol="diamond", size=12)
        knee.graphicalProperties.line.noFill = True
        chart.series.append(knee)
    chart.x_axis.number_format = "0.0%"
    chart.y_axis.number_format = "#,##0"
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.height, chart.width = 10, 18
    chart.legend.position = "b"
    ws.add_chart(chart, f"{get_column_letter(len(table.columns) + 2)}{row}")
    set_print(ws, None)
    return ws


def robust_sheet(wb: Workbook, table: pd.DataFrame, samples: pd.DataFrame,
                 lines: Sequence[str], currency: str = "") -> Worksheet:
    """The Robust sheet: per option its core index and class, a bar chart of the core
    indexes, and per sample its seed (to re-solve it) and run id."""
    ws = wb.create_sheet("Robust")
    row = _lines(ws, "Robust core: share of perturbed optima that start each option", lines)
    first, last = _study_table(ws, table, "robust", row, currency)
    if len(table):
        col = {name: i + 1 for i, name in enumerate(table.columns)}
        bar = BarChart()
        bar.type = "bar"
        bar.title = "Core index per option"
        bar.add_data(Reference(ws, min_col=col["core_index"], min_row=first - 1, max_row=last),
                     titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=col["option_id"], min_row=first,
                                     max_row=last))
        bar.y_axis.number_format = "0%"
        bar.y_axis.scaling.min, bar.y_axis.scaling.max = 0.0, 1.0
        bar.x_axis.delete = bar.y_axis.delete = False
        bar.legend = None
        bar.height, bar.width = max(7.0, 0.6 * len(table) + 3), 16
        ws.add_chart(bar, f"{get_column_letter(len(table.columns) + 2)}{row}")
    srow = last + 3
    style.write_cell(ws, srow, 1, "Samples (re-solve one with --sample-seed SEED)").font = \
        style.LABEL_FONT
    _study_table(ws, samples, "robust_samples", srow + 1, currency)
    set_print(ws, None)
    return ws


def write_study_workbook(wb: Workbook, path: str | os.PathLike[str]) -> Path:
    """Save a study's workbook atomically (the first sheet active)."""
    if "Sheet" in wb.sheetnames and len(wb.sheetnames) > 1:
        wb.remove(wb["Sheet"])
    wb.active = 0
    return save_workbook_atomic(wb, path)


def new_workbook() -> Workbook:
    wb = Workbook()
    return wb
