"""``sovopt solve CASE.xlsx``: validate, solve level by level, write the results workbook.

Exit codes (the README's): 0 solved (optimal, or a verified portfolio at the time
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

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich import box
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from sovopt.cli.app import cli, emit_json, print_problems, store_option
from sovopt.cli.options import check_objective
from sovopt.cli.portfolios import named_portfolio
from sovopt.errors import EXIT_INTERRUPTED, EXIT_USAGE, SovoptError
from sovopt.outputs import TABLE_COLUMNS, column, shown_name, summary_lines
from sovopt.pipeline import solve_and_report
from sovopt.presets import Preset, load_preset
from sovopt.report import WITH_PORTFOLIO, Report, json_summary, report_from_solve
from sovopt.runs import RunStore
from sovopt.status import Status
from sovopt.time_budget import TimeBudget, command_started, writing_reserve
from sovopt.workbook.case_reader import read_case
from sovopt.workbook.into_input import check_into_input, write_into_input
from sovopt.workbook.results import write_results
from sovopt.workbook.targets import check_target

if TYPE_CHECKING:
    from sovopt.case import Case
    from sovopt.errors import Problem
    from sovopt.solver import SolveResult

#: Plain words for the phases solve_case reports.
PHASES = {"start": "starting", "store": "the run store", "read": "reading the workbook",
          "load solver": "loading the solver", "write": "writing", "terminal": "the terminal",
          "evaluate": "computing the results", "report": "the report",
          "prepare": "preparing the data", "build": "building the model",
          "hand_off": "handing the model to HiGHS", "extract": "reading the solution",
          "duals": "marginal values (LP re-solve)", "diagnose": "diagnosing infeasibility"}
#: Statuses for which a results workbook is written (an infeasible case gets its
#: diagnosis; no_solution and solver_error leave earlier results as they were).
WRITES_RESULTS = (*WITH_PORTFOLIO, Status.INFEASIBLE)
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


def open_case(case_path: str, out: str | None, suffix: str = ".results.xlsx"
              ) -> tuple[Path, Path, Case, list[Problem]]:
    """The case's path, the workbook to write (checked before any solving,
    :func:`check_out`), the case read and its warnings (printed): how every command
    that writes a workbook for a case starts."""
    path = Path(case_path)
    out_path = Path(out) if out else default_out(path, suffix)
    check_out(path, out_path)
    case, warnings = read_case(path)
    print_problems(warnings)
    return path, out_path, case, warnings


@cli.command()
@click.argument("case_path", metavar="CASE.xlsx", type=click.Path(dir_okay=False))
@click.option("--objective", "objective", default=None, callback=check_objective,
              help="Preset name (min_dependence, min_cost, balanced) or a preset .yaml file; "
                   "default: Settings objective.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds for the whole command: reading, solving, marginal values and "
                   "writing (default: Settings time_limit_s).")
@click.option("--gap", type=click.FloatRange(0, 1), default=None,
              help="Relative MIP gap (default: Settings mip_gap).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Results workbook to write (default: CASE.results.xlsx next to the case).")
@click.option("--into-input", is_flag=True,
              help="Also add the result sheets (Result Summary, ...) to the case workbook "
                   "itself, after a backup CASE.xlsx.bak; input sheets are never touched.")
@click.option("--label", default=None, help="A label for this run (kept with the run).")
@click.option("--start", "start", default=None, metavar="RESULTS.xlsx|RUN_ID",
              help="Start from this plan: a results workbook's Portfolio sheet (edited or "
                   "hand-made) or a stored run; repaired where it breaks a limit.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the Summary as one JSON object on stdout (messages stay on stderr).")
@store_option
def solve(case_path: str, objective: str | None, time_limit: float | None,
          gap: float | None, out: str | None, into_input: bool, label: str | None,
          start: str | None, as_json: bool, store: str) -> int:
    """Solve CASE.xlsx, write the results workbook, record the run and print a summary."""
    started = command_started()  # the limit counts from the command's start
    console = stderr_console()
    t0 = time.monotonic()
    path, out_path, case, warnings = open_case(case_path, out)
    budget = TimeBudget(float(time_limit or case.settings.time_limit_s), started=started)
    budget.spent["start"] = t0 - started
    budget.spent["read"] = time.monotonic() - t0
    budget.hold_back(writing_reserve(len(case.options) * len(case.budget), budget.limit))
    if into_input:
        check_into_input(path)
    with budget.phase("load solver"):  # a preset is checked against the model's families
        preset = load_preset(objective or case.settings.objective)
    given = named_portfolio(start, case, store, "--start")[0] if start else None
    t0 = time.monotonic()
    with RunStore(store) as runs:
        console.print(f"run store: {store}", markup=False)
        run_id = runs.begin(path, label, case.settings.case_name, case.settings.as_dict(),
                            preset.as_dict())
        budget.spent["store"] = time.monotonic() - t0
        try:
            with SolveProgress(console, preset) as progress:
                outcome = solve_and_report(case, preset, time_limit=budget.limit, gap=gap,
                                           case_path=path, warnings=warnings, run_id=run_id,
                                           label=label, progress=progress, start=given,
                                           budget=budget)
                report, result = outcome.report, outcome.result
                if result.status == Status.INFEASIBLE and _name_changed_limits(
                        result, runs, run_id, preset, console):
                    report = report_from_solve(result, None, path, run_id=run_id,
                                               warnings=warnings)
                    report.run["label"] = label
            with budget.phase("store"):
                t0 = time.monotonic()
            runs.finish(run_id, report)
            budget.spent["store"] += time.monotonic() - t0
        except KeyboardInterrupt:  # a second Ctrl-C, or one before any portfolio
            runs.fail(run_id, "stopped by Ctrl-C before a portfolio was verified",
                      status=Status.INTERRUPTED)
            raise
        except BaseException as exc:  # recorded as failed, then re-raised
            runs.fail(run_id, f"{type(exc).__name__}: {exc}")
            raise
    console.print(f"run {run_id} recorded in {store}", markup=False)
    with budget.phase("terminal"):
        print_outcome(console, result, report)
    if result.status in WRITES_RESULTS:
        currency = case.settings.currency
        with budget.phase("write"):
            write_results(report, out_path, currency)
            console.print(f"results: {out_path}", markup=False)
            if into_input:
                backup = write_into_input(report, path, currency)
                console.print(f"result sheets added to {path} (backup: {backup.name})",
                              markup=False)
    console.print(time_spent(budget), markup=False, soft_wrap=True)
    if as_json:
        emit_json(json_summary(report, out_path if result.status in WRITES_RESULTS else None))
    return EXIT_INTERRUPTED if result.status == Status.INTERRUPTED else result.exit_code


def _name_changed_limits(result: SolveResult, runs: RunStore, run_id: str, preset: Preset,
                         console: Console) -> bool:
    """After a change that made the case infeasible, diagnose again preferring the limits
    tightened since the last run of the same case that had a portfolio, so the
    diagnosis names a changed limit (a budget cut) whenever it is part of a repair.
    True when the diagnosis was replaced."""
    import tempfile

    from sovopt.diagnose import rediagnose_after_changes
    from sovopt.prepare import prepare

    d = result.data
    earlier = runs.list(case=d.case.settings.case_name)
    earlier = earlier[(earlier["run_id"] != run_id)
                      & earlier["status"].isin(WITH_PORTFOLIO)
                      & (earlier["case_name"] == d.case.settings.case_name)]
    if earlier.empty:
        return False
    since = str(earlier["run_id"].iloc[0])
    try:
        data = runs.input_bytes(since)
        with tempfile.TemporaryDirectory() as folder:
            old_path = Path(folder) / "case.xlsx"
            old_path.write_bytes(data)
            before, _ = read_case(old_path)
        found = rediagnose_after_changes(d, prepare(before), preset.switch_off,
                                         result.diagnosis_options(), since)
    except SovoptError:  # the earlier input no longer reads: keep the plain diagnosis
        return False
    if not found:
        return False
    result.diagnosis = found
    console.print(f"limits tightened since run {since} of this case are named first",
                  markup=False)
    return True


def time_spent(budget: TimeBudget) -> str:
    """How the time limit was spent, phase by phase, in one line."""
    spent = budget.phases()
    total = spent.pop("total")
    parts = ", ".join(f"{PHASES.get(k, k)} {v:.1f} s" for k, v in spent.items() if v >= 0.05)
    return f"time: {total:.1f} s of the {budget.limit:g} s limit ({parts})"


def print_outcome(console: Console, result: SolveResult, report: Report) -> None:
    """Status, the diagnosis or the portfolio, and the summary table, on stderr."""
    d = result.data
    for _, ex in d.excluded.iterrows():
        console.print(f"note: option {ex['option_id']} excluded: {ex['reason']}", markup=False)
    if result.status == Status.INFEASIBLE:
        console.print("infeasible: no portfolio meets every limit of the case. It would "
                      "become feasible with all of these changes together (one possible "
                      "repair; the Diagnostics sheet has them as sheet, cell, current, "
                      "needed):", style="bold red", markup=False)
        for r in result.diagnosis:
            console.print(f"  - {r.message}", markup=False)
        if not result.diagnosis:
            console.print("  (no single limit sovopt can relax explains it; check lead "
                          "times, minimum orders and mandatory options)", markup=False)
    elif result.status == Status.NO_SOLUTION:
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
        if result.status == Status.INTERRUPTED:
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
    console.print(schema_table("Levels", "levels", levels, _currency(report)))


def print_portfolio(console: Console, report: Report) -> None:
    pf = report.tables["portfolio"]
    if pf.empty:
        console.print("the portfolio is empty", markup=False)
        return
    if len(pf) > MAX_LISTED:
        console.print(f"{len(pf)} options in the portfolio (see the Portfolio sheet)",
                      markup=False)
        return
    console.print(schema_table("Portfolio", "portfolio", pf, _currency(report),
                               report.run.get("names")))


def schema_table(title: str, name: str, df, currency: str,
                 names: dict | None = None) -> Table:
    """A result table for the terminal: labels as headings, each column in its format,
    ids with their names (a run's ``names``)."""
    columns = [column(name, key) for key in TABLE_COLUMNS[name] if key in df.columns]
    table = Table(title=title, box=box.SIMPLE, title_justify="left")
    for q in columns:
        table.add_column(q.label, justify="left" if q.kind in ("text", "flag") else "right")
    for rec in df[[q.key for q in columns]].itertuples(index=False):
        table.add_row(*(shown_name(names, q.entity, v) if q.entity else q.text(v, currency)
                        for q, v in zip(columns, rec, strict=True)))
    return table


def _currency(report: Report) -> str:
    return str((report.run.get("settings") or {}).get("currency") or "")


def print_violations(console: Console, report: Report) -> None:
    diag = report.tables["diagnostics"]
    broken = diag[diag["severity"] == "violation"]
    for _, v in broken.iterrows():
        console.print(f"  broken: {v['message']}", style="red", markup=False)
    for _, v in diag[diag["severity"] == "surplus"].iterrows():
        console.print(f"  surplus: {v['message']}", style="yellow", markup=False)


def print_summary(console: Console, report: Report) -> None:
    """The Summary as a two-column table of labels and values (output schema formats)."""
    cur = _currency(report)
    table = Table(title="Summary", box=box.SIMPLE, title_justify="left", show_header=False)
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    for q, value in summary_lines(report.summary, cur):
        style = ""
        if q.key == "status":
            style = ("green" if value == Status.OPTIMAL else "yellow" if value in WITH_PORTFOLIO
                     else "bold red")
        table.add_row(q.label, value, style=style)
    console.print(table)
