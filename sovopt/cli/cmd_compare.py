"""``sovopt compare RUN_A RUN_B [...]``: runs side by side, in the terminal and in Excel.

The first run is the base; every delta is "this run minus the base". The
terminal shows the KPI deltas, the options started / dropped / changed, the
largest spend shifts between countries, dependence per capability where it
moved, and the input cells that differ. ``--out CMP.xlsx`` writes the
comparison workbook; ``--json`` prints every comparison table as one JSON
object instead of the terminal tables.
"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
from rich.table import Table

from sovopt.cli.app import cli, echo_err, store_option
from sovopt.cli.cmd_runs import console, fmt, fmt_delta, new_table, open_store, print_json, records
from sovopt.comparison import NO_RESULT, Comparison, compare, spend_shift_by_country
from sovopt.errors import EXIT_USAGE, SovoptError
from sovopt.outputs import summary_quantity
from sovopt.run_names import resolve_run
from sovopt.tolerance import WITHIN

#: Rows shown per terminal table (the workbook has them all).
TOP_ROWS = 15


@cli.command(name="compare")
@click.argument("run_ids", nargs=-1, required=False, metavar="RUN_A RUN_B [RUN_C ...]")
@click.option("--group", "group", default=None,
              help="Compare the runs of this group (a sweep, frontier or robust study), "
                   "in the order of their points; runs given as well come first.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the comparison workbook (.xlsx) here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@store_option
def compare_command(run_ids: tuple[str, ...], group: str | None, out: Path | None,
                    as_json: bool, store: str) -> None:
    """Compare stored runs: KPI deltas, options added / dropped / changed, spend
    shifted between countries, dependence per capability, input differences.

    The first run is the base. Runs may be named by full id, run number (r7),
    unique prefix or label (`sovopt compare base tight`); `--group G` adds every
    run of a study's group. A difference smaller than the two runs' gaps allow is
    marked ≈ (within the solver's tolerance).
    """
    if out is not None and out.suffix.lower() != ".xlsx":
        raise SovoptError(f"{out}: the file name must end in .xlsx", exit_code=EXIT_USAGE)
    with open_store(store) as st:
        ids = []
        for name in run_ids:
            rid, note = resolve_run(st, name)
            if note:
                echo_err(f"note: {note}")
            ids.append(rid)
        if group:
            ids += [r for r in st.group_run_ids(group) if r not in ids]
        if len(ids) < 2:
            raise click.UsageError("give at least two runs to compare (or --group G)")
        reports = [st.get(r) for r in ids]
        inputs = []
        for rep in reports:
            try:
                inputs.append(st.input_bytes(rep.summary["run_id"]))
            except SovoptError:
                inputs.append(None)
    for rep in reports:
        if not rep.tables:
            echo_err(f"warning: run {rep.summary['run_id']} has no results (status "
                     f"{rep.summary.get('status')})", fg="yellow")
    comparison = compare(reports, inputs)
    for note in comparison.notes:
        echo_err(f"note: {note}")
    if out is not None:
        from sovopt.workbook.compare_sheets import write_comparison

        write_comparison(comparison, out)
        echo_err(f"wrote the comparison workbook {out}")
    if as_json:
        print_json({**{name: records(df) for name, df in comparison.tables().items()},
                    "notes": comparison.notes})
        return
    print_comparison(comparison)


def print_comparison(c: Comparison) -> None:
    """The terminal tables of a comparison."""
    out = console()
    out.print(kpi_table(c))
    for table in (options_table(c), spend_table(c), dependence_table(c), inputs_table(c)):
        out.print(table)


def without_result(c: Comparison) -> str:
    """`` (r0002-ab12 has no result: infeasible)`` for runs without a portfolio."""
    r = c.runs[c.runs["status"].isin(NO_RESULT)]
    if r.empty:
        return ""
    return " (" + "; ".join(f"{x.run_id} has no result: {x.status}"
                            for x in r.itertuples()) + ")"


def kpi_table(c: Comparison) -> Table:
    """metric | base value | each other run's value and delta."""
    others = c.run_ids[1:]
    heads = headings(c)
    table = new_table(f"KPIs (base {heads[c.base]})")
    table.add_column("metric")
    table.add_column(heads[c.base], justify="right", no_wrap=True)
    for r in others:
        table.add_column(heads[r], justify="right", no_wrap=True)
        table.add_column("Δ", justify="right", no_wrap=True)
    near = False
    for metric, g in c.kpis.groupby("metric", sort=False):
        g = g.set_index("run_id")
        q = summary_quantity(str(metric))
        cells = [q.text(g.at[c.base, "value"], c.currency or "")]
        for r in others:
            delta = q.delta_text(g.at[r, "delta"], c.currency or "")
            if "tolerance" in g.columns and g.at[r, "tolerance"] == WITHIN:
                delta, near = f"≈ {delta}", True
            cells += [q.text(g.at[r, "value"], c.currency or ""), delta]
        table.add_row(q.label, *cells)
    if near:
        table.caption = f"≈: {WITHIN} (the difference is smaller than the runs' gaps allow)"
    return table


def headings(c: Comparison) -> dict[str, str]:
    """Each run's column heading: its label where it has one (label and id when two
    runs share it), else its id."""
    labels = {r.run_id: (r.label if isinstance(r.label, str) and r.label.strip() else None)
              for r in c.runs.itertuples()}
    counts: dict[str, int] = {}
    for label in labels.values():
        if label:
            counts[label] = counts.get(label, 0) + 1
    return {rid: (rid if not label else label if counts[label] == 1 else f"{label} ({rid})")
            for rid, label in labels.items()}


def options_table(c: Comparison) -> Table | str:
    """Options started, dropped or changed in each run against the base."""
    o = c.options[c.options["change"].isin(["started", "dropped", "changed"])]
    if o.empty:
        return "options: no change against the base" + without_result(c)
    table = new_table("Options added / dropped / changed")
    for col in ("run", "option", "capability", "supplier (country)", "mode", "change",
                "units Δ", "cost Δ"):
        table.add_column(col, justify="right" if "Δ" in col else "left")
    for _, r in o.head(TOP_ROWS * 2).iterrows():
        table.add_row(r["run_id"], str(r["option_id"]), str(r["capability_id"]),
                      f"{r['supplier_id']} ({r['country_id']})", str(r["mode"]), r["change"],
                      fmt_delta(r["units_delta"]), fmt_delta(r["cost_delta"]))
    if len(o) > TOP_ROWS * 2:
        table.caption = f"... and {len(o) - TOP_ROWS * 2} more (see --out)"
    return table


def spend_table(c: Comparison) -> Table | str:
    """The largest spend shifts between countries over the horizon."""
    s = spend_shift_by_country(c)
    s = s[s["delta"].abs() > 1e-9]
    if s.empty:
        return "spend: no shift between countries" + without_result(c)
    table = new_table("Top spend shifts by country (whole horizon)")
    for col in ("run", "country", "amount", "Δ vs base"):
        table.add_column(col, justify="left" if col in ("run", "country") else "right")
    for _, r in s.head(TOP_ROWS).iterrows():
        table.add_row(r["run_id"], str(r["country_id"]), fmt(r["amount"]),
                      fmt_delta(r["delta"]))
    return table


def dependence_table(c: Comparison) -> Table | str:
    """Capabilities whose dependence moved: HHI, largest foreign share, worst loss."""
    d = c.dependence[c.dependence["run_id"] != c.base]
    deltas = ["hhi_max_delta", "top_foreign_share_delta", "worst_scenario_loss_delta"]
    moved = d[d[deltas].abs().fillna(0).gt(1e-9).any(axis=1)]
    if moved.empty:
        return "dependence: unchanged for every capability" + without_result(c)
    table = new_table("Dependence per capability (worst year)")
    for col in ("run", "capability", "HHI max", "Δ", "top foreign", "Δ", "worst loss", "Δ"):
        table.add_column(col, justify="left" if col in ("run", "capability") else "right")
    for _, r in moved.head(TOP_ROWS).iterrows():
        top = fmt(r["top_foreign_share"])
        if isinstance(r["top_foreign_country"], str):
            top = f"{top} ({r['top_foreign_country']})"
        table.add_row(r["run_id"], str(r["capability_id"]), fmt(r["hhi_max"]),
                      fmt_delta(r["hhi_max_delta"]), top,
                      fmt_delta(r["top_foreign_share_delta"]),
                      fmt(r["worst_scenario_loss"]),
                      fmt_delta(r["worst_scenario_loss_delta"]))
    return table


def inputs_table(c: Comparison) -> Table | str:
    """Input cells that differ from the base run's workbook."""
    d = c.inputs
    if d.empty:
        return "inputs: no differences" if not c.notes else "inputs: not compared"
    table = new_table("Input differences")
    for col in ("run", "cell", "sheet", "id", "column", "change", "base", "this run"):
        table.add_column(col)
    for _, r in d.head(TOP_ROWS * 2).iterrows():
        table.add_row(*(("" if pd.isna(v) else fmt(v) if isinstance(v, float) else str(v))
                        for v in (r["run_id"], r["cell"] or r["base_cell"], r["sheet"],
                                  r["id"], r["column"], r["change"], r["base_value"],
                                  r["other_value"])))
    if len(d) > TOP_ROWS * 2:
        table.caption = f"... and {len(d) - TOP_ROWS * 2} more (see --out)"
    return table
