"""The first sections of a brief: the decision, dependence before and after, disruptions.

Every figure comes from a Report (the run store's or a results workbook's) and is
said through the output schema (:mod:`sovopt.outputs`): labels, units, number
formats, and names with their ids in brackets. The baseline, when there is one,
is compared with :func:`sovopt.comparison.compare`, the comparison ``sovopt
compare`` makes.
"""

from __future__ import annotations

import pandas as pd

from sovopt.brief.case_notes import CaseNotes
from sovopt.brief.parts import Section, Table, listing, named, num, text
from sovopt.comparison import Comparison
from sovopt.outputs import column, summary_quantity
from sovopt.report import STRESS_BROKEN, Report
from sovopt.sustainment import leverage_ratio

#: How each mode is said in the decision, in the order the decision says them.
MODE_WORDS = {"buy": "Buy", "license": "License", "licence": "License",
              "coproduce": "Co-produce", "domestic": "Make at home"}
#: Options named per mode in the decision paragraph (the plan table lists more).
NAMED_PER_MODE = 3
#: KPIs of the headline, in order.
HEADLINE_KEYS = ("total_cost", "local_share", "import_risk", "exposure",
                 "worst_case_shortfall", "expected_shortfall", "hhi_max")
#: KPIs compared before and after, in Summary order.
COMPARED_KEYS = ("total_cost", "local_share", "exposure", "hhi_mean", "hhi_max",
                 "max_country_share", "import_risk", "expected_shortfall",
                 "worst_case_shortfall", "cvar", "unmet_units")
#: KPIs where more is better (the others: less is better).
MORE_IS_BETTER = ("local_share",)
#: Rows of the long tables (the results workbook has every row).
TOP_ROWS = 8
#: Options in the plan table of the first page.
PLAN_ROWS = 6
TINY = 1e-9


def currency_of(report: Report) -> str:
    """The case's currency (Settings currency), or empty text."""
    return str((report.run.get("settings") or {}).get("currency") or "")


def home_of(report: Report) -> str | None:
    """The case's home country id."""
    return (report.run.get("settings") or {}).get("home_country")


def started(report: Report) -> pd.DataFrame:
    """The plan's started options, dearest first."""
    pf = report.tables["portfolio"]
    pf = pf[pf["start_year"].notna()].copy()
    return pf.sort_values("total_cost", ascending=False, kind="stable")


# --- 1. the decision --------------------------------------------------------------------


def status_sentence(report: Report) -> str:
    """The status in words: proven best within the gap, or how much better it could be."""
    s = report.summary
    if s.get("objective") == "stress":
        broken = _count(report, "violation")
        return ("A fixed plan evaluated without optimising (a stress test): "
                + (f"it breaks {broken} limit{'s' if broken != 1 else ''} of the case."
                   if s.get("status") == STRESS_BROKEN or broken
                   else "it keeps every limit of the case."))
    if s.get("status") == "optimal":
        gap = num(report.run.get("mip_gap_setting")) or num(s.get("mip_gap")) or 0.0
        return f"Proven best within {gap:.0%}: no plan can be better by more than that."
    detail = str(s.get("status_detail") or "")
    return detail or f"Status: {s.get('status')}."


def _count(report: Report, severity: str) -> int:
    diag = report.tables.get("diagnostics")
    return 0 if diag is None else int((diag["severity"] == severity).sum())


def decision(report: Report) -> Section:
    """Section 1: what to buy, from whom, what to license, co-produce or make at home,
    when; the cost against the budget; the status in words."""
    names, cur = report.run.get("names"), currency_of(report)
    plan = started(report)
    clauses = []
    for mode, word in MODE_WORDS.items():
        rows = plan[plan["mode"] == mode]
        if rows.empty:
            continue
        items = [_option_words(r, names, mode) for r in rows.head(NAMED_PER_MODE)
                 .itertuples(index=False)]
        clauses.append(f"{word} ({len(rows)}): "
                       f"{listing(items, max(0, len(rows) - NAMED_PER_MODE))}")
    s = report.summary
    cost, budget = num(s.get("total_cost")), num(s.get("budget_total"))
    q = summary_quantity("total_cost")
    share = f" ({cost / budget:.0%} of it)" if cost is not None and budget else ""
    money = (f"The plan costs {text(q, cost, cur)} over "
             f"{_horizon(report)} against a budget of {text(q, budget, cur)}{share}.")
    what = ("; ".join(clauses) + ".") if clauses else "The plan starts no option."
    lead = f"Start {len(plan)} option{'s' if len(plan) != 1 else ''}: "
    return Section("decision", "The decision", paragraphs=[lead + what, money,
                                                          status_sentence(report)])


