"""``sovopt sweep`` / ``frontier`` / ``robust``: many solves of one case, one group of runs.

Every point is a run in the run store, in one group (``sovopt runs --group G``
lists them, ``sovopt compare --group G`` compares them); the study's workbook
(default ``CASE.sweep.xlsx`` and so on) shows the points with native charts.
Progress (points done / total, the time left, failures) goes to stderr; with
``--json`` stdout carries one JSON object: the group, its status and a
record per point. A study stopped early leaves its group ``incomplete`` with
the points recorded so far, and exits 130 (Ctrl-C) or with the error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pandas as pd

from sovopt.cli.app import cli, emit_json, store_option
from sovopt.cli.cmd_solve import open_case, stderr_console
from sovopt.cli.options import check_objective
from sovopt.errors import SovoptError
from sovopt.executors import EXECUTORS, make_executor
from sovopt.report import WITH_PORTFOLIO
from sovopt.runs import RunStore


def executor_options(func):
    """--executor, --workers, --scheduler."""
    func = click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="dask.distributed scheduler (--executor dask); without one a "
                             "LocalCluster is started on this machine.")(func)
    func = click.option("--workers", type=click.IntRange(min=1), default=None,
                        help="Worker processes (default and most: the number of cores; "
                             "each solve gets its own cores).")(func)
    func = click.option("--executor", type=click.Choice(EXECUTORS), default="local",
                        show_default=True,
                        help="Where the solves run: a local process pool or dask.")(func)
    return func


def solve_options(func):
    """--objective, --time-limit, --gap, --group, --out, --json, --store."""
    func = store_option(func)
    func = click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object on stdout (messages stay on stderr).")(func)
    func = click.option("--out", type=click.Path(dir_okay=False), default=None,
                        help="Workbook to write (default: next to the case).")(func)
    func = click.option("--group", "group", default=None,
                        help="Name of the group of runs (default: KIND-TIME-XXXX).")(func)
    func = click.option("--gap", type=click.FloatRange(0, 1), default=None,
                        help="Relative MIP gap of each solve (default: Settings mip_gap).")(func)
    func = click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
                        default=None,
                        help="Seconds for each solve (default: Settings time_limit_s); for "
                             "frontier, the whole frontier's (default: 3 × that).")(func)
    return func


def run_tasks(kind: str, case: Any, path: Path, tasks: list, info: dict[str, Any],
              group: str | None, store: str, executor: str, workers: int | None,
              scheduler: str | None) -> Any:
    """Solve a study's tasks on the executor chosen, recording each point in the run
    store as one group; progress goes to stderr. The study's outcome."""
    from sovopt.studies.record import run_study

    console = stderr_console()
    ex = make_executor(executor, workers, scheduler, pin=True)
    where = _where(executor, scheduler)
    if workers and ex.workers < workers:
        where += (f"; {workers} workers asked, {ex.workers} at once: never more solves "
                  "at once than cores")
    try:
        with RunStore(store) as runs:
            return run_study(ex, runs, kind, case, path, tasks, info, group,
                             say=lambda m: console.print(m, markup=False), where=where)
    finally:
        ex.close()


def finish_study(kind: str, wb: Any, out_path: Path, lines: list[str], outcome: Any,
                 as_json: bool, records: dict[str, Any]) -> int:
    """Write the study's workbook, say its lines and where it is (stderr), print the JSON
    object (the group, its status, the workbook and ``records``) with --json; the exit
    code: 0 when every point has a plan, else 4 (a point without a plan is a failed
    point)."""
    from sovopt.workbook.study_sheets import write_study_workbook

    console = stderr_console()
    write_study_workbook(wb, out_path)
    for line in lines:
        console.print(line, markup=False, soft_wrap=True)
    console.print(f"{kind} workbook: {out_path}", markup=False)
    if as_json:
        emit_json({"group": outcome.group, "status": outcome.status, "out": str(out_path),
                   **records})
    return 0 if outcome.status == "complete" and outcome.all_solved else 4


def table_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-ready records (blanks as None; emit_json makes numbers plain)."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


def _where(executor: str, scheduler: str | None) -> str:
    if executor == "dask":
        return f"dask scheduler {scheduler}" if scheduler else "a dask LocalCluster"
    return "a local process pool"


@cli.command()
@click.argument("case_path", metavar="CASE.xlsx", type=click.Path(dir_okay=False))
@click.option("--vary", "varies", multiple=True, required=True, metavar="NAME=LO:HI:N",
              help="An input and its values: a column scaled (budget=0.8:1.2:5, "
                   "unit_cost=0.9,1,1.1) or one cell set (scenario:EMB-X.loss=0:1:5). "
                   "Repeat for a grid.")
