"""Benchmark of the run store: ``python -m bench.store`` (see bench/README.md).

On each back end (a SQLite folder, and a PostgreSQL database: ``--postgres URL``,
or a throwaway cluster started as the tests start theirs) it

1. solves the generated case of ``--size`` once and records that report as
   ``--compare`` real runs (one group, timed: seconds a run);
2. adds copies of those runs' rows (runs, KPIs, spend and dependence tables) in
   bulk up to ``--runs`` runs in all;
3. times listing every run (``RunStore.list_runs``, and ``sovopt runs --json`` as a
   command, imports included), the README's two SQL queries, and ``sovopt
   compare --group`` of the ``--compare`` real runs (``--json``).

Results are printed and written as JSON to ``bench/out/store-<date>.json``,
with the machine's load average (the numbers depend on what else runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.generate import generate_case
from bench.run import DEFAULT_OUT, REPO

#: The long result tables copied with each bulk run (what the README's queries read).
BULK_TABLES = ("spend", "dependence")


def _readme_queries() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sql\n(.*?)```", readme, re.S)


def _bulk_copies(store: Any, template: str, total: int) -> None:
    """Add copies of run ``template`` (row, KPIs, BULK_TABLES rows) until the store
    holds ``total`` runs, in batches of one transaction each."""
    from sqlalchemy import text

    from sovopt.runs.schema import ident, sql_table_name

    def read(conn: Any) -> tuple[dict, list[dict], dict[str, tuple[list[str], list[tuple]]],
                                 list[dict]]:
        row = dict(conn.execute(text("SELECT * FROM runs WHERE run_id = :r"),
                                {"r": template}).mappings().one())
        kpis = [dict(k) for k in conn.execute(text(
            "SELECT metric, position, value, text_value FROM kpis WHERE run_id = :r"),
            {"r": template}).mappings()]
        tables = {}
        for name in BULK_TABLES:
            res = conn.execute(text(f"SELECT * FROM {ident(sql_table_name(name))} "
                                    "WHERE run_id = :r"), {"r": template})
            tables[name] = (list(res.keys()), [tuple(r) for r in res])
        cat = [dict(c) for c in conn.execute(text(
            "SELECT name, position, n_rows, columns FROM result_tables WHERE run_id = :r "
            "AND name IN ('spend', 'dependence')"), {"r": template}).mappings()]
        return row, kpis, tables, cat

    row, kpis, tables, cat = store._read(read)
    for key in ("seq", "group_id", "group_point"):
        row.pop(key, None)
    have = len(store.list_runs(limit=None))
    batch = 500
    while have < total:
        n = min(batch, total - have)
        ids = [f"b{have + k:05d}-{secrets.token_hex(2)}" for k in range(n)]

        def write(conn: Any, ids: list[str] = ids) -> None:
            cols = list(row)
            conn.execute(text(f"INSERT INTO runs ({', '.join(cols)}) VALUES ("
                              + ", ".join(f":{c}" for c in cols) + ")"),
                         [{**row, "run_id": i, "label": f"bulk {i}"} for i in ids])
            conn.execute(text("INSERT INTO kpis (run_id, metric, position, value, text_value) "
                              "VALUES (:run_id, :metric, :position, :value, :text_value)"),
                         [{**k, "run_id": i} for i in ids for k in kpis])
            for name, (cols_, rows) in tables.items():
                marks = ", ".join(f":c{j}" for j in range(len(cols_)))
                conn.execute(text(f"INSERT INTO {ident(sql_table_name(name))} ("
                                  + ", ".join(ident(c) for c in cols_) + f") VALUES ({marks})"),
                             [{f"c{j}": (i if c == "run_id" else v)
                               for j, (c, v) in enumerate(zip(cols_, r, strict=True))}
                              for i in ids for r in rows])
            conn.execute(text("INSERT INTO result_tables (run_id, name, position, n_rows, "
                              "columns) VALUES (:run_id, :name, :position, :n_rows, :columns)"),
                         [{**c, "run_id": i} for i in ids for c in cat])

        store._write(write)
        have += n


def _timed(step: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = step()
    return time.perf_counter() - t0, value


def _command(args: list[str]) -> float:
    """Wall seconds of one ``sovopt`` command in a fresh process (must exit 0)."""
    t0 = time.perf_counter()
    cli = "import sys; from sovopt.cli import main; main(sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", cli, *args], capture_output=True,
                          text=True, cwd=REPO)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"sovopt {' '.join(args[:2])} failed: {done.stderr[-500:]}")
    return seconds


def bench_backend(location: str, report: Any, runs: int, compare: int) -> dict:
    """Every measurement on the store at ``location`` (a new, empty store)."""
    from sqlalchemy import create_engine, text

    from sovopt.runs import RunStore
    from sovopt.runs.connect import real_location

    result: dict[str, Any] = {}
    with RunStore(location) as store:
        gid = store.begin_group("bench", compare, name="bench")
        t0 = time.perf_counter()
        first = None
        for k in range(compare):
            rid = store.begin(None, f"real {k}", "bench", group=gid, point=k)
            store.finish(rid, report)
            first = first or rid
        result["record_s_per_run"] = (time.perf_counter() - t0) / compare
        store.finish_group(gid)
        _bulk_copies(store, first, runs)
        result["list_runs_s"], listed = _timed(lambda: store.list_runs())
        result["runs"] = len(listed)
    url = str(real_location(location))  # the command line needs the password itself
    result["cli_runs_json_s"] = _command(["runs", "--json", "--store", url])
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                           if "://" in url else f"sqlite:///{Path(url) / 'runs.sqlite'}")
    for k, sql in enumerate(_readme_queries(), 1):
        with engine.connect() as con:
            seconds, rows = _timed(lambda sql=sql, con=con: con.execute(text(sql)).fetchall())
        result[f"readme_query_{k}_s"] = seconds
        result[f"readme_query_{k}_rows"] = len(rows)
    engine.dispose()
    result["cli_compare_s"] = _command(["compare", "--group", "bench", "--json",
                                        "--store", url])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10_000, help="runs in each store [%(default)s]")
    ap.add_argument("--compare", type=int, default=50,
                    help="real runs recorded, then compared [%(default)s]")
    ap.add_argument("--size", default="S", help="generated case solved once [%(default)s]")
    ap.add_argument("--postgres", default=None, metavar="URL",
                    help="an empty PostgreSQL database (default: a throwaway cluster)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    from sovopt.pipeline import solve_and_report
    from sovopt.runs.connect import ServerLocation

    report = solve_and_report(generate_case(args.size), time_limit=60.0).report
    cluster = None
    if args.postgres is None:
        sys.path.insert(0, str(REPO))
        from tests.runs.postgres import start_cluster

        cluster = start_cluster()
        pg = cluster.url(cluster.new_database())
    else:
        pg = args.postgres
    record: dict[str, Any] = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                              "load_before": os.getloadavg(), "cpus": os.cpu_count(),
                              "size": args.size, "runs": args.runs, "compare": args.compare}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for name, where in (("sqlite", str(Path(folder) / "store")),
                                ("postgresql", ServerLocation(pg))):
                print(f"{name}: recording {args.compare} runs, then {args.runs} in all",
                      flush=True)
                record[name] = bench_backend(where, report, args.runs, args.compare)
                print(json.dumps(record[name], indent=1), flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
    record["load_after"] = os.getloadavg()
    print(f"load average before {record['load_before']}, after {record['load_after']} "
          f"on {record['cpus']} cores")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"store-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(record, indent=1, default=str))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
