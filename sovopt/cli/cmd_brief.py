"""``sovopt brief RUN_ID|RESULTS.xlsx``: the decision on a few pages, in HTML and PDF.

The brief is one self-contained HTML file (no outside fonts, scripts, styles or
requests) readable on screen and printable on A4 or Letter; ``--pdf`` prints it
through headless Chromium (:mod:`sovopt.brief.pdf`). ``--against`` names the
baseline (a run or a results workbook); without it the case's status quo
(``CASE.status-quo.xlsx`` beside the results workbook or in the current folder)
is the baseline when there is one, and otherwise the brief stands alone.
``--group G`` briefs a study (frontier, sweep, robust) from the run store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sovopt.cli.app import cli, echo_err, emit_json, json_option, store_option
from sovopt.errors import EXIT_USAGE, SovoptError


def default_out(ref: str, run_id: str) -> Path:
    """``X.brief.html`` beside ``X.results.xlsx`` (or ``X.xlsx``); ``RUN.brief.html`` here
    for a run id."""
    path = Path(ref)
    if path.suffix.lower() == ".xlsx":
        stem = path.name[:-len(".results.xlsx")] if path.name.endswith(".results.xlsx") \
            else path.stem
        return path.with_name(f"{stem}.brief.html")
    return Path(f"{run_id}.brief.html")


@cli.command(name="brief")
@click.argument("ref", required=False, metavar="RUN_ID|RESULTS.xlsx")
@click.option("--against", default=None, metavar="RUN_ID|RESULTS.xlsx",
              help="The baseline: the status quo, an earlier plan or another variant  "
                   "[default: the case's status quo when there is one]")
@click.option("--alone", is_flag=True, help="No baseline, even when the case has a status quo.")
@click.option("--group", default=None, help="Brief a study group (frontier, sweep, robust).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML brief  [default: RESULTS.brief.html, or RUN_ID.brief.html]")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also print it to this PDF (headless Chromium).")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False),
              default=None, help="Fix the printed paper size  [default: the printer's; "
                                 "the PDF: a4]")
@json_option
@store_option
def brief_command(ref: str | None, against: str | None, alone: bool, group: str | None,
                  out: Path | None, pdf: Path | None, paper: str | None, as_json: bool,
                  store: str) -> int:
    """Write the brief of a run (or a study group) for the people who decide."""
    from sovopt.brief.page import render

    if (ref is None) == (group is None):
        raise click.UsageError("give RUN_ID or RESULTS.xlsx, or --group G (one of them)")
    for path, suffix in ((out, ".html"), (pdf, ".pdf")):
        if path is not None and path.suffix.lower() != suffix:
            raise SovoptError(f"{path}: the file name must end in {suffix}",
                              exit_code=EXIT_USAGE)
    if group is not None:
        brief, facts, out = _group(group, store, out)
    else:
        brief, facts, out = _run(str(ref), against, alone, store, out)
    from sovopt.workbook.atomic import write_bytes_atomic

    paper_html = paper.lower() if paper else None
    write_bytes_atomic(render(brief, paper_html).encode("utf-8"), out)
    echo_err(f"brief: {out}")
    facts.update(html=str(out), pdf=None, sections=[s.title for s in brief.sections])
    if pdf is not None:
        from sovopt.brief.pdf import print_pdf

        if paper_html is None:  # the PDF gets a fixed size; the HTML stays the printer's
            import tempfile

            with tempfile.TemporaryDirectory(prefix="sovopt-brief-") as folder:
                source = Path(folder) / out.name
                source.write_text(render(brief, "a4"), encoding="utf-8")
                print_pdf(source, pdf)
        else:
            print_pdf(out, pdf)
        echo_err(f"PDF: {pdf}")
        facts["pdf"] = str(pdf)
    if as_json:
        emit_json(facts)
    return 0


def _run(ref: str, against: str | None, alone: bool, store: str, out: Path | None
         ) -> tuple[Any, dict[str, Any], Path]:
    from sovopt.brief.build import base_name, build_brief
    from sovopt.brief.case_notes import case_bytes, read_case_notes
    from sovopt.brief.source import load, status_quo_for

    run = load(ref, store)
    report = run.report
    base = None
    if against is not None:
        base = load(against, store)
    elif not alone:
        near = [p for p in (run.path.parent if run.path else None, Path.cwd()) if p]
        found = status_quo_for(report, near)
        if found is not None and (run.path is None or found.resolve() != run.path.resolve()):
            echo_err(f"baseline: the case's status quo {found} (--alone for none)")
            base = load(str(found), store)
    notes = read_case_notes(case_bytes(report, store, run.path))
    robust = _robust_of_case(report, store)
    brief = build_brief(run, base, notes, robust)
    from sovopt.brief.plan import status_sentence

    out = out or default_out(ref, str(report.summary.get("run_id")))
    facts = {"run_id": report.summary.get("run_id"), "status": report.summary.get("status"),
             "status_sentence": status_sentence(report),
             "baseline": None if base is None else {
                 "name": base_name(base), "run_id": base.report.summary.get("run_id"),
                 "origin": base.origin},
             "decision": brief.sections[0].paragraphs}
    return brief, facts, out


def _robust_of_case(report: Any, store: str) -> Any:
    """The robust core table of the newest robust study of the report's case in the
    store, or None."""
    from sovopt.runs import RunStore

    if not RunStore.exists(store):
        return None
    from sovopt.brief.group import group_case, robust_of
    from sovopt.brief.money import robust_table

    with RunStore(store) as runs:
        groups = runs.groups()
        if groups.empty:
            return None
        mine = groups[(groups["kind"] == "robust")
                      & (groups["case_name"] == report.run.get("case_name"))]
        if mine.empty:
            return None
        gid = str(mine.sort_values("created").iloc[-1]["group"])
        ids = runs.group_run_ids(gid)
        reports = [runs.get(r) for r in ids]
        case = group_case(runs, ids)
    table = robust_table(robust_of(case, reports), report.run.get("names"))
    table.caption += f" (robust study {gid})"
    return table


def _group(group: str, store: str, out: Path | None) -> tuple[Any, dict[str, Any], Path]:
    from sovopt.brief.group import group_brief
    from sovopt.cli.cmd_runs import open_store

    open_store(store).close()  # a clear error when there is no store
    brief, facts = group_brief(store, group)
    return brief, facts, out or Path(f"{facts['group']}.brief.html")
