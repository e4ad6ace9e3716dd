"""The last sections of a brief: money, how sure the numbers are, and provenance.

Spending per year against the budget comes from the constraints table (used,
limit, room) and the value-origin spend table; what one more unit of a limit
is worth is said by :func:`sovopt.studies.sweep.duals_in_words`, the words the
Sweep sheet uses.
"""

from __future__ import annotations

import datetime as dt

from sovopt.brief.case_notes import CaseNotes
from sovopt.brief.parts import Section, Table, listing, named, num, text
from sovopt.brief.plan import TOP_ROWS, currency_of, home_of, status_sentence
from sovopt.outputs import column, summary_quantity
from sovopt.report import Report

#: The About sheet's data notes shown, at most (each cut at a word near DATA_CHARS).
DATA_LINES, DATA_CHARS = 8, 260
#: Sentences on what one more unit of a limit is worth, at most (a page holds them).
DUAL_LINES = 4
#: Room left under which a limit counts as binding (relative to the limit).
BINDING = 1e-6


def money(report: Report) -> Section:
    """Section 4: spend by year against the budget and by origin; binding limits and
    what one more unit of each is worth."""
    cur = currency_of(report)
    sec = Section("money", "Money", new_page=True)
    con = report.tables.get("constraints")
    budget = con[con["constraint"] == "budget"] if con is not None else None
    so = report.tables.get("spend_origin")
    home = home_of(report)
    abroad = (so[so["country_id"] != home].groupby("year")["amount"].sum()
              if so is not None and len(so) else {})
    q = column("spend", "amount")
    rows, binding = [], []
    for r in (budget.itertuples(index=False) if budget is not None else []):
        spent, limit, slack = num(r.used) or 0.0, num(r.limit) or 0.0, num(r.slack) or 0.0
        if slack <= BINDING * max(1.0, abs(limit)):
            binding.append(int(r.year))
            slack = max(slack, 0.0)  # a rounding residue is no room, not a breach
        out = float(abroad.get(r.year, 0.0)) if len(abroad) else 0.0
        rows.append([str(int(r.year)), text(q, limit, cur), text(q, spent, cur),
                     text(q, out, cur), f"{out / spent:.0%}" if spent else "-",
                     text(q, slack, cur)])
    if rows:
        sec.blocks.append(Table(
            "Spending by year against the budget", ["Year", f"Budget ({cur})",
                                                    f"Spent ({cur})",
                                                    f"Value from abroad ({cur})",
                                                    "Share from abroad", f"Room left ({cur})"],
            rows, [False, True, True, True, True, True]))
    s = report.summary
    sec.paragraphs.append(
        f"In all, {text(summary_quantity('total_cost'), s.get('total_cost'), cur)} of "
        f"{text(summary_quantity('budget_total'), s.get('budget_total'), cur)}; "
        f"{text(summary_quantity('local_share'), s.get('local_share'))} of unit spending is "
        "local content."
        + (f" The budget binds in {_years(binding)}." if binding
           else " The budget binds in no year."))
    loc = con[con["constraint"] == "localization"] if con is not None else None
    if loc is not None and len(loc):
        tight = [int(r.year) for r in loc.itertuples(index=False)
                 if (num(r.slack) or 0.0) <= BINDING]
        if tight:
            sec.paragraphs.append(f"The local-content target binds in {_years(tight)}.")
    if s.get("objective") != "stress" and con is not None and "marginal_value" in con:
        from sovopt.studies.sweep import duals_in_words

        words = [w[:1].upper() + w[1:] + ("" if w.endswith(".") else ".")
                 for w in duals_in_words(report, cur)]
        sec.bullets = words[:DUAL_LINES]
        if len(words) > DUAL_LINES:
            sec.bullets.append(f"{len(words) - DUAL_LINES} more such sentences are on the "
                               "results workbook's Constraints sheet (column Meaning).")
    return sec


def _years(years: list[int]) -> str:
    """2027, 2028, 2029, 2031 -> '2027–2029 and 2031'."""
    spans: list[list[int]] = []
    for t in sorted(years):
        if spans and t == spans[-1][1] + 1:
            spans[-1][1] = t
        else:
            spans.append([t, t])
    return listing([str(a) if a == b else f"{a}–{b}" for a, b in spans])


