"""The Fleet and Stock sheets of the results workbook (only when the case keeps them).

- Fleet: per fleet capability and year, units required, in service, supported
  at home and available in the worst scenario, with one chart per capability.
- Stock: per capability and year, demand, deliveries, planned stock and the
  worst scenario's draw, with one chart per capability.
"""

from __future__ import annotations

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sovopt.report import Report
from sovopt.workbook import style
from sovopt.workbook.risk_sheets import kinds_of, shown_ids
from sovopt.workbook.table_writer import (
    CHART_SERIES,
    FMT_PERCENT,
    PALETTE,
    SCALE_RED,
    series_title,
    table_headings,
    units_format,
    write_table,
)


def fleet_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    fl = shown_ids(report, "fleet")
    raw = report.tables["fleet"]
    unit = units_format(pd.concat([raw[c] for c in ("required", "in_service",
                                                     "home_supported", "worst_available")]))
    formats = {"year": style.FMT_YEAR, "required": unit, "in_service": unit,
               "home_supported": unit, "worst_available": unit,
               "availability": FMT_PERCENT}
    first, last = write_table(ws, fl, formats=formats, kinds=kinds_of("fleet"),
                              headers=table_headings("fleet", fl.columns, currency))
    cols = {name: j for j, name in enumerate(fl.columns, start=1)}
    letter = get_column_letter(cols["availability"])
    ws.conditional_formatting.add(
        f"{letter}{first}:{letter}{last}",
        ColorScaleRule(start_type="num", start_value=0, start_color=SCALE_RED,
                       end_type="num", end_value=1, end_color="FFFFFF"))
    style.add_note(ws.cell(row=1, column=cols["home_supported"]),
                   "Units in service whose support (spares, repair) is at home because a "
                   "repair line is open; the rest depends on the support country.")
    style.add_note(ws.cell(row=1, column=cols["availability"]),
                   "Units still in service in the scenario that leaves fewest, as a share of "
                   "the units required that year.")
    ws.freeze_panes = "A2"
    anchor_col = get_column_letter(len(fl.columns) + 2)
    _capability_charts(ws, fl, cols, first, anchor_col,
                       "in service, supported at home, available in the worst scenario",
                       (("in_service", "in service"), ("home_supported", "supported at home"),
                        ("worst_available", "available in the worst scenario")),
                       ("required", "required"))


def stock_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    st = shown_ids(report, "stock")
    raw = report.tables["stock"]
    unit = units_format(pd.concat([raw[c] for c in ("demand", "delivered", "planned_stock",
                                                     "worst_draw")]))
    formats = {"year": style.FMT_YEAR, "demand": unit, "delivered": unit,
               "planned_stock": unit, "worst_draw": unit, "years_of_cover": "0.00"}
    first, last = write_table(ws, st, formats=formats, kinds=kinds_of("stock"),
                              headers=table_headings("stock", st.columns, currency))
    cols = {name: j for j, name in enumerate(st.columns, start=1)}
    style.add_note(ws.cell(row=1, column=cols["planned_stock"]),
                   "Units in stock at the end of the year under the plan: deliveries beyond "
                   "the year's demand go into stock, and the stock covers what deliveries "
                   "do not.")
    style.add_note(ws.cell(row=1, column=cols["worst_draw"]),
                   "The most any scenario takes out of its own stock that year: a scenario "
                   "can only draw on units that arrived before it hit.")
    style.add_note(ws.cell(row=1, column=cols["years_of_cover"]),
                   "Planned stock divided by the capability's average yearly demand.")
    ws.freeze_panes = "A2"
    anchor_col = get_column_letter(len(st.columns) + 2)
    _capability_charts(ws, st, cols, first, anchor_col,
                       "planned stock and the worst scenario's draw",
                       (("planned_stock", "planned stock"),
                        ("worst_draw", "drawn in the worst scenario")),
                       ("demand", "demand"))


def _capability_charts(ws: Worksheet, table: pd.DataFrame, cols: dict[str, int], first: int,
                       anchor_col: str, what: str, bars: tuple[tuple[str, str], ...],
                       line: tuple[str, str]) -> None:
    """One chart per capability (at most CHART_SERIES), stacked beside the table:
    clustered columns of ``bars`` (column, label) by year and ``line`` as a line."""
    at = 2
    for cap in list(dict.fromkeys(table["capability_id"]))[:CHART_SERIES]:
        rows = [i for i, r in enumerate(table["capability_id"], start=first) if r == cap]
        lo, hi = rows[0], rows[-1]
        bar = BarChart()
        bar.type, bar.grouping = "col", "clustered"
        bar.title = f"{cap}: {what}"
        for name, label in bars:
            bar.add_data(Reference(ws, min_col=cols[name], min_row=lo, max_row=hi),
                         titles_from_data=False)
            bar.series[-1].tx = series_title(label)
        for k, series in enumerate(bar.series):
            series.graphicalProperties.solidFill = PALETTE[k]
        chart = LineChart()
        chart.add_data(Reference(ws, min_col=cols[line[0]], min_row=lo, max_row=hi),
                       titles_from_data=False)
        chart.series[0].tx = series_title(line[1])
        chart.series[0].graphicalProperties.line.solidFill = "C00000"
        chart.series[0].graphicalProperties.line.dashStyle = "dash"
        bar.set_categories(Reference(ws, min_col=cols["year"], min_row=lo, max_row=hi))
        bar += chart
        bar.x_axis.delete = bar.y_axis.delete = False
        bar.legend.position = "b"
        bar.height, bar.width = 8, 18
        ws.add_chart(bar, f"{anchor_col}{at}")
        at += 17
