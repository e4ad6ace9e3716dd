"""The Dependence and Scenarios sheets of the results workbook: what the plan leans on.

- Dependence: per capability and year (flags highlighted), then beside it the
  heat map of value origin (capability × country shares with a colour scale)
  and the dependence on and leverage over each foreign country.
- Scenarios: per scenario and capability, with a colour scale, and the loss of
  each scenario split by capability as a stacked bar chart. With no plan the
  case's scenarios are still listed, with "no plan was evaluated".

Ids are shown as "Name (ID)" from the case (:func:`sovopt.outputs.shown_name`);
headers are the output schema's labels with their units.
"""

from __future__ import annotations

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sovopt import outputs
from sovopt.outputs import shown_name
from sovopt.report import Report
from sovopt.sustainment import leverage_ratio
from sovopt.workbook import style
from sovopt.workbook.table_writer import (
    FMT_PERCENT,
    FMT_PERCENT_FINE,
    FMT_UNITS,
    SCALE_BLUE,
    SCALE_RED,
    color_scale,
    colour_series,
    flag_yes,
    money_format,
    pivot,
    table_formats,
    table_headings,
    title,
    top_columns,
    units_format,
    write_table,
)


def shown_ids(report: Report, table: str) -> pd.DataFrame:
    """Result table ``table`` with each id column (capability, country, scenario,
    supplier) as "Name (ID)" from the case: what the sheet shows people; the table
    itself, ``--json`` and the run store keep the ids."""
    frame = report.tables[table].copy()
    names = report.run.get("names")
    for q in outputs.TABLES[table]:
        if q.entity and q.key in frame.columns:
            frame[q.key] = [None if style.is_blank(v) else shown_name(names, q.entity, v)
                            for v in frame[q.key]]
    return frame


def kinds_of(table: str) -> dict[str, str]:
    """Column -> kind in the output schema, for rounding."""
    return {q.key: q.kind for q in outputs.TABLES[table]}


def dependence_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    """The Dependence sheet (see the module docstring)."""
    dep = shown_ids(report, "dependence")
    first, last = write_table(ws, dep, formats=table_formats("dependence", currency),
                              headers=table_headings("dependence", dep.columns, currency),
                              kinds=kinds_of("dependence"))
    cols = {name: get_column_letter(j) for j, name in enumerate(dep.columns, start=1)}
    if last >= first:
        color_scale(ws, f"{cols['hhi']}{first}:{cols['hhi']}{last}", SCALE_RED, 0.0, 1.0)
        color_scale(ws, f"{cols['worst_scenario_loss']}{first}:"
                        f"{cols['worst_scenario_loss']}{last}", SCALE_RED, 0.0, 1.0)
        for flag in ("concentrated", "single_source"):
            flag_yes(ws, f"{cols[flag]}{first}:{cols[flag]}{last}")
    else:
        _no_plan(ws, report, 2)
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
    ws.freeze_panes = "B2"
    _share_matrix(ws, report, len(dep.columns) + 2)
    sm = report.tables["share_matrix"]
    _leverage_table(ws, report, len(dep.columns) + 2,
                    sm["capability_id"].nunique() + 4 if len(sm) else 1, currency)


def _no_plan(ws: Worksheet, report: Report, row: int) -> None:
    style.write_cell(ws, row, 1, f"No plan was evaluated (status "
                                 f"{report.summary.get('status')}), so no dependence is "
                                 "measured.")


def _leverage_table(ws: Worksheet, report: Report, col: int, row: int,
                    currency: str) -> None:
    """Per foreign country: what the portfolio depends on it for, and what it depends on
    the home country for (home value of the licence and co-production lines it takes)."""
    lev = report.tables.get("leverage")
    if lev is None or lev.empty:
        return
    table = leverage_ratio(lev).sort_values(["dependence_on", "country_id"],
                                            ascending=[False, True], kind="stable")
    names = report.run.get("names")
    table["country_id"] = [shown_name(names, "country", c) for c in table["country_id"]]
    money = money_format(currency)
    title(ws, row, col, "Dependence on and leverage over each foreign country "
                        "(whole horizon)")
    heads = ["Country", f"Dependence on it ({currency})", f"Leverage over it ({currency})",
             "Leverage / dependence"]
    write_table(ws, table.reset_index(drop=True), row=row + 1, col=col, headers=heads,
                formats={"dependence_on": money, "leverage_over": money, "ratio": "0.00"},
                kinds={"dependence_on": "money", "leverage_over": "money"}, widths=False)
    style.add_note(ws.cell(row=row + 1, column=col + 1),
                   "Spending whose value originates in the country (unit, fixed, support "
                   "costs by value origin).")
    style.add_note(ws.cell(row=row + 1, column=col + 2),
                   "Home-made value the country takes from licence and co-production lines "
                   "with it: home share of value × unit cost × partner_offtake_per_year, "
                   "each year the line delivers.")


