"""``sovopt solve CASE.xlsx``: validate, solve level by level, write the results workbook.

Exit codes (product.md): 0 solved (optimal, or a verified portfolio at the time
limit), 1 invalid input, 2 usage error, 3 infeasible (the diagnosis is printed
and written to the results workbook's Diagnostics sheet), 4 no solution within
the time limit or a solver error (nothing is written, so earlier results stay as
they were), 130 interrupted by Ctrl-C (the best verified portfolio is written
with status ``interrupted`` and its gap; without one, nothing is written).

Everything that could stop the results being written is checked before the
solve starts: the results workbook's place (--out), the run store (opened, and
the run recorded as ``running``) and, with --into-input, the case workbook
itself (lossless, not open in a spreadsheet program, its folder writable).

Progress (phase, level, incumbents, elapsed time) and the closing summary
go to stderr; with ``--json`` stdout carries exactly one JSON object, the
Summary's metric/value pairs with numbers as numbers.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich import box
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from sovopt.cli.app import cli, emit_json, print_problems, store_option
from sovopt.errors import EXIT_INTERRUPTED, EXIT_USAGE, SovoptError
from sovopt.presets import Preset, load_preset
from sovopt.report import WITH_PORTFOLIO, Report, report_from_solve
from sovopt.runs import RunStore
from sovopt.workbook.into_input import check_into_input, write_into_input
from sovopt.workbook.read import read_case
from sovopt.workbook.results import write_results
from sovopt.workbook.targets import check_target

if TYPE_CHECKING:
    from sovopt.solve import SolveResult

#: Plain words for the phases solve_case reports.
PHASES = {"prepare": "preparing the data", "build": "building the model",
          "hand_off": "handing the model to HiGHS", "extract": "reading the solution",
          "duals": "marginal values (LP re-solve)", "diagnose": "diagnosing infeasibility"}
#: Statuses for which a results workbook is written (an infeasible case gets its
#: diagnosis; no_solution and solver_error leave earlier results as they were).
WRITES_RESULTS = (*WITH_PORTFOLIO, "infeasible")
#: Largest portfolio listed in the terminal (longer ones: see the Portfolio sheet).
MAX_LISTED = 30


#: Width of tables and lines when stderr is not a terminal (a log file or a pipe).
PIPE_WIDTH = 120


def stderr_console() -> Console:
    """A rich console on stderr (looked up at each write, so tests can capture it);
    not cropped to 80 columns when stderr is a file or a pipe."""
    terminal = Console(stderr=True).is_terminal
    return Console(stderr=True, highlight=False, width=None if terminal else PIPE_WIDTH)


class SolveProgress:
    """Shows what the solve is doing: a live line with elapsed time on a terminal,
    plain timestamped lines otherwise (logs, CI, pipes)."""

    def __init__(self, console: Console, preset: Preset):
        self.console, self.preset = console, preset
        self.t0 = time.perf_counter()
        self.live = console.is_terminal
        self._progress: Progress | None = None
        self._task = None

    def __enter__(self) -> SolveProgress:
        if self.live:
            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                      TimeElapsedColumn(), console=self.console,
                                      transient=True)
            self._progress.start()
            self._task = self._progress.add_task("starting", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, message: str) -> None:
        text = self.describe(message)
        if self._progress is not None:
            self._progress.update(self._task, description=text)
        else:
            self.console.print(f"[{time.perf_counter() - self.t0:7.1f} s] {text}",
                               markup=False, soft_wrap=True)

    def describe(self, message: str) -> str:
        """``solve level 2`` -> ``solving level 2/4: scenario risk``."""
        if message.startswith("solve level "):
            k = int(message.rsplit(" ", 1)[1])
            name = self.preset.levels[k - 1].name if k <= len(self.preset.levels) else ""
            return f"solving level {k}/{len(self.preset.levels)}: {name}"
        return PHASES.get(message, message)


def default_out(case_path: Path, suffix: str = ".results.xlsx") -> Path:
    """``CASE.results.xlsx`` next to ``CASE.xlsx``."""
    return case_path.with_name(case_path.stem + suffix)


def check_out(case_path: Path, out: Path) -> None:
    """Refuse to write results over the case workbook itself, or where they could not
    be written (checked before any solving)."""
    if out.resolve() == case_path.resolve():
        raise SovoptError(f"--out {out} is the case workbook itself; to add the result "
                          "sheets to it use --into-input", exit_code=EXIT_USAGE)
    check_target(out, "--out")


@cli.command()
@click.argument("case_path", metavar="CASE.xlsx", type=click.Path(dir_okay=False))
@click.option("--objective", "objective", default=None,
              help="Preset name (min_dependence, min_cost, balanced) or a preset .yaml file; "
                   "default: Settings objective.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds for the whole solve (default: Settings time_limit_s).")
@click.option("--gap", type=click.FloatRange(0, 1), default=None,
              help="Relative MIP gap (default: Settings mip_gap).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Results workbook to write (default: CASE.results.xlsx next to the case).")
@click.option("--into-input", is_flag=True,
              help="Also add the result sheets (Result Summary, ...) to the case workbook "
                   "itself, after a backup CASE.xlsx.bak; input sheets are never touched.")
@click.option("--label", default=None, help="A label for this run (kept with the run).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the Summary as one JSON object on stdout (messages stay on stderr).")
@store_option
def solve(case_path: str, objective: str | None, time_limit: float | None,
          gap: float | None, out: str | None, into_input: bool, label: str | None,
          as_json: bool, store: str) -> int:
    """Solve CASE.xlsx, write the results workbook, record the run and print a summary."""
    console = stderr_console()
    path = Path(case_path)
    out_path = Path(out) if out else default_out(path)
    check_out(path, out_path)
    case, warnings = read_case(path)
    print_problems(warnings)
    if into_input:
        check_into_input(path)
    preset = load_preset(objective or case.settings.objective)
    with RunStore(store) as runs:
        console.print(f"run store: {store}", markup=False)
        run_id = runs.begin(path, label, case.settings.case_name, case.settings.as_dict(),
                            preset.as_dict())
        try:
            report, result = _solve_and_report(case, path, preset, time_limit, gap, warnings,
                                               run_id, console)
            report.run["label"] = label
            runs.finish(run_id, report)
        except KeyboardInterrupt:  # a second Ctrl-C, or one before any portfolio
            runs.fail(run_id, "stopped by Ctrl-C before a portfolio was verified",
                      status="interrupted")
            raise
        except BaseException as exc:  # recorded as failed, then re-raised
            runs.fail(run_id, f"{type(exc).__name__}: {exc}")
            raise
    console.print(f"run {run_id} recorded in {store}", markup=False)
    print_outcome(console, result, report)
    if result.status in WRITES_RESULTS:
        currency = case.settings.currency
        write_results(report, out_path, currency)
        console.print(f"results: {out_path}", markup=False)
        if into_input:
            backup = write_into_input(report, path, currency)
            console.print(f"result sheets added to {path} (backup: {backup.name})",
                          markup=False)
    if as_json:
        emit_json(dict(report.summary))
    return EXIT_INTERRUPTED if result.status == "interrupted" else result.exit_code


def _solve_and_report(case, path: Path, preset: Preset, time_limit: float | None,
                      gap: float | None, warnings, run_id: str,
                      console: Console) -> tuple[Report, SolveResult]:
    """Solve with live progress, evaluate the portfolio, and build the run's Report."""
    from sovopt.metrics import evaluate  # the solver stack loads only when solving
    from sovopt.solve import solve_case
    with SolveProgress(console, preset) as progress:
        result = solve_case(case, preset, time_limit, gap, progress=progress)
        if result.status in WITH_PORTFOLIO:
            progress("computing the results")
            metrics = evaluate(result.data, result.portfolio)
        else:
            metrics = None
    return report_from_solve(result, metrics, path, run_id=run_id, warnings=warnings), result