@click.option("--objective", default=None, callback=check_objective,
              help="Preset (default: Settings objective).")
@solve_options
@executor_options
def sweep(case_path: str, varies: tuple[str, ...], objective: str | None,
          time_limit: float | None, gap: float | None, group: str | None, out: str | None,
          as_json: bool, store: str, executor: str, workers: int | None,
          scheduler: str | None) -> int:
    """Solve CASE.xlsx at every point of a grid of what-ifs; write the Sweep workbook."""
    from sovopt.studies.sweep import (
        base_task,
        duals_in_words,
        non_monotone,
        sweep_table,
        sweep_tasks,
    )
    from sovopt.variation import parse_vary
    from sovopt.workbook.study_sheets import new_workbook, sweep_sheet

    path, out_path, case, _ = open_case(case_path, out, ".sweep.xlsx")
    specs = [parse_vary(v, case) for v in varies]
    tasks = sweep_tasks(specs, objective, time_limit, gap, case)
    info = {"vary": list(varies), "objective": objective, "executor": executor}
    outcome = run_tasks("sweep", case, path, tasks, info, group, store, executor, workers,
                        scheduler)
    table = sweep_table(specs, tasks, outcome)
    currency = case.settings.currency
    base_point = base_task(tasks)
    base = outcome.points.get(base_point.index)
    words = (duals_in_words(base.report, currency) if base is not None and base.has_plan
             else ["the base point has no plan"])
    lines = [f"Case {case.settings.case_name}; group {outcome.group} in the run store "
             f"({outcome.status}: {outcome.count_text()}).",
             "Varied: " + "; ".join(varies) + f". Point {base_point.index} is the case as "
             "given.",
             "At the base point: " + "; ".join(words) + "."]
    twins = int((table["distinguishable"] != "").sum())
    if twins:
        lines.append(f"{twins} points cannot be told apart from another point on the "
                     "objective: their gaps overlap (column Distinguishable).")
    lines += [f"Warning: {w}; the points are separate solves, so this may be the "
              "solver's gap rather than the case." for w in non_monotone(specs, table)]
    wb = new_workbook()
    sweep_sheet(wb, table, [s.heading for s in specs], lines, currency)
    return finish_study("sweep", wb, out_path, lines, outcome, as_json,
                        {"base_duals": words, "points": table_records(table)})


@cli.command()
@click.argument("case_path", metavar="CASE.xlsx", type=click.Path(dir_okay=False))
@click.option("--points", type=click.IntRange(min=2), default=10, show_default=True,
              help="Points on the frontier, the two ends included.")
@click.option("--measure", type=click.Choice(["cvar", "exposure", "hhi",
                                              "expected_shortfall"]),
              default="cvar", show_default=True, help="The dependence measure traded "
              "against cost.")
@solve_options
@executor_options
def frontier(case_path: str, points: int, measure: str, time_limit: float | None,
             gap: float | None, group: str | None, out: str | None, as_json: bool,
             store: str, executor: str, workers: int | None, scheduler: str | None) -> int:
    """The cost–dependence frontier of CASE.xlsx (ε-constraint on one compiled model).

    The chain of points shares one model, so it runs as one task: in this process
    with --executor local, on a cluster worker with --executor dask. --time-limit is
    the whole frontier's (default: 3 × Settings time_limit_s).
    """
    from sovopt.studies.frontier import (
        FrontierSpec,
        check_spec,
        frontier_points,
        frontier_status,
        frontier_table,
        frontier_task,
    )
    from sovopt.studies.record import Recorder, StudyProgress
    from sovopt.studies.tasks import Task, pack_case
    from sovopt.workbook.study_sheets import frontier_sheet, new_workbook

    console = stderr_console()
    spec = FrontierSpec(measure, points, time_limit, gap)
    check_spec(spec)
    path, out_path, case, _ = open_case(case_path, out, ".frontier.xlsx")

    def say(m: str) -> None:
        console.print(m, markup=False)

    info = {"measure": measure, "points": points, "executor": executor}
    with RunStore(store) as runs:
        rec = Recorder(runs, "frontier", case, path, points, info, group)
        progress = StudyProgress("frontier", points, say)
        progress.start(1, "this process (one model)" if executor == "local"
                       else _where(executor, scheduler))

        def record(point) -> None:
            rec.record(Task(point.index, point.extra["role"]), point)
            progress.point(point.status not in WITH_PORTFOLIO,
                           f"{point.extra['role']}: {measure} {point.extra['measure']:.4g}, "
                           f"cost {point.report.summary.get('total_cost')}")
        try:
            if executor == "local":
                found = frontier_points(case, spec, path.name, on_point=record, say=say)
            else:
                ex = make_executor(executor, workers, scheduler)
                got: dict[str, Any] = {}
                try:
                    ex.run(frontier_task, pack_case(case), [spec],
                           lambda i, r, e: got.update(result=r, error=e))
                finally:
                    ex.close()
                if got.get("result") is None:
                    raise SovoptError(f"the frontier task failed: {got.get('error')}")
                found = got["result"]
                for point in found:
                    record(point)
        except BaseException as exc:
            rec.close(f"stopped early: {type(exc).__name__}: {exc}")
            raise
        outcome = rec.close()
    table = frontier_table(found, outcome.run_ids)
    knee_rows = table[table["knee"] == "knee"]
    knee_text = ("no knee (fewer than three distinct points)" if knee_rows.empty else
                 f"the knee is point {int(knee_rows['point'].iloc[0])}: {measure} "
                 f"{knee_rows['measure'].iloc[0]:.4g} for a cost of "
                 f"{knee_rows['cost'].iloc[0]:,.2f} {case.settings.currency}")
    status, meaning = frontier_status(found)
    taken = [p for p in found if p.extra.get("took")]
    lines = [f"Case {case.settings.case_name}; group {outcome.group} in the run store "
             f"({outcome.status}: {outcome.count_text()}).",
             f"Frontier {status}: {meaning}.",
             f"Least cost first; each later point holds {measure} at a lower level (evenly "
             "between the ends' measured values) and minimises cost (ε-constraint, one "
             "model, each point started from the cheapest known plan that keeps its "
             "bound).",
             knee_text[0].upper() + knee_text[1:] + "."]
    lines += [f"Point {p.index} ({p.extra['role']}) {p.extra['took']}." for p in taken]
    wb = new_workbook()
    frontier_sheet(wb, table, measure, lines, case.settings.currency)
    return finish_study("frontier", wb, out_path, lines, outcome, as_json,
                        {"measure": measure, "frontier_status": status,
                         "frontier_status_detail": meaning,
                         "points": table_records(table)})


