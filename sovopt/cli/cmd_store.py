"""``sovopt store``: copy runs between two run stores and check a store's integrity.

A store is a folder (SQLite) or a ``postgresql://USER@HOST:PORT/DB`` URL; the
password, when the URL carries one, is never printed.
"""

from __future__ import annotations

import click

from sovopt.cli.app import StoreParam, cli, echo_err, emit_json, json_option, store_option
from sovopt.errors import SovoptError
from sovopt.runs import RunStore, UnknownRun
from sovopt.runs.copy import copy_runs


@cli.group()
def store() -> None:
    """Copy runs between run stores (SQLite folder or PostgreSQL), check a store."""


@store.command("copy")
@click.argument("src", type=StoreParam())
@click.argument("dst", type=StoreParam())
@click.option("--run", "run_ids", multiple=True,
              help="Copy only this run (repeatable; any unique prefix of its id).")
@json_option
def copy_command(src: str, dst: str, run_ids: tuple[str, ...], as_json: bool) -> None:
    """Copy the runs of SRC (with their tables and input workbooks) into DST.

    A run DST already holds is skipped, so copying again is harmless and an
    interrupted copy can be run again. DST is created if it does not exist.
    """
    if not RunStore.exists(src):
        raise UnknownRun(f"there is no run store in {src} to copy from")
    with RunStore(src) as source, RunStore(dst) as target:
        echo_err(f"copying runs from {source.where} to {target.where}")
        done = copy_runs(source, target, list(run_ids) or None, say=echo_err)
    echo_err(f"copied {len(done.copied)} run{'s' if len(done.copied) != 1 else ''}, "
             f"skipped {len(done.skipped)} already in {dst}")
    if as_json:
        emit_json({"from": str(src), "to": str(dst), "copied": done.copied,
                   "skipped": done.skipped})


@store.command("check")
@json_option
@store_option
def check_command(as_json: bool, store: str) -> None:
    """Run the integrity checks of a store: the database's own, the rows of every
    run against its catalogue, and every input workbook against its SHA-256."""
    if not RunStore.exists(store):
        raise UnknownRun(f"there is no run store in {store}")
    with RunStore(store) as st:
        echo_err(f"run store: {st.where}")
        verdict = st.integrity_check(blobs=True)
        n = len(st.list_runs())
    problems = [] if verdict == "ok" else verdict.split("; ")
    if as_json:
        emit_json({"store": str(store), "runs": n, "ok": not problems, "problems": problems,
                   **({"error": "the store has problems", "exit_code": 1} if problems else {})})
    if problems:
        raise SovoptError(f"the run store {store} has {len(problems)} problem(s): "
                          + "; ".join(problems))
    echo_err(f"ok: {n} run{'s' if n != 1 else ''}, every check passed")
