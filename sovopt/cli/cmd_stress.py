"""``sovopt stress CASE.xlsx --portfolio RESULTS.xlsx|RUN_ID``: a fixed portfolio, every scenario.

Evaluates a portfolio without optimising: one from a results workbook's
Portfolio sheet, possibly edited by hand (the layout is described in
:mod:`sovopt.workbook.portfolio_sheet`), or the portfolio of a run in the run
store. It prints the limits the portfolio breaks and a summary, and writes the
same results workbook a solve writes (default ``CASE.stress.xlsx`` next to the
case, so the workbook the portfolio came from is never overwritten).

Exit code 0 when the portfolio keeps every limit and 5 (``EXIT_VIOLATED``)
when it breaks any: a broken limit is a finding of the test, so the results
are written all the same (each broken limit is listed on stderr and on the
Diagnostics sheet, the Summary status is ``violated`` and its status_detail
names the limits and by how much), but a script can tell the two apart.
Exit 1 for an invalid case or an unreadable portfolio, each problem named by
its cell.

A stress test is recorded in the run store like a solve (same run id format,
its input workbook, its KPIs and tables; status ``feasible`` or ``violated``,
objective ``stress``), so `sovopt runs --status stress`, `runs show` and
`compare` see it. The results workbook's place and the store are checked
before anything is evaluated.
"""

from __future__ import annotations

import click

from sovopt.cli.app import cli, emit_json, json_option, store_option
from sovopt.cli.cmd_solve import (
    open_case,
    print_summary,
    print_violations,
    stderr_console,
)
from sovopt.cli.portfolios import named_portfolio
from sovopt.errors import EXIT_OK, EXIT_VIOLATED
from sovopt.pipeline import stress_and_report
from sovopt.report import STRESS_BROKEN, json_summary
from sovopt.runs import RunStore
from sovopt.workbook.results import write_results


@cli.command(name="stress")
@click.argument("case_path", metavar="CASE.xlsx", type=click.Path(dir_okay=False))
@click.option("--portfolio", "portfolio", required=True, metavar="RESULTS.xlsx|RUN_ID",
              help="A results workbook (its Portfolio sheet, edited or not) or a run id.")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Results workbook to write (default: CASE.stress.xlsx next to the case).")
@click.option("--label", default=None, help="A label for this run (kept with the run).")
@json_option
@store_option
def stress_command(case_path: str, portfolio: str, out: str | None, label: str | None,
                   as_json: bool, store: str) -> int:
    """Evaluate a fixed portfolio against every scenario and limit, without optimising.

    Broken limits are findings: the command lists them, writes the results and exits 5.
    """
    console = stderr_console()
    path, out_path, case, warnings = open_case(case_path, out, ".stress.xlsx")
    chosen, origin = named_portfolio(portfolio, case, store, "--portfolio")
    with RunStore(store) as runs:
        console.print(f"run store: {store}", markup=False)
        run_id = runs.begin(path, label, case.settings.case_name, case.settings.as_dict(),
                            "stress")
        try:
            outcome = stress_and_report(case, chosen, case_path=path, source=origin,
                                        warnings=warnings, run_id=run_id, label=label)
            metrics, report = outcome.metrics, outcome.report
            runs.finish(run_id, report)
        except KeyboardInterrupt:
            runs.fail(run_id, "stopped by Ctrl-C", status="interrupted")
            raise
        except BaseException as exc:
            runs.fail(run_id, f"{type(exc).__name__}: {exc}")
            raise
    console.print(f"run {run_id} recorded in {store}", markup=False)
    if report.summary["status"] == STRESS_BROKEN:
        console.print(f"the portfolio breaks {len(metrics.violations)} limit(s) of the case:",
                      style="bold red", markup=False)
        print_violations(console, report)
    else:
        console.print("the portfolio keeps every limit of the case", style="green",
                      markup=False)
        print_violations(console, report)  # surplus deliveries, if any
    print_summary(console, report)
    write_results(report, out_path, case.settings.currency)
    console.print(f"results: {out_path}", markup=False)
    if as_json:
        emit_json(json_summary(report, out_path))
    return EXIT_VIOLATED if report.summary["status"] == STRESS_BROKEN else EXIT_OK
