"""The results workbook: a Report as sheets a planner reads and a script parses.

Sheets (README, the output contract): Summary, Portfolio, Spend, Dependence, Scenarios,
Constraints, Diagnostics, Run. Every sheet starts with a header in row 1,
frozen, so ``pandas.read_excel(path, sheet_name=...)`` reads its first table.

- Summary: columns A/B hold the exact ``metric``/``value`` pairs of
  :data:`sovopt.outputs.SUMMARY_KEYS` (scripts read these), column C the
  plain label with its unit and column D what each one means (both from the
  output schema, :mod:`sovopt.outputs`); an "In short" block at the right says
  the same in sentences.
- Portfolio: one row per started option with units per year (one column per
  year, header = the year). Its editable layout is what ``sovopt stress``
  reads back (:mod:`sovopt.workbook.portfolio_sheet`): change a start year or units, delete a
  row, or add a row for another option of the case.
- Spend: spend by year and supplier country with the budget (a stacked column
  chart with the budget as a line), then by value origin and by capability
  (the tidy table is in the Report and the run store).
- Dependence: per capability and year (flags highlighted), and the capability
  × country share matrix with a colour scale.
- Scenarios: per scenario and capability, with a colour scale, and the loss of
  each scenario split by capability as a stacked bar chart.
- Constraints, Diagnostics, Run (run information, then the levels solved).

Only this module and :mod:`sovopt.workbook.into_input` lay out result sheets;
:func:`add_result_sheets` is shared by both. Text is written through
:func:`sovopt.workbook.style.write_cell`, which neutralises formula injection.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sovopt import outputs
from sovopt.outputs import SUMMARY_KEYS, shown_name
from sovopt.report import Report
from sovopt.sustainment import leverage_ratio
from sovopt.workbook import style
from sovopt.workbook.atomic import save_workbook_atomic

#: Result sheets, in order.
#: Summary statuses shown as good news (a verified plan, or a stress test that holds).
GOOD_STATUSES = ("optimal", "feasible")
RESULT_SHEETS = ("Summary", "Portfolio", "Spend", "Dependence", "Scenarios", "Constraints",
                 "Diagnostics", "Run")
#: Sheets written only when the case has what they show (the sustainment families), with the
#: table that must have rows and the sheet they follow.
SUSTAINMENT_SHEETS = {"Fleet": ("fleet", "Dependence"), "Stock": ("stock", "Dependence")}

FMT_PERCENT = "0.0%"
FMT_PERCENT_FINE = "0.00%"
FMT_UNITS = "#,##0"
FMT_UNITS_FRACTION = "#,##0.00"

GOOD_FILL = PatternFill("solid", fgColor="E2EFDA")
BAD_FILL = PatternFill("solid", fgColor="F8CBAD")
WARN_FILL = PatternFill("solid", fgColor="FFF2CC")
FLAG_FONT = Font(bold=True, color="9C0006")
IN_SHORT_TITLE = Font(name="Calibri", bold=True, size=14, color=style.HEADER_COLOUR)
IN_SHORT_FONT = Font(name="Calibri", size=12)
SEVERITY_FILLS = {"infeasible": BAD_FILL, "error": BAD_FILL, "violation": BAD_FILL,
                  "warning": WARN_FILL, "surplus": WARN_FILL}

#: Most series in a stacked chart (and columns of the pivot behind it); the rest are
#: summed into one "other" column. The tidy tables keep every detail.
CHART_SERIES = 12

#: Colour scales: white (none) to a strong colour (a lot).
SCALE_RED = "F8696B"
SCALE_BLUE = "5B9BD5"

def summary_formats(currency: str) -> dict[str, str]:
    """Number format of each numeric Summary metric (from the output schema)."""
    return {q.key: fmt for q in outputs.SUMMARY
            if (fmt := q.excel_format(currency)) is not None}


def table_formats(table: str, currency: str) -> dict[str, str]:
    """Number format of each numeric column of a result table (from the output schema)."""
    return {q.key: fmt for q in outputs.TABLES[table]
            if (fmt := q.excel_format(currency)) is not None}


def with_names(report: Report, table: str) -> pd.DataFrame:
    """Result table ``table`` with the name column of :func:`sovopt.outputs.named_columns`
    beside each country and scenario id (blank where the case gives no name): what the
    sheet shows people; the table itself keeps the ids only."""
    frame = report.tables[table].copy()
    names = report.run.get("names")
    for q, named in reversed(outputs.named_columns(table)):
        if q.key in frame.columns and named.key not in frame.columns:
            frame.insert(frame.columns.get_loc(q.key) + 1, named.key,
                         [outputs.name_of(names, q.entity, v) for v in frame[q.key]])
    return frame


def money_format(currency: str) -> str:
    """``#,##0.00 "EUR m"``: amounts with the case's currency (quotes removed from it)."""
    return outputs.Quantity("", "", "", "money", "").excel_format(
        style.safe_text(currency)) or "#,##0.00"


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
        "Summary": _summary_sheet, "Portfolio": _portfolio_sheet, "Spend": _spend_sheet,
        "Dependence": _dependence_sheet, "Scenarios": _scenarios_sheet,
        "Constraints": _constraints_sheet, "Diagnostics": _diagnostics_sheet,
        "Run": _run_sheet, "Fleet": _fleet_sheet, "Stock": _stock_sheet,
    }
    names = []
    for name in result_sheet_names(report):
        ws = wb.create_sheet(prefix + name)
        writers[name](ws, report, currency)
        style.print_landscape(ws, "1:1")
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