def summary_json(report: Report) -> str:
    """The Summary as one JSON object: numbers as numbers, blanks (and NaN) as null."""
    def plain(v: object) -> object:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    return json.dumps({k: plain(v) for k, v in report.summary.items()}, ensure_ascii=False)


def print_outcome(console: Console, result: SolveResult, report: Report) -> None:
    """Status, the diagnosis or the portfolio, and the summary table, on stderr."""
    d = result.data
    for _, ex in d.excluded.iterrows():
        console.print(f"note: option {ex['option_id']} excluded: {ex['reason']}", markup=False)
    if result.status == "infeasible":
        console.print("infeasible: no portfolio meets every limit of the case. To make it "
                      "feasible:", style="bold red", markup=False)
        for r in result.diagnosis:
            console.print(f"  - {r.message}", markup=False)
        if not result.diagnosis:
            console.print("  (no single limit sovopt can relax explains it; check lead "
                          "times, minimum orders and mandatory options)", markup=False)
    elif result.status == "no_solution":
        console.print(f"no solution found within the time limit of {result.time_limit:g} s; "
                      "raise --time-limit (nothing was written)", style="bold red",
                      markup=False)
        return
    elif result.status not in WITH_PORTFOLIO:  # solver_error
        console.print(f"{result.status}: the solver stopped without a verified portfolio "
                      "(nothing was written, earlier results are intact)", style="bold red",
                      markup=False)
        return
    else:
        if result.status == "interrupted":
            console.print("interrupted: the best verified portfolio found so far (its gap "
                          "is in the summary) is written with status interrupted",
                          style="bold yellow", markup=False)
        print_portfolio(console, report)
        print_levels(console, report)
    print_violations(console, report)
    print_summary(console, report)


