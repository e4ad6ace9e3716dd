"""``sovopt solve CASE.xlsx``: validate, prepare, build, solve level by level, report.

Exit codes (product.md): 0 solved (optimal, or feasible within the limits),
1 invalid input, 3 infeasible (the diagnosis is printed), 4 no solution
within the time limit.
"""

from __future__ import annotations

import click

from sovopt.cli.app import cli, echo_err, print_problems
from sovopt.model.relaxation import fmt
from sovopt.solve import SolveResult, solve_case
from sovopt.workbook.read import read_case


def print_outcome(result: SolveResult) -> None:
    """Status, levels, cost and portfolio (or the diagnosis) on stderr."""
    d = result.data
    if len(d.excluded):
        for _, ex in d.excluded.iterrows():
            echo_err(f"note: option {ex['option_id']} excluded: {ex['reason']}")
    if result.status == "infeasible":
        echo_err("infeasible: no portfolio meets every limit of the case. To make it "
                 "feasible:", fg="red")
        for r in result.diagnosis:
            echo_err(f"  - {r.message}")
        if not result.diagnosis:
            echo_err("  (no single limit sovopt can relax explains it; check lead times, "
                     "minimum orders and mandatory options)")
        return
    if result.status == "no_solution":
        echo_err(f"no solution found within the time limit of {result.time_limit:g} s; "
                 "raise --time-limit", fg="red")
        return
    echo_err(f"status: {result.status}" + (f" (gap {result.gap:.2%})" if result.gap else ""))
    for k, lv in enumerate(result.levels, start=1):
        value = "" if lv.value is None else f" = {lv.value:.6g}"
        echo_err(f"  level {k} {lv.name}: {lv.status}{value}")
    opts = d.options
    cur = d.case.settings.currency
    for _, s in result.portfolio.starts.iterrows():
        o = s["option_id"]
        units = result.portfolio.deliveries.loc[
            result.portfolio.deliveries["option_id"] == o, "units"].sum()
        echo_err(f"  {o}: {opts.loc[o, 'capability_id']} from {opts.loc[o, 'supplier_id']} "
                 f"({opts.loc[o, 'mode']}), start {int(s['start_year'])}, {fmt(units)} units")
    spent = result.term_values.get("cost", 0.0) * d.total_budget
    echo_err(f"total cost: {fmt(spent)} {cur} of {fmt(d.total_budget)} {cur} budget")


@cli.command()
@click.argument("case_path", metavar="CASE.xlsx", type=click.Path(dir_okay=False))
@click.option("--objective", "objective", default=None,
              help="Preset name (min_dependence, min_cost, balanced) or a preset .yaml file; "
                   "default: Settings objective.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds for the whole solve (default: Settings time_limit_s).")
@click.option("--gap", type=click.FloatRange(0, 1), default=None,
              help="Relative MIP gap (default: Settings mip_gap).")
def solve(case_path: str, objective: str | None, time_limit: float | None,
          gap: float | None) -> int:
    """Solve CASE.xlsx and print the portfolio."""
    case, warnings = read_case(case_path)
    print_problems(warnings)
    result = solve_case(case, objective, time_limit, gap,
                        progress=lambda phase: echo_err(f"{phase} ..."))
    print_outcome(result)
    return result.exit_code