def _option_words(r: object, names: dict | None, mode: str) -> str:
    """``ART-BUY-WES (Westmere (WES), 2027)``; at home the year alone (the plan table
    names the supplier)."""
    if mode == "domestic":
        return f"{r.option_id} ({int(r.start_year)})"
    return f"{r.option_id} ({named(names, 'country', r.country_id)}, {int(r.start_year)})"


def _horizon(report: Report) -> str:
    st = report.run.get("settings") or {}
    first, last = st.get("first_year"), st.get("last_year")
    return f"{first}–{last}" if first and last else "the horizon"


def plan_table(report: Report) -> Table:
    """The started options, dearest first (the Portfolio sheet has every one)."""
    names, cur = report.run.get("names"), currency_of(report)
    keys = ("option_id", "supplier_id", "mode", "start_year", "total_cost")
    qs = [column("portfolio", k) for k in keys]
    plan = started(report)
    rows = []
    for r in plan.head(PLAN_ROWS).itertuples(index=False):
        row = [named(names, q.entity, getattr(r, q.key)) if q.entity
               else text(q, getattr(r, q.key), cur) for q in qs]
        row[0] += f"\n{named(names, 'capability', r.capability_id)}"
        row[1] += f"\n{named(names, 'country', r.country_id)}"
        rows.append(row)
    heads = [q.heading(cur) for q in qs]
    heads[:2] = ["Option, capability", "Supplier, country"]
    more = len(plan) - len(rows)
    return Table("The plan's largest options, dearest first", heads, rows,
                 [q.kind in ("units", "money", "year") for q in qs],
                 note=f"{more} more options, "
                      f"{text(qs[-1], plan['total_cost'].iloc[PLAN_ROWS:].sum(), cur)} in all, "
                      "are on the results workbook's Portfolio sheet."
                 if more > 0 else "")


def headline(report: Report, base: Report | None) -> list[tuple[str, str]]:
    """(label, value) of the headline KPIs; ``before → after`` with a baseline."""
    cur = currency_of(report)
    out = []
    for key in HEADLINE_KEYS:
        q = summary_quantity(key)
        now = text(q, report.summary.get(key), cur)
        if base is not None:
            now = f"{text(q, base.summary.get(key), cur)} → {now}"
        out.append((q.label, now))
    return out


# --- 2. dependence before and after -----------------------------------------------------


def change_words(key: str, before: object, after: object, currency: str) -> str:
    """The change of a KPI in words: ``down 0.134 (−33%), better``."""
    b, a = num(before), num(after)
    if b is None or a is None:
        return "-"
    delta = a - b
    if abs(delta) <= TINY * max(1.0, abs(b)):
        return "no change"
    q = summary_quantity(key)
    rel = f" ({delta / b:+.0%})" if abs(b) > TINY else ""
    better = (delta > 0) == (key in MORE_IS_BETTER)
    verdict = ("dearer" if delta > 0 else "cheaper") if key == "total_cost" else \
        ("better" if better else "worse")
    return f"{'up' if delta > 0 else 'down'} {q.delta_text(abs(delta), currency).lstrip('+')}" \
           f"{rel}, {verdict}"


def dependence(report: Report, base: Report | None, comparison: Comparison | None,
               base_name: str) -> Section:
    """Section 2: the KPIs side by side, the capabilities that moved most, the countries
    the plan depends on most and the leverage it gains."""
    cur, names = currency_of(report), report.run.get("names")
    sec = Section("dependence", "Dependence before and after" if base is not None
                  else "Dependence", new_page=True)
    if base is None:
        sec.paragraphs.append("No baseline was given and the case has no status quo, so "
                              "the plan's dependence stands alone.")
        heads = ["Measure (unit)", "The plan"]
        rows = [[summary_quantity(k).heading(cur),
                 text(summary_quantity(k), report.summary.get(k), cur)]
                for k in COMPARED_KEYS]
        sec.blocks.append(Table("Headline measures", heads, rows, [False, True]))
        sec.blocks.append(_concentrated_table(report, names))
    else:
        heads = ["Measure (unit)", base_name, "The plan", "Change"]
        rows = [[summary_quantity(k).heading(cur),
                 text(summary_quantity(k), base.summary.get(k), cur),
                 text(summary_quantity(k), report.summary.get(k), cur),
                 change_words(k, base.summary.get(k), report.summary.get(k), cur)]
                for k in COMPARED_KEYS]
        sec.blocks.append(Table(f"Headline measures: {base_name} and the plan", heads, rows,
                                [False, True, True, False]))
        sec.paragraphs += _moved_sentences(comparison, names)
    return sec