# --- generic table writing --------------------------------------------------------------


def write_table(ws: Worksheet, df: pd.DataFrame, row: int = 1, col: int = 1,
                formats: dict[str, str] | None = None, headers: Sequence[str] | None = None,
                widths: bool = True) -> tuple[int, int]:
    """Write ``df`` with a styled header at (row, col); return (first, last) data row.

    ``formats`` maps a column name to its number format; ``headers`` overrides
    the header texts. Column widths fit the longest value (when ``widths``).
    """
    formats = formats or {}
    heads = list(headers) if headers is not None else list(df.columns)
    for j, head in enumerate(heads):
        style.style_header(style.write_cell(ws, row, col + j, head))
    records = df.itertuples(index=False, name=None)
    for i, rec in enumerate(records, start=row + 1):
        for j, (name, value) in enumerate(zip(df.columns, rec, strict=True)):
            style.write_cell(ws, i, col + j, value, number_format=formats.get(str(name)))
    if widths:
        for j, name in enumerate(df.columns):
            values = [str(heads[j]), *_display(df[name], formats.get(str(name)))]
            current = ws.column_dimensions[get_column_letter(col + j)].width or 0
            style.set_width(ws, col + j, max(current, style.fit_width(values)))
    return row + 1, row + len(df)


def _display(values: pd.Series, number_format: str | None) -> list[Any]:
    """Values as roughly displayed, for column widths (percent and money are longer)."""
    out = []
    for v in values:
        if style.is_blank(v):
            continue
        if isinstance(v, float) and number_format and "%" in number_format:
            out.append(f"{v:.1%}")
        elif isinstance(v, int | float) and number_format and '"' in number_format:
            out.append(f"{v:,.2f} {number_format.split(chr(34))[1]}")
        else:
            out.append(v)
    return out


def _title(ws: Worksheet, row: int, col: int, text: str) -> None:
    cell = style.write_cell(ws, row, col, text)
    cell.font = style.LABEL_FONT


def _color_scale(ws: Worksheet, ref: str, colour: str, lo: float | None = 0.0,
                 hi: float | None = None) -> None:
    """White at ``lo`` (or the minimum) to ``colour`` at ``hi`` (or the maximum)."""
    start = ({"start_type": "num", "start_value": lo} if lo is not None
             else {"start_type": "min"})
    end = ({"end_type": "num", "end_value": hi} if hi is not None else {"end_type": "max"})
    ws.conditional_formatting.add(
        ref, ColorScaleRule(**start, start_color="FFFFFF", **end, end_color=colour))


def _flag_yes(ws: Worksheet, ref: str) -> None:
    """Highlight cells that say ``yes`` (a flag such as concentrated, single source)."""
    ws.conditional_formatting.add(
        ref, CellIsRule(operator="equal", formula=['"yes"'], fill=BAD_FILL, font=FLAG_FONT))


def _units_format(values: pd.Series) -> str:
    v = pd.to_numeric(values, errors="coerce").dropna()
    return FMT_UNITS if ((v - v.round()).abs() < 1e-9).all() else FMT_UNITS_FRACTION


def _years(report: Report) -> list[int]:
    """The horizon of the run, from its settings."""
    settings = report.run.get("settings") or {}
    first, last = settings.get("first_year"), settings.get("last_year")
    if first is None or last is None:
        years = report.tables.get("deliveries", pd.DataFrame(columns=["year"]))["year"]
        return sorted({int(y) for y in years})
    return list(range(int(first), int(last) + 1))


def _pivot(df: pd.DataFrame, index: str, columns: str, values: str, rows: list,
           order: list | None = None, blank: str = "") -> pd.DataFrame:
    """``df`` pivoted to ``rows`` × ``columns`` (sum of ``values``; missing = 0)."""
    data = df.assign(**{columns: df[columns].astype(object).where(df[columns].notna(), blank)})
    table = data.pivot_table(index=index, columns=columns, values=values, aggfunc="sum",
                             fill_value=0.0, sort=False) if len(data) else pd.DataFrame()
    table = table.reindex(index=rows, fill_value=0.0)
    cols = order if order is not None else sorted(
        table.columns, key=lambda c: -float(table[c].sum()))
    return table.reindex(columns=cols, fill_value=0.0).fillna(0.0)


