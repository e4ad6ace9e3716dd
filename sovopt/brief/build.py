"""A brief of one run, assembled: the sections in order, their pictures, the footer.

:func:`build_brief` takes the run (and a baseline, when there is one) as
:class:`sovopt.brief.source.Source` objects and returns the
:class:`sovopt.brief.parts.Brief` that :func:`sovopt.brief.page.render` lays out.
"""

from __future__ import annotations

from sovopt.brief.case_notes import CaseNotes
from sovopt.brief.figures import run_figures
from sovopt.brief.money import how_sure, money, provenance
from sovopt.brief.parts import Brief, Section, Table
from sovopt.brief.plan import (
    decision,
    dependence,
    disruption,
    headline,
    origin_tables,
    plan_table,
)
from sovopt.brief.source import Source
from sovopt.comparison import compare


def base_name(base: Source | None) -> str:
    """What the baseline is called in the brief's tables."""
    if base is None:
        return ""
    if "status-quo" in base.origin or base.report.run.get("portfolio_source") == "status quo":
        return "Status quo"
    return f"Baseline ({base.report.summary.get('run_id')})"


def build_brief(run: Source, base: Source | None, notes: CaseNotes,
                robust: Table | None = None) -> Brief:
    """The brief of ``run`` against ``base`` (None: it stands alone)."""
    report = run.report
    b = base.report if base is not None else None
    comparison = compare([b, report]) if b is not None else None
    name = base_name(base)
    pics = run_figures(report)
    first = decision(report)
    first.blocks.append(plan_table(report))
    dep = dependence(report, b, comparison, name)
    origin = Section("origin", "Where the value comes from", new_page=True)
    if "dependence" in pics:
        origin.blocks.append(pics["dependence"])
    origin.blocks += origin_tables(report, b)
    dis = disruption(report, b, notes)
    dis.blocks += [pics[k] for k in ("scenarios", "fleet") if k in pics]
    if "scenarios" not in pics and b is not None:
        then = run_figures(b, ("scenarios",), f"Under the {name.lower()}: ")
        dis.blocks[:0] = list(then.values())
    dis.new_page = True
    cash = money(report)
    if "spend" in pics:
        cash.blocks.insert(0, pics["spend"])
    sure = how_sure(report, notes, robust)
    prov = provenance(report, b, name, run.origin)
    prov.new_page = True
    sections = [first, dep, *([origin] if origin.blocks else []), dis, cash, sure, prov]
    s = report.summary
    case = report.run.get("case_name") or "case"
    against = f"; compared with {name.lower() if name == 'Status quo' else name}" if b else ""
    return Brief(
        title=f"{case}: the decision in brief",
        subtitle=f"Plan {s.get('run_id')} ({s.get('objective')}, status {s.get('status')})"
                 f"{against}. Made from {run.origin} by sovopt.",
        footer=f"{case} · run {s.get('run_id')}",
        sections=sections, headline=headline(report, b))
