"""The "In short" prose: a run's Summary in a few sentences a reader takes in at a glance.

The Summary sheet of the results workbook shows these sentences beside the
metrics (:mod:`sovopt.workbook.results`); they are made from a
:class:`sovopt.report.Report` alone, so a run read back from the store reads
the same. Each fact is said once; ids are shown with their names from the
case (:func:`sovopt.outputs.shown_name`).
"""

from __future__ import annotations

from sovopt.outputs import shown_name
from sovopt.report import STRESS_BROKEN, Report, never_met_lines
from sovopt.sustainment import leverage_ratio


def in_short(report: Report, currency: str) -> list[str]:
    """The Summary in a few sentences a reader takes in at a glance."""
    s, t = report.summary, report.tables
    status = s.get("status")
    if s.get("objective") == "stress":
        broken = int((t["diagnostics"]["severity"] == "violation").sum())
        lines = ["Stress test of a fixed portfolio (nothing optimised): "
                 + (f"it breaks {broken} limit(s) of the case (status {STRESS_BROKEN}; "
                    "each is listed on the Diagnostics sheet)." if broken
                    else "it keeps every limit of the case.")]
    elif status == "infeasible":
        n = int((t["diagnostics"]["severity"] == "infeasible").sum())
        return [f"Outcome: infeasible (objective {s.get('objective')}): no portfolio meets "
                f"every limit of the case, so no plan was evaluated. The Diagnostics sheet "
                f"lists {n} change(s) that together make it feasible."]
    else:
        lines = [f"Outcome: {status} (objective {s.get('objective')})."]
        if s.get("status_detail"):
            lines.append(str(s["status_detail"]))
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
    if s.get("objective") != "stress":
        lines.append(f"Limits broken: {broken} (listed on the Diagnostics sheet)." if broken
                     else "Limits broken: none.")
    lines += never_met_lines(report)  # a min_suppliers that no year can meet
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
    names = report.run.get("names")
    rp = t.get("repairs")
    if rp is not None and len(rp):
        started = ", ".join(
            f"{r} ({shown_name(names, 'capability', c)}, from {int(y)})" for r, c, y in zip(
                rp["repair_id"], rp["capability_id"], rp["supports_from"], strict=True))
        lines.append(f"Repair lines at home: {started} keep the fleet running when its "
                     "foreign support is cut.")
    fl = t.get("fleet")
    if fl is not None and len(fl):
        low = fl.sort_values(["availability", "year"], kind="stable").iloc[0]
        lines.append(f"Fleet availability in the worst scenario: lowest "
                     f"{float(low['availability']):.0%} "
                     f"({shown_name(names, 'capability', low['capability_id'])}, "
                     f"{int(low['year'])}).")
    st = t.get("stock")
    if st is not None and len(st) and float(st["planned_stock"].max()) > 0:
        top = st.sort_values("planned_stock", ascending=False, kind="stable").iloc[0]
        lines.append(f"Stock: up to {float(top['planned_stock']):,.0f} units of "
                     f"{shown_name(names, 'capability', top['capability_id'])} "
                     f"({float(top['years_of_cover']):.1f} years of "
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
            parts.append(f"{shown_name(names, 'country', c)} takes {over:,.1f} {currency} "
                         f"of home-made value ({against})")
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