def top_columns(table: pd.DataFrame, other: str, keep: int = CHART_SERIES) -> pd.DataFrame:
    """The ``keep`` - 1 largest columns and one ``other`` column summing the rest, when
    there are more than ``keep``: a stacked chart of 60 series is unreadable."""
    if table.shape[1] <= keep:
        return table
    order = table.sum(axis=0).sort_values(ascending=False).index
    out = table[list(order[:keep - 1])].copy()
    out[other] = table[list(order[keep - 1:])].sum(axis=1)
    return out


# --- Summary ----------------------------------------------------------------------------


def _summary_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    formats = summary_formats(currency)
    for j, head in enumerate(("metric", "value", "label", "meaning"), start=1):
        style.style_header(style.write_cell(ws, 1, j, head))
    for i, q in enumerate(outputs.SUMMARY, start=2):
        style.write_cell(ws, i, 1, q.key).font = style.LABEL_FONT
        cell = style.write_cell(ws, i, 2, report.summary.get(q.key),
                                number_format=formats.get(q.key))
        if q.key == "status":
            cell.fill = GOOD_FILL if report.summary.get(q.key) in GOOD_STATUSES \
                else BAD_FILL
            cell.font = style.LABEL_FONT
        style.write_cell(ws, i, 3, q.heading(currency))
        style.write_cell(ws, i, 4, q.described(currency))
    style.set_width(ws, 1, 24)
    style.set_width(ws, 2, max(22, style.fit_width(
        [report.summary.get("run_id"), report.summary.get("objective")])))
    style.set_width(ws, 3, 40)
    style.set_width(ws, 4, 62)
    ws.freeze_panes = "A2"
    _in_short_block(ws, report, currency, col=6, rows=len(SUMMARY_KEYS))