def print_levels(console: Console, report: Report) -> None:
    levels = report.tables.get("levels")
    if levels is None or levels.empty:
        return
    table = Table(title="Levels", box=box.SIMPLE, title_justify="left")
    for head in ("level", "name", "status", "value", "gap", "seconds"):
        table.add_column(head, justify="right" if head in ("value", "gap", "seconds") else
                         "left")
    for _, lv in levels.iterrows():
        table.add_row(str(lv["level"]), str(lv["name"]), str(lv["status"]),
                      _num(lv["value"], "{:.6g}"), _num(lv["gap"], "{:.2%}"),
                      _num(lv["seconds"], "{:.1f}"))
    console.print(table)


def print_portfolio(console: Console, report: Report) -> None:
    pf = report.tables["portfolio"]
    if pf.empty:
        console.print("the portfolio is empty", markup=False)
        return
    if len(pf) > MAX_LISTED:
        console.print(f"{len(pf)} options in the portfolio (see the Portfolio sheet)",
                      markup=False)
        return
    table = Table(title="Portfolio", box=box.SIMPLE, title_justify="left")
    for head in ("option", "capability", "supplier", "country", "mode", "start", "units",
                 "cost"):
        table.add_column(head, justify="right" if head in ("start", "units", "cost")
                         else "left")
    for _, row in pf.iterrows():
        start = row["start_year"]
        table.add_row(str(row["option_id"]), str(row["capability_id"]),
                      str(row["supplier_id"]), str(row["country_id"]), str(row["mode"]),
                      "" if _blank(start) else str(int(start)),
                      _num(row["total_units"], "{:,.6g}"), _num(row["total_cost"], "{:,.2f}"))
    console.print(table)


def print_violations(console: Console, report: Report) -> None:
    diag = report.tables["diagnostics"]
    broken = diag[diag["severity"] == "violation"]
    for _, v in broken.iterrows():
        console.print(f"  broken: {v['message']}", style="red", markup=False)


def print_summary(console: Console, report: Report) -> None:
    """The Summary as a two-column table, formatted for people."""
    s = report.summary
    cur = str((report.run.get("settings") or {}).get("currency") or "")
    table = Table(title="Summary", box=box.SIMPLE, title_justify="left", show_header=False)
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    rows = [
        ("status", str(s["status"])), ("objective", str(s["objective"])),
        ("total cost", _money(s["total_cost"], cur)), ("budget", _money(s["budget_total"], cur)),
        ("local share", _num(s["local_share"], "{:.1%}")),
        ("exposure", _num(s["exposure"], "{:.2%}")),
        ("HHI mean / max", f"{_num(s['hhi_mean'], '{:.3f}')} / {_num(s['hhi_max'], '{:.3f}')}"),
        ("max country share", _num(s["max_country_share"], "{:.1%}")),
        ("expected shortfall", _num(s["expected_shortfall"], "{:.2%}")),
        ("worst case", _num(s["worst_case_shortfall"], "{:.2%}")),
        ("CVaR", _num(s["cvar"], "{:.2%}")),
        ("unmet units", _num(s["unmet_units"], "{:,.6g}")),
        ("MIP gap", _num(s["mip_gap"], "{:.2%}")),
        ("solve time", _num(s["solve_seconds"], "{:.1f} s")),
        ("run id", str(s["run_id"])),
    ]
    for metric, value in rows:
        style = ""
        if metric == "status":
            style = ("green" if value == "optimal" else "yellow" if value in WITH_PORTFOLIO
                     else "bold red")
        table.add_row(metric, value, style=style)
    console.print(table)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        str(value) in ("<NA>", "nan"))


def _num(value: object, fmt: str) -> str:
    return "-" if _blank(value) else fmt.format(float(value))


def _money(value: object, currency: str) -> str:
    return "-" if _blank(value) else f"{float(value):,.2f} {currency}".strip()