def _share_matrix(ws: Worksheet, report: Report, col: int) -> None:
    """The heat map: capability × country of value-origin shares, home first, each cell
    coloured white (0 %) to blue (100 %)."""
    sm = report.tables["share_matrix"]
    if sm.empty:
        return
    home = (report.run.get("settings") or {}).get("home_country")
    caps = list(dict.fromkeys(sm["capability_id"]))
    piv = pivot(sm, "capability_id", "country_id", "share", caps)
    order = sorted(piv.columns, key=lambda c: (c != home, -float(piv[c].sum()), str(c)))
    piv = piv[order]
    names = report.run.get("names")
    piv.insert(0, "capability \\ origin", [shown_name(names, "capability", c) for c in caps])
    frame = piv.reset_index(drop=True)
    first, last = write_table(ws, frame, row=1, col=col,
                              formats={str(c): FMT_PERCENT for c in order},
                              kinds={str(c): "share" for c in order},
                              headers=["Capability \\ country of origin",
                                       *(shown_name(names, "country", c) for c in order)])
    ref = (f"{get_column_letter(col + 1)}{first}:"
           f"{get_column_letter(col + len(order))}{last}")
    color_scale(ws, ref, SCALE_BLUE, 0.0, 1.0)
    style.add_note(ws.cell(row=1, column=col),
                   "Heat map: share of each capability's delivered units (over the whole "
                   "horizon) whose value originates in each country, the home country "
                   "included; each row sums to 100 %.")


def scenarios_sheet(ws: Worksheet, report: Report, currency: str) -> None:
    """The Scenarios sheet (see the module docstring)."""
    raw = report.tables["scenarios"]
    sc = shown_ids(report, "scenarios")
    formats = table_formats("scenarios", currency)
    formats["units_lost"] = units_format(raw["units_lost"]) if len(raw) else FMT_UNITS
    first, last = write_table(ws, sc, formats=formats, kinds=kinds_of("scenarios"),
                              headers=table_headings("scenarios", sc.columns, currency))
    ws.freeze_panes = "A2"
    if sc.empty:
        _case_scenarios(ws, report)
        return
    for name in ("share_lost", "weighted_loss"):
        c = get_column_letter(sc.columns.get_loc(name) + 1)
        color_scale(ws, f"{c}{first}:{c}{last}", SCALE_RED, 0.0, None)
    style.add_note(ws.cell(row=1, column=sc.columns.get_loc("weighted_loss") + 1),
                   "This capability's part of the scenario's loss: its lost share of "
                   "demand weighted by criticality, over the total weight of all "
                   "capabilities and years. A scenario's rows add up to its loss.")
    _loss_chart(ws, report, raw, len(sc.columns) + 2)


def _case_scenarios(ws: Worksheet, report: Report) -> None:
    """With no loss table: the case's own scenarios, and why nothing is measured."""
    scenarios = (report.run.get("names") or {}).get("scenario") or {}
    if not scenarios:
        style.write_cell(ws, 2, 1, "The case has no disruption scenarios.")
        return
    style.write_cell(ws, 2, 1, f"The case has {len(scenarios)} disruption scenario(s); no "
                               f"plan was evaluated (status {report.summary.get('status')}), "
                               "so no loss is measured:")
    for i, sid in enumerate(scenarios, start=3):
        style.write_cell(ws, i, 1, shown_name({"scenario": scenarios}, "scenario", sid))


def _loss_chart(ws: Worksheet, report: Report, sc: pd.DataFrame, col: int) -> None:
    """Scenario × capability table of weighted loss, and the same as a stacked bar chart."""
    names = report.run.get("names")
    scenarios = list(dict.fromkeys(sc["scenario_id"]))
    caps = list(dict.fromkeys(sc["capability_id"]))
    piv = pivot(sc, "scenario_id", "capability_id", "weighted_loss", scenarios, order=caps)
    piv = piv.loc[:, (piv != 0).any(axis=0)] if (piv != 0).any().any() else piv
    piv = top_columns(piv, "other capabilities")
    heads = ["Scenario", *(shown_name(names, "capability", c) for c in piv.columns),
             "Total loss"]
    piv["total loss"] = piv.sum(axis=1)
    piv.insert(0, "scenario", [shown_name(names, "scenario", k) for k in scenarios])
    frame = piv.reset_index(drop=True)
    top, bottom = write_table(ws, frame, row=1, col=col, headers=heads,
                              formats={str(c): FMT_PERCENT_FINE for c in frame.columns},
                              kinds={str(c): "share" for c in frame.columns})
    total_col = col + len(frame.columns) - 1
    color_scale(ws, f"{get_column_letter(total_col)}{top}:{get_column_letter(total_col)}"
                    f"{bottom}", SCALE_RED, 0.0, None)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
    chart.title = "Weighted share of demand lost, by scenario and capability"
    chart.add_data(Reference(ws, min_col=col + 1, max_col=total_col - 1, min_row=top - 1,
                             max_row=bottom), titles_from_data=True)
    colour_series(chart)
    chart.set_categories(Reference(ws, min_col=col, min_row=top, max_row=bottom))
    chart.y_axis.number_format = "0%"
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides axes otherwise
    chart.y_axis.majorGridlines = None
    chart.legend.position = "b"
    chart.height, chart.width = min(30, max(7, 0.8 * len(scenarios) + 4)), 18
    ws.add_chart(chart, f"{get_column_letter(col)}{bottom + 3}")
