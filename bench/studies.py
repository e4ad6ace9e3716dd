"""Benchmark of the studies: ``python -m bench.studies frontier|sweep`` (see bench/README.md).

``frontier``: one ``sovopt solve`` of a generated case (its Settings preset,
time limit T), then a frontier of N points on the same case with the
frontier's default time budget, 3·T, shared over its N + 2 optimisations (two
per end, one per level); reports both wall times, the ratio (budget: ≤ 3) and
each point's status and gap (a frontier that keeps to its time with large
gaps shows them there), then each point against the best known plans of that
case and measure (:mod:`bench.best_frontier`; budget: within 2 % of the best
known cost at its bound, none dominated).

``sweep``: P points of a budget sweep solved one after the other in this
process (the single-process throughput), then the same points on a dask
LocalCluster of W single-threaded workers; reports points per minute and the
ratio (budget: ≥ 1.7 with 2 workers). The cluster's start is timed apart.

Results are printed and written as JSON to ``bench/out/studies-<kind>-<date>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

from bench import best_frontier
from bench.generate import generate_case
from bench.run import DEFAULT_OUT, short_commit


def bench_frontier(size: str, points: int, time_limit: float, measure: str,
                   seed: int = 0, columns: bool = True, solve: bool = True,
                   columns_share: float | None = None) -> dict:
    from sovopt import level_methods, time_budget
    from sovopt.isolated import cpu_seconds
    from sovopt.studies.frontier import FrontierSpec, frontier_points, frontier_table

    if not columns:  # HiGHS alone at every point, for the A/B
        level_methods.POOLED_COLUMNS_MIN_INTEGERS = 10**12
    if columns_share is not None:
        time_budget.COLUMNS_SHARE = columns_share
    case = generate_case(size, seed=seed)
    load = os.getloadavg()[0]
    solve_s = one_status = one_gap = None
    if solve:
        from sovopt.solver import solve_case

        t0 = time.perf_counter()
        one = solve_case(case, time_limit=time_limit)
        solve_s, one_status, one_gap = time.perf_counter() - t0, one.status, one.gap
        print(f"one solve of {size}: {solve_s:.1f} s, status {one_status}, gap {one_gap:.2%}",
              flush=True)
    total = 3 * time_limit
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    found = frontier_points(case, FrontierSpec(measure, points, total),
                            say=lambda m: print(f"  [{time.perf_counter() - t0:6.1f} s] {m}",
                                                flush=True))
    frontier_s, frontier_cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    table = frontier_table(found, {})
    reference = solve_s if solve_s is not None else time_limit
    ratio = frontier_s / reference
    print(table[["point", "role", "measure", "cost", "cost_bound", "found_by", "bound_from",
                 "columns_priced", "gap", "status", "knee"]].to_string())
    verdict = "PASS" if ratio <= 3 else "MISS"
    against = (f"one solve ({solve_s:.1f} s)" if solve_s is not None
               else f"the time limit ({time_limit:g} s, no solve run)")
    print(f"{verdict}  {points}-point frontier ({measure}) on {size} seed {seed}, column "
          f"pool {'on' if columns else 'off'}: {frontier_s:.1f} s wall, {frontier_cpu:.1f} s "
          f"CPU = {ratio:.2f}× {against}; budget ≤ 3×; load {load:.2f} at the start")
    records = json.loads(table.to_json(orient="records"))
    known = best_frontier.load(size, seed, measure)
    best_verdict = None
    if known is None:
        print(f"n/a   every point within {best_frontier.WITHIN:.0%} of the best known for its "
              f"bound: no best known plans for {size} seed {seed} ({measure})")
    else:
        rows = best_frontier.against(records, known["plans"])
        print("\n".join(best_frontier.lines(rows)))
        ok, text = best_frontier.verdict(rows, records)
        best_verdict = "PASS" if ok else "MISS"
        print(f"{best_verdict}  every point within {best_frontier.WITHIN:.0%} of the best "
              f"known for its bound, no point dominated: {text}")
    return {"kind": "frontier", "size": size, "seed": seed, "points": points,
            "commit": short_commit(), "best_known_verdict": best_verdict,
            "measure": measure, "columns": columns,
            "columns_share": time_budget.COLUMNS_SHARE if columns else None,
            "time_limit_s": time_limit, "frontier_time_limit_s": total,
            "one_solve_s": solve_s, "one_solve_status": one_status, "one_solve_gap": one_gap,
            "frontier_s": frontier_s, "frontier_cpu_s": frontier_cpu, "load": load,
            "ratio": ratio, "verdict": verdict,
            "table": records}


def bench_sweep(size: str, points: int, workers: int, time_limit: float) -> dict:
    from sovopt.executors import DaskExecutor
    from sovopt.runs import RunStore
    from sovopt.studies.record import run_study
    from sovopt.studies.sweep import sweep_tasks
    from sovopt.studies.tasks import pack_case, run_task
    from sovopt.variation import parse_vary

    case = generate_case(size)
    tasks = sweep_tasks([parse_vary(f"budget=0.9:1.1:{points - 1}", case)],
                        time_limit=time_limit)
    blob = pack_case(case)
    t0 = time.perf_counter()
    serial = [run_task(blob, t) for t in tasks]
    serial_s = time.perf_counter() - t0
    print(f"single process: {len(tasks)} points in {serial_s:.1f} s", flush=True)
    t0 = time.perf_counter()
    ex = DaskExecutor(None, workers)
    start_s = time.perf_counter() - t0
    try:
        with tempfile.TemporaryDirectory() as store_dir, RunStore(store_dir) as store:
            t0 = time.perf_counter()
            outcome = run_study(ex, store, "sweep", case, None, tasks, {})
            cluster_s = time.perf_counter() - t0
    finally:
        ex.close()
    same = all(outcome.points[p.index].report.summary["total_cost"]
               == p.report.summary["total_cost"] for p in serial)
    ratio = serial_s / cluster_s
    verdict = "PASS" if ratio >= 1.7 else "MISS"
    print(f"LocalCluster ({workers} workers, started in {start_s:.1f} s): {len(tasks)} points "
          f"in {cluster_s:.1f} s; same results: {same}")
    print(f"{verdict}  sweep throughput on {size}: {60 * len(tasks) / cluster_s:.1f} points/min "
          f"on {workers} workers vs {60 * len(tasks) / serial_s:.1f} in one process = "
          f"{ratio:.2f}×; budget ≥ 1.7×")
    return {"kind": "sweep", "size": size, "points": len(tasks), "workers": workers,
            "time_limit_s": time_limit, "single_process_s": serial_s,
            "cluster_start_s": start_s, "cluster_s": cluster_s, "ratio": ratio,
            "same_results": same, "verdict": verdict,
            "statuses": [p.status for p in serial]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.studies", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="kind", required=True)
    f = sub.add_parser("frontier")
    f.add_argument("--size", default="M")
    f.add_argument("--points", type=int, default=10)
    f.add_argument("--time-limit", type=float, default=60.0)
    f.add_argument("--measure", default="cvar")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--columns", choices=("on", "off"), default="on",
                   help="column generation on one pool where the solve's rule says so "
                        "(on), or HiGHS alone at every point (off)")
    f.add_argument("--columns-share", type=float,
                   help="share of each optimisation's time for column generation "
                        "(default: sovopt.time_budget.COLUMNS_SHARE)")
    f.add_argument("--no-solve", action="store_true",
                   help="skip the one solve; the ratio is then against the time limit")
    s = sub.add_parser("sweep")
    s.add_argument("--size", default="S")
    s.add_argument("--points", type=int, default=8)
    s.add_argument("--workers", type=int, default=2)
    s.add_argument("--time-limit", type=float, default=60.0)
    for p in (f, s):
        p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if args.kind == "frontier":
        record = bench_frontier(args.size, args.points, args.time_limit, args.measure,
                                args.seed, args.columns == "on", not args.no_solve,
                                args.columns_share)
    else:
        record = bench_sweep(args.size, args.points, args.workers, args.time_limit)
    record["when"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"studies-{args.kind}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(record, indent=1, default=str))
    print(f"wrote {path}")
    return 0 if record["verdict"] == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
