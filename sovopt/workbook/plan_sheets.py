"""The Portfolio and Spend sheets of the results workbook: what the plan buys and pays.

- Portfolio: one row per started option: its id (read back), the capability,
  supplier and country with their names, mode, the unit the capability is
  counted in, the start year and the units per year (one column per year,
  headed by the year), then totals. Its editable layout is what ``sovopt
  stress`` and ``sovopt solve --start`` read back
  (:mod:`sovopt.workbook.portfolio_sheet`), whether its headers are these
  labels or the keys of older workbooks: change a start year or units, delete a
  row, or add a row for another option of the case.
- Spend: spend by year and supplier country with the budget (a stacked column
  chart with the budget as a line), then by value origin and by capability
  (the tidy table is in the Report and the run store). With no plan the
  budgets of the case are still shown.
"""

from __future__ import annotations

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sovopt.outputs import shown_name
from sovopt.report import Report
from sovopt.workbook import style
from sovopt.workbook.table_writer import (
    FMT_UNITS_FRACTION,
    colour_series,
    money_format,
    pivot,
    title,
    top_columns,
    units_format,
    write_table,
)

#: Portfolio sheet columns before the years: key -> heading. The option's id column and
#: start year are read back (under either name); the rest is information only.
PORTFOLIO_HEADS = {"option_id": "Option", "capability_id": "Capability",
                   "supplier_id": "Supplier", "country_id": "Country", "mode": "Mode",
                   "unit": "Unit", "start_year": "Start year"}


def result_years(report: Report) -> list[int]:
    """The horizon of the run, from its settings."""
    settings = report.run.get("settings") or {}
    first, last = settings.get("first_year"), settings.get("last_year")
    if first is None or last is None:
        years = report.tables.get("deliveries", pd.DataFrame(columns=["year"]))["year"]
        return sorted({int(y) for y in years})
    return list(range(int(first), int(last) + 1))


def portfolio_sheet_frame(report: Report) -> pd.DataFrame:
    """The Portfolio sheet as a table: ids (with names), unit, start year, units per year,
    totals; columns keyed as in the output schema (``unit`` beside ``mode``).

    When the case keeps a fleet the table gains a ``repair_id`` column and one
    row per repair line started (mode ``repair``, its start year and fixed
    cost), which ``sovopt stress`` reads back.
    """
    pf, dl = report.tables["portfolio"], report.tables["deliveries"]
    names, units_of = report.run.get("names"), report.run.get("units") or {}
    years = result_years(report)
    units = pivot(dl, "option_id", "year", "units", list(pf["option_id"]), order=years)
    head = pf[["option_id", "capability_id", "supplier_id", "country_id", "mode",
               "start_year"]].reset_index(drop=True)
    head.insert(head.columns.get_loc("start_year"), "unit",
                [units_of.get(str(c)) for c in head["capability_id"]])
    for key, entity in (("capability_id", "capability"), ("supplier_id", "supplier"),
                        ("country_id", "country")):
        head[key] = [shown_name(names, entity, v) for v in head[key]]
    per_year = pd.DataFrame({y: units[y].to_numpy() if y in units else 0.0 for y in years})
    per_year = per_year.where(per_year != 0, None) if len(per_year) else per_year
    tail = pf[["total_units", "total_cost"]].reset_index(drop=True)
    frame = pd.concat([head, per_year, tail], axis=1)
    if not _keeps_fleet(report):
        return frame
    frame["repair_id"] = None
    rp = report.tables["repairs"]
    home = (report.run.get("settings") or {}).get("home_country")
    lines = pd.DataFrame({"option_id": None,
                          "capability_id": [shown_name(names, "capability", c)
                                            for c in rp["capability_id"]],
                          "supplier_id": None, "country_id": shown_name(names, "country", home),
                          "mode": "repair", "start_year": rp["start_year"].to_numpy(),
                          "total_units": None, "total_cost": rp["fixed_cost"].to_numpy(float),
                          "repair_id": rp["repair_id"].to_numpy()})
    if lines.empty:
        return frame
    return pd.concat([frame, lines.reindex(columns=frame.columns)], ignore_index=True)


