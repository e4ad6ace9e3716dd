"""``sovopt runs``: the run history (list, show, export, delete).

``sovopt runs`` alone lists the runs, newest first. Tables go to stdout (they
are the output); messages go to stderr; with ``--json`` stdout carries exactly
one JSON object. Every command takes ``--store DIR|URL`` (or ``SOVOPT_STORE``),
given either to ``runs`` or to the subcommand. Reading commands never create
a store: an absent store is reported, not made.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import click
import pandas as pd
from click.core import ParameterSource
from rich import box
from rich.console import Console
from rich.table import Table

from sovopt.cli.app import cli, echo_err, emit_json, json_option, store_option
from sovopt.cli.options import confirm_or_usage
from sovopt.errors import EXIT_USAGE, SovoptError
from sovopt.outputs import (
    RUN_LIST_KEYS,
    RUN_LIST_NARROW,
    column,
    summary_lines,
    summary_quantity,
)
from sovopt.report import Report
from sovopt.runs import RunStore, UnknownRun
from sovopt.status import Status

#: The run list shows RUN_LIST_KEYS (output schema), RUN_LIST_NARROW below WIDE columns.
WIDE = 100

STATUS_STYLE = {Status.OPTIMAL: "green", Status.TIME_LIMIT: "yellow",
                Status.FEASIBLE: "green", Status.STRESS: "cyan", Status.VIOLATED: "red",
                Status.RUNNING: "yellow", Status.INTERRUPTED: "yellow", Status.FAILED: "red",
                Status.INFEASIBLE: "red", Status.NO_SOLUTION: "red",
                Status.SOLVER_ERROR: "red"}


# --------------------------------------------------------------------------- shared helpers


#: Width of tables written to a file or pipe (no terminal to fit; never crop).
PIPE_WIDTH = 200


def console() -> Console:
    """A rich console on the current stdout (tables are the command's output): as
    wide as the terminal, or PIPE_WIDTH when stdout is a file or a pipe."""
    out = Console(file=sys.stdout, highlight=False)
    if not out.is_terminal:
        out = Console(file=sys.stdout, highlight=False, width=PIPE_WIDTH)
    return out


def store_folder(ctx: click.Context, store: str) -> str:
    """The store a subcommand uses: its own ``--store`` if given, else the one given
    to ``sovopt runs`` (which falls back to SOVOPT_STORE or .sovopt)."""
    if ctx.get_parameter_source("store") in (ParameterSource.DEFAULT, None):
        parent = (ctx.parent.params.get("store") if ctx.parent else None) or store
        return parent if isinstance(parent, str) else str(parent)
    return store


def open_store(folder: str) -> RunStore:
    """The existing store in ``folder``; a clear error if there is none."""
    if not RunStore.exists(folder):
        raise UnknownRun(f"there is no run store in {folder} (solve a case first, or give "
                         "--store DIR / SOVOPT_STORE)")
    store = RunStore(folder)
    echo_err(f"run store: {folder}" + (" (read-only)" if store.read_only else ""))
    return store


def new_table(title: str | None = None, **kw: Any) -> Table:
    """A compact rich table (no vertical rules: terminals are narrow)."""
    return Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
                 pad_edge=False, **kw)


def fmt_delta(value: Any) -> str:
    """A delta for the terminal: signed, blank when zero or missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == 0:
        return ""
    return fmt(value, signed=True)


def fmt(value: Any, signed: bool = False) -> str:
    """A number for the terminal: thousands separators for large values, four
    significant digits for small ones, blank for missing; ``+`` when ``signed``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if not isinstance(value, int | float):
        return str(value)
    sign = "+" if signed else ""
    if abs(value) >= 1000:
        return f"{value:{sign},.0f}"
    return f"{value:{sign}.4g}"


def local_time(value: Any) -> str:
    """A stored UTC time as local time, to the minute."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.to_pydatetime().astimezone().strftime("%Y-%m-%d %H:%M")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records (NaN as null, times as ISO text)."""
    return json.loads(df.to_json(orient="records", date_format="iso"))


def print_json(obj: Any) -> None:
    """Exactly one JSON object on stdout."""
    emit_json(obj)


def text(value: Any) -> str:
    """A text cell of a run list: blank for a missing value (None, NaN, NA), which a
    DataFrame holds as a float once some runs have the value and some do not."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def status_text(status: str) -> str:
    style = STATUS_STYLE.get(status)
    return f"[{style}]{status}[/]" if style else status


# --------------------------------------------------------------------------- runs (list)


@cli.group(invoke_without_command=True)
@click.option("--case", "case", default=None, help="Only runs whose case name contains this.")
@click.option("--label", default=None, help="Only runs whose label contains this.")
@click.option("--status", default=None,
              help="Only runs with this status (optimal, time_limit, interrupted, infeasible, "
                   "no_solution, solver_error, failed, feasible / violated for stress tests, "
                   "running).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@click.option("--group", "group", default=None,
              help="Only the runs of this group (a study), in the order of their points.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@store_option
@click.pass_context
def runs(ctx: click.Context, case: str | None, label: str | None, status: str | None,
         limit: int | None, group: str | None, as_json: bool, store: str) -> None:
    """The run history, newest first: id, time, label, input workbook, case, status,
    key KPIs.

    `sovopt runs show RUN_ID`, `sovopt runs export RUN_ID` and `sovopt runs delete
    RUN_ID` act on one run; RUN_ID may be the full id, its number (r7) or a unique
    prefix.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not RunStore.exists(store):
        if as_json:
            print_json({"store": str(store), "runs": []})
        else:
            echo_err(f"no runs yet: there is no run store in {store}")
        return
    with RunStore(store) as st:
        df = st.list(case=case, label=label, status=status, limit=limit, group=group)
        info = st.group_info(group) if group else None
    if as_json:
        print_json({"store": str(store), "runs": records(df),
                    **({"group": {k: v for k, v in info.items()}} if info else {})})
        return
    if info:
        echo_err(f"group {info['group']} ({info['kind']}): {info['status']}, "
                 f"{info['done']} of {info['total']} points"
                 + (f", {info['failed']} failed" if info["failed"] else ""))
    if df.empty:
        echo_err(f"no runs in {store} match" if (case or label or status or group) else
                 f"no runs yet in {store}")
        return
    out = console()
    out.print(runs_table(df, narrow=out.width < WIDE))
    echo_err(f"{len(df)} run{'s' if len(df) != 1 else ''} in {store}")


def runs_table(df: pd.DataFrame, narrow: bool = False) -> Table:
    """The run list as a rich table; a ``narrow`` one shows fewer KPIs (cost, HHI)."""
    kpis = [summary_quantity(k) for k in (RUN_LIST_NARROW if narrow else RUN_LIST_KEYS)]
    table = new_table()
    table.add_column("run", no_wrap=True)
    table.add_column("created", no_wrap=True)
    table.add_column("label", min_width=8)
    table.add_column("input", min_width=8)
    if not narrow:
        table.add_column("case", min_width=8)
    table.add_column("status", no_wrap=True)
    for q in kpis:
        table.add_column(q.brief, justify="right", overflow="fold")
    for _, r in df.iterrows():
        case = [] if narrow else [text(r["case_name"])]
        table.add_row(r["run_id"], local_time(r["created"]), text(r["label"]),
                      text(r["input_name"]), *case, status_text(r["status"]),
                      *(q.text(r[q.key]) for q in kpis))
    return table


# --------------------------------------------------------------------------- runs groups


@runs.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@store_option
@click.pass_context
def groups(ctx: click.Context, as_json: bool, store: str) -> None:
    """The groups of runs made by sweep, frontier and robust, newest first."""
    with open_store(store_folder(ctx, store)) as st:
        df = st.groups()
    if as_json:
        print_json({"store": str(store), "groups": records(df)})
        return
    if df.empty:
        echo_err("no groups yet")
        return
    table = new_table()
    for head in ("group", "kind", "created", "status", "points", "failed", "case"):
        table.add_column(head, no_wrap=head in ("group", "created"))
    for _, g in df.iterrows():
        table.add_row(g["group"], g["kind"], local_time(g["created"]), g["status"],
                      f"{g['done']}/{g['total']}", str(g["failed"] or ""), g["case_name"] or "")
    console().print(table)


# --------------------------------------------------------------------------- runs show


@runs.command()
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@store_option
@click.pass_context
def show(ctx: click.Context, run_id: str, as_json: bool, store: str) -> None:
    """One run: what was solved (input, settings, preset, versions), its KPIs,
    its portfolio and its tables."""
    with open_store(store_folder(ctx, store)) as st:
        report = st.get(run_id)
    if as_json:
        print_json({"run": _jsonable(report.run), "summary": _jsonable(report.summary),
                    "tables": {name: len(df) for name, df in report.tables.items()}})
        return
    out = console()
    out.print(run_info_table(report))
    out.print(summary_table(report))
    portfolio = report.tables.get("portfolio")
    if portfolio is not None and not portfolio.empty:
        out.print(frame_table(portfolio, "Portfolio", table="portfolio",
                              currency=_currency(report)))
    if report.tables:
        names = ", ".join(f"{n} ({len(df)})" for n, df in report.tables.items())
        out.print(f"tables: {names}")
    elif report.summary.get("status") in (Status.RUNNING, Status.INTERRUPTED, Status.FAILED):
        out.print("no results recorded")


def _jsonable(value: Any) -> Any:
    """Plain JSON values (NaN as null)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return _jsonable(value.item())
    return value


def run_info_table(report: Report) -> Table:
    """Key/value table of a run's metadata."""
    r = report.run
    table = new_table(f"Run {r.get('run_id')}", show_header=False)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("value")
    settings = r.get("settings") or {}
    rows = [
        ("label", r.get("label")), ("status", status_text(str(r.get("status")))),
        ("message", r.get("message")),
        ("group", f"{r['group']}, point {r.get('point')}" if r.get("group") else None),
        ("created", local_time(r.get("created"))), ("finished", local_time(r.get("finished"))),
        ("case", r.get("case_name")), ("input", r.get("input_name")),
        ("input SHA-256", r.get("input_sha256")),
        ("preset", "\n".join(preset_lines(r.get("preset")))),
        ("settings", ", ".join(f"{k}={v}" for k, v in settings.items())),
        ("versions", ", ".join(f"{k} {v}" for k, v in (r.get("versions") or {}).items())),
        ("timings", ", ".join(f"{k} {fmt(v)} s" for k, v in (r.get("timings") or {}).items())),
    ]
    for key, value in rows:
        if value not in (None, ""):
            table.add_row(key, str(value))
    return table


def summary_table(report: Report) -> Table:
    """The Summary metrics of a run."""
    table = new_table("Summary")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for q, text in summary_lines(report.summary, _currency(report)):
        table.add_row(q.label, text)
    return table


def _currency(report: Report) -> str:
    settings = report.run.get("settings") or {}
    return str(settings.get("currency") or "") if isinstance(settings, dict) else ""


def preset_lines(preset: Any) -> list[str]:
    """A stored preset as people read it: its name, then each level in order with its
    weighted terms, its gap and its time weight (a preset stored by name: the name)."""
    if not isinstance(preset, dict):
        return [] if preset in (None, "") else [str(preset)]
    head = str(preset.get("name") or "custom")
    if preset.get("description"):
        head += f": {preset['description']}"
    lines = [head]
    for k, level in enumerate(preset.get("levels") or [], 1):
        terms = " + ".join(f"{fmt(w)} × {t}" if w != 1 else str(t)
                           for t, w in (level.get("terms") or {}).items())
        gap = level.get("gap") or {}
        extra = [f"{key} gap {fmt(gap[key])}" for key in ("relative", "absolute")
                 if gap.get(key) is not None]
        if level.get("time_weight") is not None:
            extra.append(f"time weight {fmt(level['time_weight'])}")
        lines.append(f"level {k} {level.get('name', '')}: {terms}"
                     + (f" ({', '.join(extra)})" if extra else ""))
    if preset.get("switch_off"):
        lines.append("switched off: " + ", ".join(map(str, preset["switch_off"])))
    return lines


def frame_table(df: pd.DataFrame, title: str, max_rows: int = 40, table: str | None = None,
                currency: str = "") -> Table:
    """A DataFrame as a rich table (the first ``max_rows`` rows); the columns of a
    result ``table`` are headed and formatted as sovopt/outputs.py says."""
    out = new_table(title)
    quantities = [column(table, str(c)) if table else None for c in df.columns]
    for c, q in zip(df.columns, quantities, strict=True):
        numeric = pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        out.add_column(q.heading(currency) if q else str(c),
                       justify="right" if numeric else "left")
    for rec in df.head(max_rows).itertuples(index=False):
        out.add_row(*(q.text(v, currency) if q else fmt(v) if isinstance(v, float) else str(v)
                      for v, q in zip(rec, quantities, strict=True)))
    if len(df) > max_rows:
        out.caption = f"... and {len(df) - max_rows} more rows"
    return out


# --------------------------------------------------------------------------- runs export


def default_export_name(report: Report) -> Path:
    """``<input stem>.<run id>.results.xlsx`` in the current folder."""
    stem = Path(str(report.run.get("input_name") or "run")).stem
    return Path(f"{stem}.{report.summary['run_id']}.results.xlsx")


@runs.command()
@click.argument("run_id")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Results workbook to write  [default: <case>.<run id>.results.xlsx]")
@click.option("--input", "input_out", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the stored input workbook to this file.")
@json_option
@store_option
@click.pass_context
def export(ctx: click.Context, run_id: str, out: Path | None, input_out: Path | None,
           as_json: bool, store: str) -> None:
    """Write a stored run's results workbook (and, with --input, the exact input
    workbook it was solved from)."""
    with open_store(store_folder(ctx, store)) as st:
        report = st.get(run_id)
        data = st.input_bytes(report.summary["run_id"]) if input_out else None
    if not report.tables:
        raise SovoptError(f"run {report.summary['run_id']} has no results to export (status "
                          f"{report.summary.get('status')})")
    out = out or default_export_name(report)
    if out.suffix.lower() != ".xlsx":
        raise SovoptError(f"{out}: the file name must end in .xlsx", exit_code=EXIT_USAGE)
    from sovopt.workbook.results import write_results

    settings = report.run.get("settings") or {}
    write_results(report, out, settings.get("currency") or "EUR")
    echo_err(f"wrote the results of run {report.summary['run_id']} to {out}")
    if input_out is not None and data is not None:
        from sovopt.workbook.atomic import write_bytes_atomic

        write_bytes_atomic(data, input_out)
        echo_err(f"wrote its input workbook to {input_out}")
    if as_json:
        emit_json({"run_id": report.summary["run_id"], "results": str(out),
                   "input": str(input_out) if input_out is not None else None})


# --------------------------------------------------------------------------- runs delete


@runs.command()
@click.argument("run_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True, help="Delete even a run whose process is still running.")
@json_option
@store_option
@click.pass_context
def delete(ctx: click.Context, run_id: str, yes: bool, force: bool, as_json: bool,
           store: str) -> None:
    """Delete a run and its results (its input workbook too, if no other run uses it)."""
    with open_store(store_folder(ctx, store)) as st:
        info = st.info(run_id)
        rid = info["run_id"]
        what = f"run {rid}" + (f" ({info['label']})" if info["label"] else "")
        if not yes and not confirm_or_usage(f"delete {what}?"):
            echo_err("nothing deleted")
            if as_json:
                emit_json({"deleted": None})
            return
        st.delete(rid, force=force)
    echo_err(f"deleted {what}")
    if as_json:
        emit_json({"deleted": rid})
