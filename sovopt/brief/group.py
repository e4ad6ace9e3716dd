"""A brief of a study group (frontier, sweep, robust) from the run store.

A study's table is made again from its stored runs with the study's own code,
so it is the table of its workbook: the frontier's by
:func:`sovopt.studies.frontier.frontier_table` (each point's measure is its
run's Summary KPI, its role the run's label), the sweep's by
:func:`sovopt.studies.sweep.sweep_table` (the grid rebuilt from the varied
inputs the group records), the robust core by
:func:`sovopt.studies.robust.core_table`. The case comes from the store (the
input workbook kept with the group's first run).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sovopt.brief.figures import figure
from sovopt.brief.money import robust_table
from sovopt.brief.parts import Brief, Section, Table, listing, num, text
from sovopt.errors import EXIT_INVALID, SovoptError
from sovopt.outputs import study_column, summary_quantity
from sovopt.report import WITH_PORTFOLIO, Report
from sovopt.runs import RunStore

#: What a study of each kind is called in the brief.
KINDS = {"frontier": "Cost–dependence frontier", "sweep": "Sweep of what-ifs",
         "robust": "Robust core"}


def group_case(runs: RunStore, ids: list[str]) -> Any:
    """The case of a group's runs, read from the input workbook the store keeps."""
    from sovopt.workbook.case_reader import read_case

    for rid in ids:
        try:
            data = runs.input_bytes(rid)
        except SovoptError:
            continue
        with tempfile.TemporaryDirectory(prefix="sovopt-brief-") as folder:
            path = Path(folder) / "case.xlsx"
            path.write_bytes(data)
            case, _ = read_case(path)
        return case
    raise SovoptError("the group's runs keep no input workbook, so its case cannot be read",
                      exit_code=EXIT_INVALID)


def _points(runs: RunStore, ids: list[str]) -> list[Report]:
    return [runs.get(r) for r in ids]


def _started(report: Report) -> list[str]:
    pf = report.tables.get("portfolio")
    if pf is None or pf.empty:
        return []
    return sorted(pf.loc[pf["start_year"].notna(), "option_id"].astype(str))


def frontier_of(reports: list[Report], measure: str) -> pd.DataFrame:
    """The frontier's table from its stored points (least cost first)."""
    from sovopt.plots import FRONTIER_KPI
    from sovopt.studies.frontier import frontier_table
    from sovopt.studies.tasks import PointResult

    kpi = FRONTIER_KPI.get(measure, measure)
    points, run_ids = [], {}
    for i, rep in enumerate(r for r in reports if r.summary.get("status") in WITH_PORTFOLIO):
        value = num(rep.summary.get(kpi))
        points.append(PointResult(i, rep, 0.0, {
            "measure": np.nan if value is None else value, "level": np.nan,
            "role": rep.run.get("label") or (rep.run.get("study") or {}).get("label") or "",
            "started": _started(rep)}))
        run_ids[i] = str(rep.summary.get("run_id"))
    table = frontier_table(points, run_ids)
    table.attrs["measure"] = measure
    return table


def robust_of(case: Any, reports: list[Report]) -> pd.DataFrame:
    """The robust core from the stored samples."""
    from sovopt.studies.record import StudyOutcome
    from sovopt.studies.robust import core_table
    from sovopt.studies.tasks import PointResult

    outcome = StudyOutcome("", "complete", points={
        i: PointResult(i, r, 0.0) for i, r in enumerate(reports)})
    return core_table(case, outcome)[0]


def sweep_of(case: Any, reports: list[Report], ids: list[str], specs: list[str],
             objective: str | None) -> pd.DataFrame:
    """The sweep's table from its stored points (the grid rebuilt from its --vary)."""
    from sovopt.studies.record import StudyOutcome
    from sovopt.studies.sweep import sweep_table, sweep_tasks
    from sovopt.studies.tasks import PointResult
    from sovopt.variation import parse_vary

    varies = [parse_vary(s, case) for s in specs]
    tasks = sweep_tasks(varies, objective)
    by_point = {}
    for rid, rep in zip(ids, reports, strict=True):
        point = (rep.run.get("study") or {}).get("point", rep.run.get("point"))
        if point is not None:
            by_point[int(point)] = (rid, rep)
    outcome = StudyOutcome("", "complete",
                           points={p: PointResult(p, rep, 0.0) for p, (_, rep)
                                   in by_point.items() if rep.tables},
                           run_ids={p: rid for p, (rid, _) in by_point.items()})
    return sweep_table(varies, tasks, outcome)