@cli.command()
@click.argument("case_path", metavar="CASE.xlsx", type=click.Path(dir_okay=False))
@click.option("--samples", type=click.IntRange(min=1, max=100_000), default=50,
              show_default=True, help="Perturbed samples to solve.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              help="Seed the samples' seeds are spawned from.")
@click.option("--sample-seed", type=click.IntRange(min=0), default=None,
              help="Solve only the sample with this seed (from the Robust sheet) again.")
@click.option("--objective", default=None, callback=check_objective,
              help="Preset (default: Settings objective).")
@solve_options
@executor_options
def robust(case_path: str, samples: int, seed: int, sample_seed: int | None,
           objective: str | None, time_limit: float | None, gap: float | None,
           group: str | None, out: str | None, as_json: bool, store: str, executor: str,
           workers: int | None, scheduler: str | None) -> int:
    """The robust core of CASE.xlsx: per option the share of perturbed plans that start it.

    Unit costs, risk scores, scenario probabilities and losses are drawn within
    their ranges (cost_low/cost_high, ...; blank: ±10 % for cost and risk, ±25 %
    for probability and loss). Core: ≥ 0.9; exterior: ≤ 0.1; borderline between.
    """
    from sovopt.studies.robust import (
        CORE,
        EXTERIOR,
        check_ranges,
        core_table,
        robust_tasks,
        sample_seeds,
        samples_table,
    )
    from sovopt.workbook.study_sheets import new_workbook, robust_sheet

    path, out_path, case, _ = open_case(case_path, out, ".robust.xlsx")
    check_ranges(case)
    seeds = [sample_seed] if sample_seed is not None else sample_seeds(seed, samples)
    tasks = robust_tasks(seeds, objective, time_limit, gap)
    info = {"samples": len(seeds), "seed": seed, "seeds": seeds, "objective": objective,
            "executor": executor}
    outcome = run_tasks("robust", case, path, tasks, info, group, store, executor, workers,
                        scheduler)
    table, n = core_table(case, outcome)
    sample_rows = samples_table(tasks, outcome)
    counts = table["class"].value_counts()
    lines = [f"Case {case.settings.case_name}; group {outcome.group} in the run store "
             f"({outcome.status}: {outcome.count_text('samples')}; seed {seed}).",
             f"Core index: the share of the {n} samples with a plan whose plan starts the "
             f"option; core at ≥ {CORE:g}, exterior at ≤ {EXTERIOR:g}.",
             f"{counts.get('core', 0)} core, {counts.get('borderline', 0)} borderline, "
             f"{counts.get('exterior', 0)} exterior options."]
    wb = new_workbook()
    robust_sheet(wb, table, sample_rows, lines, case.settings.currency)
    return finish_study("robust", wb, out_path, lines, outcome, as_json,
                        {"samples": table_records(sample_rows),
                         "options": table_records(table)})