def origin_tables(report: Report, base: Report | None) -> list[Table]:
    """The countries the plan depends on most, and the leverage it gains over partners."""
    cur, names = currency_of(report), report.run.get("names")
    out = [_countries_table(report, base, names, cur)]
    lev = _leverage_table(report, names, cur)
    if lev is not None:
        out.append(lev)
    return out


def _moved_sentences(c: Comparison | None, names: dict | None) -> list[str]:
    if c is None or c.dependence.empty:
        return []
    dep = c.dependence
    base, plan = dep[dep["run_id"] == c.base], dep[dep["run_id"] != c.base]
    plan = plan[plan["run_id"] == plan["run_id"].iloc[0]] if len(plan) else plan
    before = base.set_index("capability_id")
    out = []
    for label, rising in (("fell", False), ("rose", True)):
        moved = plan.sort_values("top_foreign_share_delta", ascending=not rising)
        moved = moved[(moved["top_foreign_share_delta"] > 0.005) if rising
                      else (moved["top_foreign_share_delta"] < -0.005)].head(3)
        items = []
        for r in moved.itertuples(index=False):
            b = before.loc[r.capability_id] if r.capability_id in before.index else None
            was = (f"{b['top_foreign_share']:.0%} from "
                   f"{named(names, 'country', b['top_foreign_country'])}"
                   if b is not None and num(b["top_foreign_share"]) is not None else "none")
            items.append(f"{named(names, 'capability', r.capability_id)}: {was} → "
                         f"{r.top_foreign_share:.0%} from "
                         f"{named(names, 'country', r.top_foreign_country)} (worst HHI "
                         f"{num(b['hhi_max']) if b is not None else 0:.2f} → {r.hhi_max:.2f})")
        if items:
            out.append(f"The largest foreign share {label} most for " + "; ".join(items) + ".")
    if not out:
        out.append("No capability's largest foreign share moved by more than half a point.")
    return out


def _concentrated_table(report: Report, names: dict | None) -> Table:
    """The capabilities most dependent on one foreign country (largest share first)."""
    dep = report.tables["dependence"]
    rows = []
    if len(dep):
        worst = dep.sort_values("top_foreign_share", ascending=False, kind="stable")
        worst = worst.drop_duplicates("capability_id").head(TOP_ROWS - 2)
        hhi = dep.groupby("capability_id")["hhi"].max()
        for r in worst.itertuples(index=False):
            rows.append([named(names, "capability", r.capability_id),
                         named(names, "country", r.top_foreign_country),
                         text(column("dependence", "top_foreign_share"), r.top_foreign_share),
                         str(int(r.year)),
                         text(column("dependence", "hhi"), hhi.get(r.capability_id))])
    return Table("The capabilities most dependent on one foreign country",
                 ["Capability", "Top foreign country",
                  column("dependence", "top_foreign_share").heading(), "In",
                  "Import concentration (HHI), worst year"], rows,
                 [False, False, True, True, True])


def foreign_origin(report: Report) -> pd.Series:
    """Money by foreign country of value origin over the horizon, largest first."""
    so = report.tables.get("spend_origin")
    if so is None or so.empty:
        return pd.Series(dtype=float)
    so = so[so["country_id"] != home_of(report)]
    return so.groupby("country_id")["amount"].sum().sort_values(ascending=False)


def _countries_table(report: Report, base: Report | None, names: dict | None,
                     cur: str) -> Table:
    q = column("spend_origin", "amount")
    now = foreign_origin(report)
    before = foreign_origin(base) if base is not None else None
    total = float(report.tables["spend_origin"]["amount"].sum()) or 1.0
    heads = ["Country of origin", f"The plan: {q.heading(cur)}", "Share of all spending"]
    if before is not None:
        heads.insert(1, f"Baseline: {q.heading(cur)}")
    rows = []
    for country, amount in now.head(TOP_ROWS).items():
        row = [named(names, "country", country), text(q, amount, cur), f"{amount / total:.1%}"]
        if before is not None:
            row.insert(1, text(q, before.get(country, 0.0), cur))
        rows.append(row)
    return Table("The countries the plan depends on most (value originating there)", heads,
                 rows, [False, *([True] * (len(heads) - 1))])