def group_brief(store: str, group: str) -> tuple[Brief, dict[str, Any]]:
    """The brief of study group ``group``, and the facts ``--json`` reports."""
    with RunStore(store) as runs:
        info = runs.group_info(group)
        ids = runs.group_run_ids(info["group"])
        if not ids:
            raise SovoptError(f"group {info['group']} has no runs", exit_code=EXIT_INVALID)
        reports = _points(runs, ids)
        kind = info["kind"]
        case = group_case(runs, ids) if kind in ("sweep", "robust") else None
    solved = [r for r in reports if r.summary.get("status") in WITH_PORTFOLIO]
    if not solved:
        raise SovoptError(f"group {info['group']}: no point has a plan to brief",
                          exit_code=EXIT_INVALID)
    first = solved[0]
    cur = str((first.run.get("settings") or {}).get("currency") or "")
    names = first.run.get("names")
    details = info.get("info") or {}
    intro = Section("study", KINDS.get(kind, kind))
    intro.paragraphs.append(
        f"Group {info['group']} ({info['status']}): {len(solved)} of {info['total']} points "
        f"have a plan. Case: {info.get('case_name')}. Each point is a run of the run store.")
    facts: dict[str, Any] = {"group": info["group"], "kind": kind, "points": len(ids),
                             "solved": len(solved)}
    if kind == "frontier":
        _frontier_section(intro, frontier_of(reports, str(details.get("measure"))), cur,
                          facts)
    elif kind == "robust":
        core = robust_of(case, reports)
        intro.paragraphs.append(_robust_words(core))
        from sovopt import plots

        intro.blocks.append(figure(lambda: plots.robust(core),
                                   "robust", "Core index of each option",
                                   "Horizontal bars of the share of perturbed optima that "
                                   "start each option, coloured core, borderline or "
                                   "exterior: " + _robust_words(core)))
        intro.blocks.append(robust_table(core, names))
        facts["core"] = core[core["class"] == "core"]["option_id"].tolist()
    elif kind == "sweep":
        table = sweep_of(case, reports, ids, list(details.get("vary") or []),
                         details.get("objective"))
        _sweep_section(intro, table, cur)
        facts["varied"] = list(details.get("vary") or [])
    from sovopt.brief.money import provenance_table

    prov = Section("provenance", "Provenance", new_page=True)
    prov.blocks.append(provenance_table(first, f"group {info['group']}", "First point"))
    title = f"{info.get('case_name') or 'case'}: {KINDS.get(kind, kind).lower()} in brief"
    brief = Brief(title=title, subtitle=f"Study group {info['group']}, {kind}, "
                                        f"{len(ids)} points. Made by sovopt from the run store.",
                  footer=f"{info.get('case_name') or 'case'} · group {info['group']}",
                  sections=[intro, prov])
    return brief, facts


def _frontier_section(sec: Section, table: pd.DataFrame, cur: str,
                      facts: dict[str, Any]) -> None:
    from sovopt import plots

    measure = table.attrs.get("measure")
    kpi = plots.FRONTIER_KPI.get(str(measure), str(measure))
    qm, qc = summary_quantity(kpi), study_column("frontier", "cost")
    knee = table[table["knee"] == "knee"]
    if len(knee):
        k = knee.iloc[0]
        sec.paragraphs.append(
            f"The knee is point {int(k['point'])}: {qm.label} {text(qm, k['measure'])} for "
            f"{text(qc, k['cost'], cur)}, proven within "
            f"{text(study_column('frontier', 'gap'), k['gap'])}"
            "; past it each point of dependence bought costs the most.")
        facts["knee"] = {"point": int(k["point"]), "measure": float(k["measure"]),
                         "cost": float(k["cost"])}
    else:
        sec.paragraphs.append("No knee: fewer than three distinct points.")
    lo, hi = table.iloc[0], table.iloc[-1]
    sec.paragraphs.append(
        f"From least cost ({text(qc, lo['cost'], cur)}, {qm.label} {text(qm, lo['measure'])})"
        f" to least dependence ({text(qc, hi['cost'], cur)}, {text(qm, hi['measure'])}).")
    sec.blocks.append(figure(lambda: plots.frontier(table, str(measure), cur), "frontier",
                             "Cost against dependence, with the knee and each point's "
                             "proven band",
                             f"Line of total cost against {qm.label} for {len(table)} "
                             "points, an error bar down to the cheapest cost the solver "
                             "proved at each, the knee circled. " + sec.paragraphs[-1]))
    keys = ("point", "role", "measure", "cost", "cost_per_point", "gap", "knee", "enters",
            "leaves")
    qs = [study_column("frontier", k) for k in keys]
    heads = [q.heading(cur) if q.key != "measure" else qm.heading() for q in qs]
    rows = [[text(q, getattr(r, q.key), cur) for q in qs]
            for r in table.itertuples(index=False)]
    sec.blocks.append(Table("The frontier's points: the options that enter along it", heads,
                            rows, [q.kind not in ("text", "flag") for q in qs]))
    entered = [o for e in table["enters"] if isinstance(e, str) for o in e.split(", ") if o]
    facts["enters"] = entered


def _robust_words(core: pd.DataFrame) -> str:
    c = core[core["class"] == "core"]["option_id"].tolist()
    b = core[core["class"] == "borderline"]["option_id"].tolist()
    n = int(core["samples"].max()) if len(core) else 0
    return (f"Over {n} samples, {len(c)} options are core (started in at least 90%): "
            f"{listing(c[:8], max(0, len(c) - 8)) or 'none'}; {len(b)} are borderline.")


def _sweep_section(sec: Section, table: pd.DataFrame, cur: str) -> None:
    from sovopt import plots

    varied = plots.varied_columns(table)
    for kpi in ("total_cost", "cvar"):
        q = summary_quantity(kpi)
        vals = pd.to_numeric(table[kpi], errors="coerce")
        if vals.notna().sum() == 0:
            continue
        sec.blocks.append(figure(lambda k=kpi: plots.sweep(table, k, cur), f"sweep-{kpi}",
                                 f"{q.label} against {listing(varied)}",
                                 f"Line of {q.label} at each point of the sweep, from "
                                 f"{text(q, vals.min(), cur)} to {text(q, vals.max(), cur)}."))
    keys = ("point", *varied, "status", "total_cost", "cvar", "worst_case_shortfall",
            "mip_gap")
    rows = []
    frame = table[list(keys)]
    for rec in frame.to_dict("records"):
        rows.append([f"{rec[k]:g}" if k in varied and num(rec[k]) is not None else
                     text(study_column("sweep", k), rec[k], cur) for k in keys])
    heads = [k if k in varied else study_column("sweep", k).heading(cur) for k in keys]
    sec.blocks.append(Table("The sweep's points", heads, rows,
                            [k != "status" for k in keys]))