def _keeps_fleet(report: Report) -> bool:
    """Whether the run's case has a fleet (its results then show repair lines)."""
    fleet, rp = report.tables.get("fleet"), report.tables.get("repairs")
    return (fleet is not None and len(fleet) > 0) or (rp is not None and len(rp) > 0)


def _stock_plan_block(ws: Worksheet, report: Report, row: int, years: list[int]) -> None:
    """The planned stock per capability and year under the portfolio (information only),
    its columns under the Portfolio's (Capability, Mode, Unit, the years)."""
    st = report.tables.get("stock")
    if st is None or st.empty:
        return
    # the Option column stays blank: sovopt stress skips these rows
    title(ws, row, 2, "Stock plan: units in stock at the end of each year (follows from the "
                      "deliveries; not read back)")
    caps = list(dict.fromkeys(st["capability_id"]))
    piv = pivot(st, "capability_id", "year", "planned_stock", caps, order=years)
    names, units_of = report.run.get("names"), report.run.get("units") or {}
    frame = pd.DataFrame({"capability": [shown_name(names, "capability", c) for c in caps],
                          "supplier": None, "country": None, "mode": "stock",
                          "unit": [units_of.get(str(c)) for c in caps], "start": None})
    for y in years:
        frame[y] = piv[y].to_numpy() if y in piv else 0.0
    heads = ["Capability", "", "", "Mode", "Unit", "", *years]
    write_table(ws, frame, row=row + 1, col=2, headers=heads,
                formats={str(y): FMT_UNITS_FRACTION for y in years}, widths=False,
                kinds={str(y): "units" for y in years})


def portfolio_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    """The Portfolio sheet (see the module docstring)."""
    frame = portfolio_sheet_frame(report)
    years = result_years(report)
    unit_fmt = units_format(report.tables["deliveries"]["units"])
    formats = {str(y): unit_fmt for y in years}
    formats.update(start_year=style.FMT_YEAR, total_units=unit_fmt,
                   total_cost=money_format(currency))
    kinds = {str(y): "snap" for y in years}  # read back: only the solver's noise goes
    kinds.update(start_year="year", total_units="units", total_cost="money")
    heads = [PORTFOLIO_HEADS.get(str(c), c) for c in frame.columns]
    heads[heads.index("total_units")] = "Total units"
    heads[heads.index("total_cost")] = f"Total cost ({currency})"
    if "repair_id" in frame.columns:
        heads[-1] = "Repair line"
    first, last = write_table(ws, frame, formats=formats, headers=heads, kinds=kinds)
    start_col = list(frame.columns).index("start_year") + 1
    for row in range(first, max(last, first) + 1):
        for col in range(start_col, start_col + len(years) + 1):
            style.style_input(ws.cell(row=row, column=col))
    for j in range(start_col + 1, start_col + len(years) + 1):
        style.set_width(ws, j, max(8.0, ws.column_dimensions[get_column_letter(j)].width))
    style.add_note(ws.cell(row=1, column=start_col),
                   "Year the option is started (contract, licence or line). You may edit the "
                   "start years and the units per year (pale cells), delete rows or add a row "
                   "for another option of the case, then check the plan with: sovopt stress "
                   "CASE.xlsx --portfolio THIS.xlsx")
    if years:
        style.add_note(ws.cell(row=1, column=start_col + 1),
                       "Units delivered in each year (one column per year), counted in the "
                       "row's Unit. Blank = 0. The totals are not recomputed when you edit; "
                       "sovopt stress recomputes everything.")
    ws.freeze_panes = "B2"
    if last >= first:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{last}"
    else:
        style.write_cell(ws, 2, 1, f"No plan was evaluated (status "
                                   f"{report.summary.get('status')}): no option is started.")
    if "repair_id" in frame.columns:
        style.add_note(ws.cell(row=1, column=len(frame.columns)),
                       "A row with a repair line id starts that repair line (sheet Repair of "
                       "the case) in its start year; blank start year = not started. Add a "
                       "row with a repair line id and a start year to try a line.")
    _stock_plan_block(ws, report, max(last, first) + 2, years)