def how_sure(report: Report, notes: CaseNotes, robust: Table | None) -> Section:
    """Section 5: the gap, the robust core, the assumptions and the data sources."""
    sec = Section("sure", "How sure", new_page=True)
    sec.paragraphs.append(status_sentence(report))
    levels = report.tables.get("levels")
    if levels is not None and len(levels):
        qs = [column("levels", k) for k in ("level", "name", "status", "gap", "seconds")]
        rows = [[text(q, getattr(r, q.key)) for q in qs]
                for r in levels.itertuples(index=False)]
        sec.blocks.append(Table("Levels optimised, in order (each holds the ones before it)",
                                [q.heading() for q in qs], rows,
                                [True, False, False, True, True]))
    if robust is not None:
        sec.blocks.append(robust)
    else:
        sec.paragraphs.append("No robust study of this case is in the run store, so how "
                              "the plan holds when costs, risks and probabilities move is "
                              "not measured (sovopt robust CASE.xlsx).")
    said = []
    if notes.assumed:
        shown = [f"{oid}" for oid, _ in notes.assumed[:TOP_ROWS]]
        said.append("Options marked ASSUMPTION in the case (placeholders): "
                    + listing(shown, max(0, len(notes.assumed) - TOP_ROWS)) + ".")
    if notes.probabilities:
        ps = sorted(notes.probabilities.values())
        said.append(f"Scenario probabilities are estimates of the case ({len(ps)} scenarios, "
                    f"{ps[0]:.1%} to {ps[-1]:.1%} each).")
    if not notes.found:
        said.append("The case workbook was not available (not in the run store, not beside "
                    "the results workbook), so its assumptions are not listed.")
    data = [d if len(d) <= DATA_CHARS else d[:DATA_CHARS].rsplit(" ", 1)[0] + " …"
            for d in notes.data[:DATA_LINES]]
    if len(notes.data) > DATA_LINES or any(len(d) > DATA_CHARS for d in notes.data):
        data.append("The case workbook's About sheet has the data notes in full.")
    sec.bullets = said + data
    diag = report.tables.get("diagnostics")
    if diag is not None and len(diag):
        counts = diag["severity"].value_counts()
        sec.paragraphs.append("The run's diagnostics: " + listing(
            [f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in counts.items()])
            + " (Diagnostics sheet of the results workbook).")
    return sec


def provenance(report: Report, base: Report | None, base_name: str,
               origin: str) -> Section:
    """Section 6: run id, input file and SHA-256, versions, dates."""
    sec = Section("provenance", "Provenance")
    sec.blocks.append(provenance_table(report, origin, "The plan"))
    if base is not None:
        sec.blocks.append(provenance_table(base, base_name, "The baseline"))
    sec.paragraphs.append(f"Brief made {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by "
                          "sovopt brief from the run's stored numbers; every figure is in "
                          "the results workbook.")
    return sec


def provenance_table(report: Report, origin: str, who: str) -> Table:
    """Where a report's numbers come from, one row each."""
    run, v = report.run, report.run.get("versions") or {}
    rows = [["Run id", str(report.summary.get("run_id") or "-")],
            ["Read from", origin],
            ["Command and objective", f"{run.get('command') or '-'}, "
                                      f"{report.summary.get('objective') or '-'}"],
            ["Case", str(run.get("case_name") or "-")],
            ["Input file", str(run.get("input_file") or run.get("input_name") or "-")],
            ["Input SHA-256", str(run.get("input_sha256") or "-")],
            ["Made", str(run.get("created") or "-")],
            ["sovopt / HiGHS / Pyomo", f"{v.get('sovopt') or '-'} / {v.get('highs') or '-'}"
                                       f" / {v.get('pyomo') or '-'}"],
            ["Time limit", f"{num(run.get('time_limit_s')):g} s"
             if num(run.get("time_limit_s")) is not None else "-"]]
    if run.get("rebuilt_note"):
        rows.append(["Note", str(run["rebuilt_note"])])
    return Table(f"{who}: provenance", ["Item", "Value"], rows, [False, False])


def robust_table(core: object, names: dict | None) -> Table:
    """The robust core as a table (core index per option, most robust first)."""
    import pandas as pd

    df = pd.DataFrame(core).sort_values("core_index", ascending=False)
    keys = ("option_id", "capability_id", "supplier_id", "mode", "core_index", "class")
    from sovopt.outputs import study_column

    qs = [study_column("robust", k) for k in keys]
    ent = {"capability_id": "capability", "supplier_id": "supplier"}
    rows = [[named(names, ent[q.key], r[q.key]) if q.key in ent else text(q, r[q.key])
             for q in qs]  # records, not tuples: "class" is no attribute name
            for r in df.head(2 * TOP_ROWS).to_dict("records")]
    return Table("Robust core: share of perturbed optima that start each option",
                 [q.heading() for q in qs], rows, [False] * 4 + [True, False],
                 note="core ≥ 0.9: started whatever the uncertain numbers; exterior ≤ 0.1.")