def _in_short_block(ws: Worksheet, report: Report, currency: str, col: int,
                    rows: int) -> None:
    """The "In short" sentences in one merged, wrapped cell beside the metric rows."""
    title = "In short: " + str(report.run.get("case_name") or "results")
    style.write_cell(ws, 1, col, title).font = IN_SHORT_TITLE
    lines = in_short(report, currency)
    text = "\n".join(f"• {line}" for line in lines)
    cell = style.write_cell(ws, 2, col, text)
    cell.alignment = style.WRAP
    cell.font = IN_SHORT_FONT
    letter = get_column_letter(col)
    ws.merge_cells(f"{letter}2:{letter}{rows + 1}")
    width = 80
    style.set_width(ws, col - 1, 3)
    style.set_width(ws, col, width)
    needed = sum(max(1, -(-len(line) // (width - 8))) for line in lines) * 16.0 + 8
    if needed > rows * 15.0:
        for r in range(2, rows + 2):
            ws.row_dimensions[r].height = needed / rows


def in_short(report: Report, currency: str) -> list[str]:
    """The Summary in a few sentences a reader takes in at a glance."""
    s, t = report.summary, report.tables
    status = s.get("status")
    if s.get("objective") == "stress":
        broken = int((t["diagnostics"]["severity"] == "violation").sum())
        lines = ["Stress test of a fixed portfolio (nothing optimised): "
                 + (f"it breaks {broken} limit(s) of the case." if broken
                    else "it keeps every limit of the case.")]
    else:
        lines = [f"Outcome: {status} (objective {s.get('objective')})."]
        if s.get("status_detail"):
            lines.append(str(s["status_detail"]))
    if status == "infeasible":
        n = int((t["diagnostics"]["severity"] == "infeasible").sum())
        lines.append(f"No portfolio meets every limit of the case. The Diagnostics sheet "
                     f"lists {n} change(s) that would make it feasible.")
        return lines
    if s.get("total_cost") is None:
        return lines
    cost, budget = float(s["total_cost"]), float(s["budget_total"] or 0.0)
    share = f" ({cost / budget:.1%})" if budget else ""
    lines.append(f"Cost: {cost:,.1f} {currency} of a {budget:,.1f} {currency} "
                 f"budget{share}.")
    if s.get("local_share") is not None:
        lines.append(f"Local content: {float(s['local_share']):.1%} of unit spending.")
    lines += _scenario_sentences(report)
    lines += _dependence_sentences(report)
    lines += _sustainment_sentences(report, currency)
    unmet = float(s.get("unmet_units") or 0.0)
    lines.append(f"Unmet demand: {unmet:,.0f} units." if unmet else "All demand is met.")
    broken = int((t["diagnostics"]["severity"] == "violation").sum())
    lines.append(f"Limits broken: {broken} (listed on the Diagnostics sheet)." if broken
                 else "Limits broken: none.")
    return lines


def _scenario_sentences(report: Report) -> list[str]:
    s, sc = report.summary, report.tables["scenarios"]
    if s.get("worst_case_shortfall") is None or sc.empty:
        return ["Scenarios: the case has none, so no scenario loss is measured."]
    loss = sc.groupby("scenario_id", sort=False)["weighted_loss"].sum()
    worst = str(loss.idxmax())
    by_cap = sc[sc["scenario_id"] == worst].sort_values("share_lost", ascending=False)
    hit = by_cap.iloc[0]
    names = report.run.get("names")
    text = (f"Worst scenario: {shown_name(names, 'scenario', worst)} loses "
            f"{float(s['worst_case_shortfall']):.1%} of weighted demand")
    if float(hit["share_lost"]) > 0:
        text += (f", hardest on {shown_name(names, 'capability', hit['capability_id'])} "
                 f"({float(hit['share_lost']):.0%} lost)")
    return [text + f". Expected loss over all scenarios: "
                   f"{float(s['expected_shortfall']):.1%}; CVaR {float(s['cvar']):.1%}."]


def _sustainment_sentences(report: Report, currency: str) -> list[str]:
    """Repair lines, stock and leverage in a sentence each (only when the case has them)."""
    t, lines = report.tables, []
    rp = t.get("repairs")
    if rp is not None and len(rp):
        started = ", ".join(f"{r} ({c}, from {int(y)})" for r, c, y in zip(
            rp["repair_id"], rp["capability_id"], rp["supports_from"], strict=True))
        lines.append(f"Repair lines at home: {started} keep the fleet running when its "
                     "foreign support is cut.")
    fl = t.get("fleet")
    if fl is not None and len(fl):
        low = fl.sort_values(["availability", "year"], kind="stable").iloc[0]
        lines.append(f"Fleet availability in the worst scenario: lowest "
                     f"{float(low['availability']):.0%} ({low['capability_id']}, "
                     f"{int(low['year'])}).")
    st = t.get("stock")
    if st is not None and len(st) and float(st["planned_stock"].max()) > 0:
        top = st.sort_values("planned_stock", ascending=False, kind="stable").iloc[0]
        lines.append(f"Stock: up to {float(top['planned_stock']):,.0f} units of "
                     f"{top['capability_id']} ({float(top['years_of_cover']):.1f} years of "
                     f"demand) at the end of {int(top['year'])}.")
    lev = t.get("leverage")
    if lev is not None and len(lev) and float(lev["leverage_over"].sum()) > 0:
        ratio = leverage_ratio(lev)
        ratio = ratio[ratio["leverage_over"] > 0].sort_values("leverage_over",
                                                              ascending=False)
        parts = []
        for c, dep, over, r in ratio[["country_id", "dependence_on", "leverage_over",
                                      "ratio"]].itertuples(index=False):
            against = (f"against {dep:,.1f} {currency} we depend on it for, ratio {r:.2f}"
                       if dep > 0 else "while we depend on it for nothing")
            parts.append(f"{c} takes {over:,.1f} {currency} of home-made value ({against})")
        lines.append("Leverage: " + "; ".join(parts) + ".")
    return lines


def _dependence_sentences(report: Report) -> list[str]:
    dep = report.tables["dependence"]
    if dep.empty:
        return []
    top = dep.sort_values("hhi", ascending=False, kind="stable").iloc[0]
    n_conc = int(dep["concentrated"].astype(bool).sum())
    n_single = int(dep["single_source"].astype(bool).sum())
    names = report.run.get("names")
    lines = [f"Import concentration: {n_conc} of {len(dep)} capability-years above HHI 0.4"
             + (f"; the highest is {shown_name(names, 'capability', top['capability_id'])} "
                f"in {int(top['year'])} (HHI {float(top['hhi']):.2f}, "
                f"{float(top['top_foreign_share']):.0%} from "
                f"{shown_name(names, 'country', top['top_foreign_country'])})."
                if float(top["hhi"]) > 0 else ".")]
    lines.append(f"Single source: {n_single} capability-years rely on one supplier.")
    return lines


# --- Portfolio --------------------------------------------------------------------------


def portfolio_sheet_frame(report: Report) -> pd.DataFrame:
    """The Portfolio sheet as a table: ids, start year, units per year, totals.

    When the case keeps a fleet (the sustainment families) the table gains a
    ``repair_id`` column and one row per repair line started (mode ``repair``,
    its start year and fixed cost), which ``sovopt stress`` reads back.
    """
    pf, dl = report.tables["portfolio"], report.tables["deliveries"]
    years = _years(report)
    units = _pivot(dl, "option_id", "year", "units", list(pf["option_id"]), order=years)
    head = pf[["option_id", "capability_id", "supplier_id", "country_id", "mode",
               "start_year"]].reset_index(drop=True)
    per_year = pd.DataFrame({y: units[y].to_numpy() if y in units else 0.0 for y in years})
    per_year = per_year.where(per_year != 0, None) if len(per_year) else per_year
    tail = pf[["total_units", "total_cost"]].reset_index(drop=True)
    frame = pd.concat([head, per_year, tail], axis=1)
    if not _keeps_fleet(report):
        return frame
    frame["repair_id"] = None
    rp = report.tables["repairs"]
    home = (report.run.get("settings") or {}).get("home_country")
    lines = pd.DataFrame({"option_id": None, "capability_id": rp["capability_id"].to_numpy(),
                          "supplier_id": None, "country_id": home, "mode": "repair",
                          "start_year": rp["start_year"].to_numpy(), "total_units": None,
                          "total_cost": rp["fixed_cost"].to_numpy(float),
                          "repair_id": rp["repair_id"].to_numpy()})
    if lines.empty:
        return frame
    return pd.concat([frame, lines.reindex(columns=frame.columns)], ignore_index=True)


def _keeps_fleet(report: Report) -> bool:
    """Whether the run's case has a fleet (its results then show repair lines)."""
    fleet, rp = report.tables.get("fleet"), report.tables.get("repairs")
    return (fleet is not None and len(fleet) > 0) or (rp is not None and len(rp) > 0)


def _stock_plan_block(ws: Worksheet, report: Report, row: int, years: list[int]) -> None:
    """The planned stock per capability and year under the portfolio (information only)."""
    st = report.tables.get("stock")
    if st is None or st.empty:
        return
    # column A (option_id) stays blank: sovopt stress skips these rows
    title = style.write_cell(ws, row, 2, "Stock plan: units in stock at the end of each "
                             "year (follows from the deliveries; not read back)")
    title.font = style.LABEL_FONT
    caps = list(dict.fromkeys(st["capability_id"]))
    piv = _pivot(st, "capability_id", "year", "planned_stock", caps, order=years)
    frame = pd.DataFrame({"capability_id": caps, "supplier_id": None, "country_id": None,
                          "mode": "stock", "start_year": None})
    for y in years:
        frame[y] = piv[y].to_numpy() if y in piv else 0.0
    heads = ["capability_id", "", "", "mode", "", *years]
    write_table(ws, frame, row=row + 1, col=2, headers=heads,
                formats={str(y): FMT_UNITS_FRACTION for y in years}, widths=False)


def _portfolio_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    frame = portfolio_sheet_frame(report)
    years = _years(report)
    unit_fmt = _units_format(report.tables["deliveries"]["units"])
    formats = {str(y): unit_fmt for y in years}
    formats.update(start_year=style.FMT_YEAR, total_units=unit_fmt,
                   total_cost=money_format(currency))
    first, last = write_table(ws, frame, formats=formats)
    start_col = list(frame.columns).index("start_year") + 1
    for row in range(first, max(last, first) + 1):
        for col in range(start_col, start_col + len(years) + 1):
            style.style_input(ws.cell(row=row, column=col))
    for j in range(start_col + 1, start_col + len(years) + 1):
        style.set_width(ws, j, max(7.0, ws.column_dimensions[get_column_letter(j)].width))
    style.add_note(ws.cell(row=1, column=start_col),
                   "Year the option is started (contract, licence or line). You may edit the "
                   "start years and the units per year (pale cells), delete rows or add a row "
                   "for another option of the case, then check the plan with: sovopt stress "
                   "CASE.xlsx --portfolio THIS.xlsx")
    if years:
        style.add_note(ws.cell(row=1, column=start_col + 1),
                       "Units delivered in each year (one column per year). Blank = 0. "
                       "total_units and total_cost are not recomputed when you edit; "
                       "sovopt stress recomputes everything.")
    ws.freeze_panes = "B2"
    if last >= first:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{last}"
    if "repair_id" in frame.columns:
        style.add_note(ws.cell(row=1, column=len(frame.columns)),
                       "A row with a repair_id starts that repair line (sheet Repair of the "
                       "case) in its start_year; blank start_year = not started. Add a row "
                       "with a repair_id and a start year to try a line.")
    _stock_plan_block(ws, report, max(last, first) + 2, years)


# --- Spend ------------------------------------------------------------------------------


def _spend_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    money = money_format(currency)
    years = _years(report)
    spend = report.tables["spend"]
    budget = report.tables["constraints"]
    budget = budget[budget["constraint"] == "budget"].set_index("year")["limit"]

    by_country = top_columns(_pivot(spend, "year", "country_id", "amount", years),
                             "other countries")
    block = by_country.copy()
    block.insert(0, "year", years)
    block["total"] = by_country.sum(axis=1).to_numpy()
    block["budget"] = [budget.get(y) for y in years]
    block["budget left"] = block["budget"].astype(float) - block["total"]
    formats = {str(c): money for c in block.columns if c != "year"}
    formats["year"] = style.FMT_YEAR
    first, last = write_table(ws, block.reset_index(drop=True), formats=formats)
    ws.freeze_panes = "B2"
    n_countries = by_country.shape[1]
    if years and n_countries:
        _spend_chart(ws, first, last, n_countries, len(block.columns), currency)

    row = last + 3
    _title(ws, row, 1, "Spend by value origin: where the value is made (unit and fixed costs "
                       "split by each option's value origin)")
    origin = report.tables.get("spend_origin")
    if origin is not None:
        piv = top_columns(_pivot(origin, "year", "country_id", "amount", years),
                          "other countries")
        piv.insert(0, "year", years)
        piv["total"] = piv.drop(columns="year").sum(axis=1)
        _, last = write_table(ws, piv.reset_index(drop=True), row=row + 1,
                              formats={**{str(c): money for c in piv.columns},
                                       "year": style.FMT_YEAR})
        row = last + 3
    _title(ws, row, 1, "Spend by capability (activation: the suppliers' activation costs, "
                       "paid in the first year)")
    piv = top_columns(_pivot(spend, "year", "capability_id", "amount", years,
                             blank="activation"), "other capabilities")
    piv.insert(0, "year", years)
    piv["total"] = piv.drop(columns="year").sum(axis=1)
    write_table(ws, piv.reset_index(drop=True), row=row + 1,
                formats={**{str(c): money for c in piv.columns}, "year": style.FMT_YEAR})


def _spend_chart(ws: Worksheet, first: int, last: int, n_countries: int, n_cols: int,
                 currency: str) -> None:
    """Stacked columns of spend by supplier country per year, the budget as a line."""
    bar = BarChart()
    bar.type, bar.grouping, bar.overlap = "col", "stacked", 100
    bar.title = f"Spend by supplier country and year ({currency})"
    bar.y_axis.title = currency
    bar.y_axis.majorGridlines = None
    bar.add_data(Reference(ws, min_col=2, max_col=1 + n_countries, min_row=first - 1,
                           max_row=last), titles_from_data=True)
    cats = Reference(ws, min_col=1, min_row=first, max_row=last)
    bar.set_categories(cats)
    line = LineChart()
    budget_col = n_cols - 1  # year, countries..., total, budget, budget left
    line.add_data(Reference(ws, min_col=budget_col, min_row=first - 1, max_row=last),
                  titles_from_data=True)
    line.set_categories(cats)
    line.series[0].graphicalProperties.line.solidFill = "C00000"
    line.series[0].graphicalProperties.line.width = 28575
    line.series[0].smooth = False
    bar += line
    bar.y_axis.number_format = "#,##0"
    bar.x_axis.delete = bar.y_axis.delete = False  # openpyxl 3.1 hides axes otherwise
    bar.height, bar.width = 11, 22
    bar.legend.position = "b"
    ws.add_chart(bar, f"{get_column_letter(n_cols + 2)}2")


# --- Dependence -------------------------------------------------------------------------


def _dependence_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    dep = with_names(report, "dependence")
    first, last = write_table(ws, dep, formats=table_formats("dependence", currency))
    cols = {name: get_column_letter(j) for j, name in enumerate(dep.columns, start=1)}
    if last >= first:
        _color_scale(ws, f"{cols['hhi']}{first}:{cols['hhi']}{last}", SCALE_RED, 0.0, 1.0)
        _color_scale(ws, f"{cols['worst_scenario_loss']}{first}:"
                         f"{cols['worst_scenario_loss']}{last}", SCALE_RED, 0.0, 1.0)
        for flag in ("concentrated", "single_source"):
            _flag_yes(ws, f"{cols[flag]}{first}:{cols[flag]}{last}")
    columns = list(dep.columns)
    style.add_note(ws.cell(row=1, column=columns.index("hhi") + 1),
                   "HHI of foreign origin: sum over foreign countries of the squared share "
                   "of the capability's demand that year whose value comes from there. 0 = "
                   "all home-made, 1 = one foreign country. Above 0.4 is concentrated (the "
                   "EU strategic-dependency threshold).")
    if "import_risk" in columns:
        style.add_note(ws.cell(row=1, column=columns.index("import_risk") + 1),
                       "GeoPolRisk import risk: the delivered units by value origin, each "
                       "foreign country's weighted by its Countries risk_score, over all "
                       "delivered units (home origin counts as risk-free supply).")
    style.add_note(ws.cell(row=1, column=columns.index("worst_scenario_loss") + 1),
                   "Share of that year's demand lost in the scenario that hurts this "
                   "capability most (unmet demand counts as lost).")
    ws.freeze_panes = "A2"
    _share_matrix(ws, report, len(dep.columns) + 2)
    sm = report.tables["share_matrix"]
    _leverage_table(ws, report, len(dep.columns) + 2,
                    sm["capability_id"].nunique() + 4 if len(sm) else 1, currency)


def _leverage_table(ws: Worksheet, report: Report, col: int, row: int,
                    currency: str) -> None:
    """Per foreign country: what the portfolio depends on it for, and what it depends on
    the home country for (home value of the licence and co-production lines it takes)."""
    lev = report.tables.get("leverage")
    if lev is None or lev.empty:
        return
    table = leverage_ratio(lev).rename(columns={"country_id": "country",
                                                "dependence_on": "dependence on",
                                                "leverage_over": "leverage over",
                                                "ratio": "leverage / dependence"})
    table = table.sort_values(["dependence on", "country"], ascending=[False, True],
                              kind="stable")
    names = report.run.get("names")
    table.insert(1, "country name", [outputs.name_of(names, "country", c)
                                     for c in table["country"]])
    money = money_format(currency)
    _title(ws, row, col, "Dependence on and leverage over each foreign country "
                         "(whole horizon)")
    write_table(ws, table.reset_index(drop=True), row=row + 1, col=col,
                formats={"dependence on": money, "leverage over": money,
                         "leverage / dependence": "0.00"}, widths=False)
    heads = list(table.columns)
    style.add_note(ws.cell(row=row + 1, column=col + heads.index("dependence on")),
                   "Spending whose value originates in the country (unit, fixed, support "
                   "costs by value origin).")
    style.add_note(ws.cell(row=row + 1, column=col + heads.index("leverage over")),
                   "Home-made value the country takes from licence and co-production lines "
                   "with it: home share of value × unit cost × partner_offtake_per_year, "
                   "each year the line delivers.")


def _share_matrix(ws: Worksheet, report: Report, col: int) -> None:
    """Capability × country matrix of value-origin shares, home first, with a colour scale."""
    sm = report.tables["share_matrix"]
    if sm.empty:
        return
    home = (report.run.get("settings") or {}).get("home_country")
    caps = list(dict.fromkeys(sm["capability_id"]))
    piv = _pivot(sm, "capability_id", "country_id", "share", caps)
    order = sorted(piv.columns, key=lambda c: (c != home, -float(piv[c].sum()), str(c)))
    piv = piv[order]
    piv.insert(0, "capability \\ origin", caps)
    frame = piv.reset_index(drop=True)
    names = report.run.get("names")
    first, last = write_table(ws, frame, row=1, col=col,
                              formats={str(c): FMT_PERCENT for c in order},
                              headers=[frame.columns[0],
                                       *(shown_name(names, "country", c) for c in order)])
    ref = (f"{get_column_letter(col + 1)}{first}:"
           f"{get_column_letter(col + len(order))}{last}")
    _color_scale(ws, ref, SCALE_BLUE, 0.0, 1.0)
    style.add_note(ws.cell(row=1, column=col),
                   "Share of each capability's delivered units (over the whole horizon) "
                   "whose value originates in each country, the home country included; "
                   "each row sums to 100 %.")


# --- Fleet and Stock (the sustainment families) -----------------------------------------------


def _fleet_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    fl = report.tables["fleet"]
    unit = _units_format(pd.concat([fl[c] for c in ("required", "in_service",
                                                     "home_supported", "worst_available")]))
    formats = {"year": style.FMT_YEAR, "required": unit, "in_service": unit,
               "home_supported": unit, "worst_available": unit,
               "availability": FMT_PERCENT}
    first, last = write_table(ws, fl, formats=formats)
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


def _stock_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    st = report.tables["stock"]
    unit = _units_format(pd.concat([st[c] for c in ("demand", "delivered", "planned_stock",
                                                     "worst_draw")]))
    formats = {"year": style.FMT_YEAR, "demand": unit, "delivered": unit,
               "planned_stock": unit, "worst_draw": unit, "years_of_cover": "0.00"}
    first, last = write_table(ws, st, formats=formats)
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
            bar.series[-1].tx = _series_title(label)
        chart = LineChart()
        chart.add_data(Reference(ws, min_col=cols[line[0]], min_row=lo, max_row=hi),
                       titles_from_data=False)
        chart.series[0].tx = _series_title(line[1])
        bar.set_categories(Reference(ws, min_col=cols["year"], min_row=lo, max_row=hi))
        bar += chart
        bar.x_axis.delete = bar.y_axis.delete = False
        bar.legend.position = "b"
        bar.height, bar.width = 8, 18
        ws.add_chart(bar, f"{anchor_col}{at}")
        at += 17


def _series_title(text: str) -> SeriesLabel:
    """A chart series title given as text (not a cell reference)."""
    return SeriesLabel(v=text)


# --- Scenarios --------------------------------------------------------------------------


def _scenarios_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    sc = with_names(report, "scenarios")
    formats = table_formats("scenarios", currency)
    formats["units_lost"] = _units_format(sc["units_lost"]) if len(sc) else FMT_UNITS
    first, last = write_table(ws, sc, formats=formats)
    ws.freeze_panes = "A2"
    if sc.empty:
        style.write_cell(ws, 2, 1, "The case has no disruption scenarios.")
        return
    for name in ("share_lost", "weighted_loss"):
        c = get_column_letter(sc.columns.get_loc(name) + 1)
        _color_scale(ws, f"{c}{first}:{c}{last}", SCALE_RED, 0.0, None)
    style.add_note(ws.cell(row=1, column=sc.columns.get_loc("weighted_loss") + 1),
                   "This capability's part of the scenario's loss: its lost share of "
                   "demand weighted by criticality, over the total weight of all "
                   "capabilities and years. A scenario's rows add up to its loss.")
    col = len(sc.columns) + 2
    scenarios = list(dict.fromkeys(sc["scenario_id"]))
    caps = list(dict.fromkeys(sc["capability_id"]))
    piv = _pivot(sc, "scenario_id", "capability_id", "weighted_loss", scenarios, order=caps)
    piv = piv.loc[:, (piv != 0).any(axis=0)] if (piv != 0).any().any() else piv
    piv = top_columns(piv, "other capabilities")
    piv["total loss"] = piv.sum(axis=1)
    names = report.run.get("names")
    piv.insert(0, "scenario", [shown_name(names, "scenario", k) for k in scenarios])
    frame = piv.reset_index(drop=True)
    top, bottom = write_table(ws, frame, row=1, col=col,
                              formats={str(c): FMT_PERCENT_FINE for c in frame.columns})
    total_col = col + len(frame.columns) - 1
    _color_scale(ws, f"{get_column_letter(total_col)}{top}:{get_column_letter(total_col)}"
                     f"{bottom}", SCALE_RED, 0.0, None)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
    chart.title = "Weighted share of demand lost, by scenario and capability"
    chart.add_data(Reference(ws, min_col=col + 1, max_col=total_col - 1, min_row=top - 1,
                             max_row=bottom), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=col, min_row=top, max_row=bottom))
    chart.y_axis.number_format = "0%"
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides axes otherwise
    chart.y_axis.majorGridlines = None
    chart.legend.position = "b"
    chart.height, chart.width = min(30, max(7, 0.8 * len(scenarios) + 4)), 18
    ws.add_chart(chart, f"{get_column_letter(col)}{bottom + 3}")


# --- Constraints, Diagnostics, Run ------------------------------------------------------


def _constraints_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    con = report.tables["constraints"]
    first, last = write_table(ws, con, formats={"year": style.FMT_YEAR})
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
        style.set_width(ws, j, max(16.0, ws.column_dimensions[get_column_letter(j)].width))
    style.set_width(ws, 7, 90.0)
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


def _diagnostics_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    diag = report.tables["diagnostics"]
    first, _ = write_table(ws, diag, widths=False)
    for i, severity in enumerate(diag["severity"], start=first):
        fill = SEVERITY_FILLS.get(str(severity))
        if fill is not None:
            ws.cell(row=i, column=1).fill = fill
        ws.cell(row=i, column=3).alignment = style.WRAP
    style.set_width(ws, 1, 12)
    style.set_width(ws, 2, max(18.0, style.fit_width(["where", *diag["where"]], maximum=36)))
    style.set_width(ws, 3, 110)
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
    run.pop("names", None)  # the case's own names: shown beside ids, not listed here
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
    for i, (key, _) in enumerate(rows, start=2):
        if key.startswith("timings."):
            ws.cell(row=i, column=2).number_format = "0.000"
    for i in range(2, last + 1):
        ws.cell(row=i, column=2).alignment = Alignment(horizontal="left")
    style.set_width(ws, 1, max(16.0, style.fit_width(frame["key"])))
    style.set_width(ws, 2, 80)
    ws.freeze_panes = "A2"
    levels = report.tables.get("levels")
    if levels is not None and len(levels):
        _title(ws, last + 2, 1, "Levels optimised, in order")
        write_table(ws, levels, row=last + 3, widths=False,
                    formats=table_formats("levels", currency))