def spend_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    """The Spend sheet (see the module docstring)."""
    money = money_format(currency)
    years = result_years(report)
    spend = report.tables["spend"]
    names = report.run.get("names")
    budget = _budgets(report)

    by_country = top_columns(pivot(spend, "year", "country_id", "amount", years),
                             "other countries")
    block = by_country.copy()
    block.insert(0, "year", years)
    block["total"] = by_country.sum(axis=1).to_numpy()
    block["budget"] = [budget.get(y) for y in years]
    block["budget left"] = block["budget"].astype(float) - block["total"]
    if spend.empty:
        block["total"] = None
        block["budget left"] = None
    formats = {str(c): money for c in block.columns if c != "year"}
    formats["year"] = style.FMT_YEAR
    kinds = {str(c): "money" for c in block.columns if c != "year"}
    kinds["year"] = "year"
    heads = ["Year", *(shown_name(names, "country", c) for c in by_country.columns),
             f"Total ({currency})", f"Budget ({currency})", f"Budget left ({currency})"]
    first, last = write_table(ws, block.reset_index(drop=True), formats=formats,
                              headers=heads, kinds=kinds)
    ws.freeze_panes = "B2"
    n_countries = by_country.shape[1]
    if years and n_countries:
        _spend_chart(ws, first, last, n_countries, len(block.columns), currency)
    if spend.empty:
        style.write_cell(ws, last + 2, 1, f"No plan was evaluated (status "
                                          f"{report.summary.get('status')}): the budgets "
                                          "above are the case's; nothing is spent.")
        return

    row = last + 3
    title(ws, row, 1, "Spend by value origin: where the value is made (unit and fixed costs "
                      "split by each option's value origin)")
    origin = report.tables.get("spend_origin")
    if origin is not None:
        piv = top_columns(pivot(origin, "year", "country_id", "amount", years),
                          "other countries")
        heads = ["Year", *(shown_name(names, "country", c) for c in piv.columns),
                 f"Total ({currency})"]
        piv.insert(0, "year", years)
        piv["total"] = piv.drop(columns="year").sum(axis=1)
        _, last = write_table(ws, piv.reset_index(drop=True), row=row + 1, headers=heads,
                              formats={**{str(c): money for c in piv.columns},
                                       "year": style.FMT_YEAR},
                              kinds={**{str(c): "money" for c in piv.columns},
                                     "year": "year"})
        row = last + 3
    title(ws, row, 1, "Spend by capability (activation: the suppliers' activation costs, "
                      "paid in the first year)")
    piv = top_columns(pivot(spend, "year", "capability_id", "amount", years,
                            blank="activation"), "other capabilities")
    heads = ["Year", *(shown_name(names, "capability", c) if c != "activation" else c
                       for c in piv.columns), f"Total ({currency})"]
    piv.insert(0, "year", years)
    piv["total"] = piv.drop(columns="year").sum(axis=1)
    write_table(ws, piv.reset_index(drop=True), row=row + 1, headers=heads,
                formats={**{str(c): money for c in piv.columns}, "year": style.FMT_YEAR},
                kinds={**{str(c): "money" for c in piv.columns}, "year": "year"})


def _budgets(report: Report) -> dict[int, float]:
    """year -> budget: from the run's constraints, or from the case when there is no plan."""
    con = report.tables["constraints"]
    rows = con[con["constraint"] == "budget"] if len(con) else con
    if len(rows):
        return {int(y): float(v) for y, v in zip(rows["year"], rows["limit"], strict=True)}
    return {int(y): float(v) for y, v in (report.run.get("budgets") or {}).items()}


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
    colour_series(bar)
    cats = Reference(ws, min_col=1, min_row=first, max_row=last)
    bar.set_categories(cats)
    line = LineChart()
    budget_col = n_cols - 1  # year, countries..., total, budget, budget left
    line.add_data(Reference(ws, min_col=budget_col, min_row=first - 1, max_row=last),
                  titles_from_data=True)
    line.set_categories(cats)
    line.series[0].graphicalProperties.line.solidFill = "C00000"
    line.series[0].graphicalProperties.line.width = 28575
    line.series[0].graphicalProperties.line.dashStyle = "dash"
    line.series[0].smooth = False
    bar += line
    bar.y_axis.number_format = "#,##0"
    bar.x_axis.number_format = "0"
    bar.x_axis.delete = bar.y_axis.delete = False  # openpyxl 3.1 hides axes otherwise
    bar.height, bar.width = 11, 20
    bar.legend.position = "b"
    ws.add_chart(bar, f"{get_column_letter(n_cols + 2)}2")