def _leverage_table(report: Report, names: dict | None, cur: str) -> Table | None:
    lev = report.tables.get("leverage")
    if lev is None or lev.empty or float(lev["leverage_over"].sum()) <= 0:
        return None
    ratio = leverage_ratio(lev)
    ratio = ratio[ratio["leverage_over"] > 0].sort_values("leverage_over", ascending=False)
    qd, ql = column("leverage", "dependence_on"), column("leverage", "leverage_over")
    rows = [[named(names, "country", r.country_id), text(qd, r.dependence_on, cur),
             text(ql, r.leverage_over, cur),
             f"{r.ratio:.2f}" if num(r.ratio) is not None else "-"]
            for r in ratio.head(TOP_ROWS).itertuples(index=False)]
    return Table("Leverage gained over partners through licence and co-production lines",
                 ["Country", qd.heading(cur), ql.heading(cur), "Leverage / dependence"],
                 rows, [False, True, True, True])


# --- 3. what a disruption does ----------------------------------------------------------


def disruption(report: Report, base: Report | None, notes: CaseNotes) -> Section:
    """Section 3: the worst scenarios in words, fleet availability and stock cover."""
    names = report.run.get("names")
    sec = Section("disruption", "What a disruption does")
    sc = report.tables.get("scenarios")
    if sc is None or sc.empty:
        sec.paragraphs.append("The case has no disruption scenario, so no loss is measured.")
        return sec
    sec.bullets = worst_scenarios(report, notes)
    if base is not None and float(sc["weighted_loss"].sum()) <= TINY:
        sec.paragraphs.append("No scenario of the case takes anything from the plan.")
        then = worst_scenarios(base, notes)
        if then:
            sec.bullets = [f"Under the baseline: {b}" for b in then]
    s, q = report.summary, summary_quantity("worst_case_shortfall")
    sentence = (f"Over all scenarios the expected loss is "
                f"{text(summary_quantity('expected_shortfall'), s.get('expected_shortfall'))}"
                f" and the worst case {text(q, s.get('worst_case_shortfall'))}")
    if base is not None:
        qe = summary_quantity("expected_shortfall")
        sentence += (f" (baseline: {text(qe, base.summary.get('expected_shortfall'))}"
                     f" and {text(q, base.summary.get('worst_case_shortfall'))})")
    sec.paragraphs.append(sentence + ".")
    sec.paragraphs += _sustainment(report, names)
    return sec


def worst_scenarios(report: Report, notes: CaseNotes, top: int = 3) -> list[str]:
    """The ``top`` worst scenarios in words: what each takes from which capability."""
    names, sc = report.run.get("names"), report.tables.get("scenarios")
    if sc is None or sc.empty:
        return []
    loss = sc.groupby("scenario_id", sort=False)["weighted_loss"].sum().sort_values(
        ascending=False)
    out = []
    for sid, weighted in loss.head(top).items():
        rows = sc[sc["scenario_id"] == sid].sort_values("share_lost", ascending=False)
        hit = rows.iloc[0]
        years = notes.scenario_years.get(str(sid))
        when = "" if not years else (f" in {years[0]}–{years[1]}" if years[0] != years[1]
                                     else f" in {years[0]}")
        if float(hit["share_lost"]) <= TINY:
            out.append(f"{named(names, 'scenario', sid)}{when} takes nothing: every "
                       "capability is still delivered.")
            continue
        out.append(f"{named(names, 'scenario', sid)}{when} takes "
                   f"{float(hit['share_lost']):.0%} of "
                   f"{named(names, 'capability', hit['capability_id'])} over the horizon "
                   f"({float(hit['units_lost']):,.0f} units); {float(weighted):.1%} of all "
                   "weighted demand.")
    return out


def _sustainment(report: Report, names: dict | None) -> list[str]:
    out = []
    fl = report.tables.get("fleet")
    if fl is not None and len(fl):
        low = fl.sort_values(["availability", "year"], kind="stable").iloc[0]
        worst = low.get("worst_scenario")
        out.append(f"Fleet: in the worst scenario at least {float(low['availability']):.0%} of "
                   f"the required {named(names, 'capability', low['capability_id'])} stay "
                   f"available (lowest in {int(low['year'])}"
                   + (f", {named(names, 'scenario', worst)}" if isinstance(worst, str) else "")
                   + ").")
    rp = report.tables.get("repairs")
    if rp is not None and len(rp):
        out.append("Repair at home: " + listing(
            [f"{r.repair_id} keeps {named(names, 'capability', r.capability_id)} running "
             f"from {int(r.supports_from)}" for r in rp.itertuples(index=False)]) + ".")
    st = report.tables.get("stock")
    if st is not None and len(st) and float(st["planned_stock"].max()) > 0:
        top = st.sort_values("planned_stock", ascending=False, kind="stable").iloc[0]
        out.append(f"Stock: up to {float(top['planned_stock']):,.0f} units of "
                   f"{named(names, 'capability', top['capability_id'])} "
                   f"({float(top['years_of_cover']):.1f} years of demand) at the end of "
                   f"{int(top['year'])}.")
    return out
