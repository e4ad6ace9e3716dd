"""The benchmark driver: ``python -m bench`` (see bench/README.md).

For each size it writes the generated case to a workbook, then runs the
whole of ``sovopt solve`` on it in a fresh child process per repeat
(:mod:`bench.child`), exports the first optimised level as MPS, and solves
that MPS with highspy alone in another fresh process (the yardstick). It
prints one table per size and the budgets as PASS/MISS lines, and writes
everything as JSON to ``<out>/bench-<date>.json`` and ``<out>/latest.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.generate import SIZES, SizeSpec, generate_case, size_spec
from bench.tables import (
    budgets,
    comparison_table,
    size_table,
    solve_seconds,
    summarise,
)

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_OUT = BENCH_DIR / "out"
DEFAULT_SIZES = "S,R,M,L,XL"
# --- running children ---------------------------------------------------------------------


def _memory_total_mb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def _rss_mb(pid: int) -> float | None:
    """Current resident memory of process ``pid`` in MB (Linux), or None."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


#: A child above this resident memory is stopped (the machine must not start swapping
#: or invoke the OOM killer on something else); 85 % of physical memory.
MEMORY_GUARD_MB = 0.85 * (_memory_total_mb() or 16 * 1024)


def _child(args: list[str], json_path: Path, timeout: float) -> dict[str, Any]:
    """Run ``python -m bench.child ARGS --json PATH``; its record, or an error record.

    The child is stopped when it runs past ``timeout`` seconds or its resident
    memory passes :data:`MEMORY_GUARD_MB`.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    json_path.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "bench.child", *args, "--json", str(json_path)]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                stderr=err, text=True)
        stopped = None
        while proc.poll() is None:
            elapsed = time.perf_counter() - t0
            rss = _rss_mb(proc.pid) or 0.0
            if elapsed > timeout:
                stopped = f"stopped after {elapsed:.0f} s (timeout)"
            elif rss > MEMORY_GUARD_MB:
                stopped = (f"stopped at {rss:,.0f} MB resident, over the memory guard of "
                           f"{MEMORY_GUARD_MB:,.0f} MB, after {elapsed:.0f} s")
            if stopped:
                proc.kill()
                proc.wait()
                return {"error": stopped, "wall": time.perf_counter() - t0}
            time.sleep(0.5)
        err.seek(0)
        stderr = err.read()
    if proc.returncode != 0 or not json_path.exists():
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        return {"error": f"exit {proc.returncode}: {tail}", "wall": time.perf_counter() - t0}
    return json.loads(json_path.read_text(encoding="utf-8"))


def _solver_args(args: argparse.Namespace, time_limit: float) -> list[str]:
    out = ["--preset", args.preset, "--time-limit", str(time_limit), "--gap", str(args.gap)]
    if args.threads is not None:
        out += ["--highs-options", json.dumps({"threads": args.threads})]
    return out


def _time_limit(args: argparse.Namespace, spec: SizeSpec) -> float:
    return float(args.time_limit if args.time_limit is not None else spec.time_limit)


def bench_size(spec: SizeSpec, args: argparse.Namespace, out: Path,
               say=print) -> dict[str, Any]:
    """Every run of one size; the size's entry of the JSON record."""
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    time_limit = _time_limit(args, spec)
    entry: dict[str, Any] = {"size": spec.name, "spec": spec.__dict__, "seed": args.seed,
                             "time_limit": time_limit, "gap": args.gap, "preset": args.preset}

    t0 = time.perf_counter()
    case = generate_case(spec.name, args.seed)
    entry["generate_seconds"] = time.perf_counter() - t0
    entry["counts"] = {"options": len(case.options), "inputs": len(case.inputs),
                       "capabilities": len(case.capabilities), "suppliers": len(case.suppliers),
                       "countries": len(case.countries), "years": len(case.years),
                       "scenarios": int(case.scenarios["scenario_id"].nunique())}
    case_path = None
    if not spec.build_only:
        from sovopt.workbook.write_case import write_case_workbook

        case_path = out / "cases" / f"{spec.name}-seed{args.seed}.xlsx"
        case_path.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        write_case_workbook(case_path, case)
        entry["write_case_seconds"] = time.perf_counter() - t0
        entry["case_path"] = str(case_path)
    del case

    mps = work / f"{spec.name}-first-level.mps"
    mps.unlink(missing_ok=True)  # never a stale export from an earlier run
    runs, direct = [], []
    for i in range(1, args.repeat + 1):
        say(f"[{spec.name}] run {i}/{args.repeat}: " + (
            "prepare, build and hand-off (no solve) ..." if spec.build_only else
            f"sovopt end to end (time limit {time_limit:g} s) ..."))
        pipe = ["pipeline", "--size", spec.name, "--seed", str(args.seed), "--mps", str(mps),
                "--results", str(work / f"{spec.name}.results.xlsx"),
                *_solver_args(args, time_limit)]
        if case_path is not None:
            pipe += ["--case", str(case_path)]
        if spec.build_only:
            pipe.append("--build-only")
        log = work / f"{spec.name}-run{i}.progress.txt"
        log.unlink(missing_ok=True)
        pipe += ["--progress", str(log)]
        rec = _child(pipe, work / f"{spec.name}-run{i}.json", timeout=time_limit * 3 + 1800)
        runs.append(rec)
        if "error" in rec:
            if log.exists():
                rec["progress"] = log.read_text(encoding="utf-8").splitlines()[-6:]
            say(f"[{spec.name}] run {i} failed: {rec['error']}")
            continue
        say(f"[{spec.name}] run {i}: {rec['status']} in {rec['end_to_end']:.1f} s, "
            f"peak {rec['peak_rss_mb']:.0f} MB")
        if args.direct and mps.exists():
            say(f"[{spec.name}] run {i}: HiGHS alone on the first level (seed 0) ...")
            direct.append(_direct(args, mps, work, spec, 0, time_limit, i))
    entry["runs"] = runs
    entry["direct"] = direct
    spread = []
    if args.direct and mps.exists() and spec.name in args.spread_sizes:
        seeds = [s for s in args.spread_seeds if s != 0]
        first = next((d for d in direct if "error" not in d), None)
        spread = [first] if first else []
        for seed in seeds:
            say(f"[{spec.name}] HiGHS alone, random_seed {seed} ...")
            spread.append(_direct(args, mps, work, spec, seed, time_limit, 1))
    entry["seed_spread"] = spread
    if spec.name in args.contract_sizes and not spec.build_only:
        entry["contract"] = _contract(args, spec, work, time_limit, say)
    entry["summary"] = summarise(entry)
    return entry


def _contract(args: argparse.Namespace, spec: SizeSpec, work: Path, time_limit: float,
              say=print) -> dict[str, Any]:
    """The contract's formulation of the first level, solved by HiGHS with its defaults."""
    from bench.contract import write_contract_level

    mps = work / f"{spec.name}-contract-level.mps"
    say(f"[{spec.name}] the contract's formulation, HiGHS defaults ...")
    model = write_contract_level(generate_case(spec.name, args.seed), args.preset, mps)
    rec = _child(["highs", "--mps", str(mps), "--defaults", *_solver_args(args, time_limit)],
                 work / f"{spec.name}-contract.json", timeout=time_limit * 2 + 600)
    rec["model"] = model
    return rec


def _direct(args: argparse.Namespace, mps: Path, work: Path, spec: SizeSpec, seed: int,
            time_limit: float, run: int) -> dict[str, Any]:
    rec = _child(["highs", "--mps", str(mps), "--seed", str(seed),
                  *_solver_args(args, time_limit)],
                 work / f"{spec.name}-highs-run{run}-seed{seed}.json",
                 timeout=time_limit * 2 + 600)
    rec.setdefault("seed", seed)
    return rec


# --- the command ----------------------------------------------------------------------------


def git(*cmd: str) -> str | None:
    """The output of ``git *cmd`` in the repository, or None without git or a checkout."""
    try:
        return subprocess.run(["git", *cmd], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def short_commit() -> str | None:
    """The abbreviated commit of the checkout, for a record's "how it was found"."""
    return git("rev-parse", "--short", "HEAD")


def _environment() -> dict[str, Any]:
    import importlib.metadata as md

    def version(pkg: str) -> str | None:
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return None

    status = git("status", "--porcelain", "--", "sovopt")
    return {
        "commit": git("rev-parse", "HEAD"), "sovopt_dirty": bool(status),
        "python": platform.python_version(), "platform": platform.platform(),
        "cpus": os.cpu_count(), "highspy": version("highspy"), "pyomo": version("pyomo"),
        "numpy": version("numpy"), "pandas": version("pandas"), "sovopt": version("sovopt"),
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark sovopt end to end on generated cases (see bench/README.md).")
    p.add_argument("--sizes", default=DEFAULT_SIZES,
                   help=f"comma-separated sizes out of {','.join(SIZES)} [{DEFAULT_SIZES}]; "
                   "XL is build + hand-off only (no solve)")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs per size; phase times are medians [1]")
    p.add_argument("--preset", default="min_dependence", help="objective preset [%(default)s]")
    p.add_argument("--time-limit", type=float, default=None,
                   help="solver time limit per run in seconds [per size: S and R 60, M 120, "
                   "L 300]")
    p.add_argument("--gap", type=float, default=0.01, help="relative MIP gap [%(default)s]")
    p.add_argument("--seed", type=int, default=0, help="case generator seed [%(default)s]")
    p.add_argument("--threads", type=int, default=None,
                   help="HiGHS threads for sovopt and the yardstick [HiGHS default]")
    p.add_argument("--no-direct", dest="direct", action="store_false",
                   help="skip the yardstick (HiGHS alone on the exported first level)")
    p.add_argument("--contract-sizes", default="R",
                   help="sizes that also run the second yardstick, the contract's "
                   "formulation with HiGHS defaults [%(default)s]")
    p.add_argument("--spread-sizes", default="M",
                   help="sizes whose yardstick also runs over --spread-seeds [%(default)s]")
    p.add_argument("--spread-seeds", default="0,1,2",
                   help="HiGHS random_seed values for the spread [%(default)s]")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder [bench/out]")
    p.add_argument("--show", nargs="+", type=Path, metavar="JSON", default=None,
                   help="instead of benchmarking: print the tables of a saved record, or "
                   "compare the phase times of several records (e.g. two commits)")
    p.add_argument("--profile-build", metavar="SIZE", default=None,
                   help="instead of benchmarking: profile prepare, build and hand-off of SIZE "
                   "per constraint family (and cProfile), then exit")
    return p


def show(paths: list[Path]) -> int:
    """Print a saved record's tables and budgets, or compare several records' phases."""
    records = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    for rec in records:
        for entry in rec["sizes"].values():
            entry["summary"] = summarise(entry)
    if len(records) == 1:
        rec = records[0]
        for entry in rec["sizes"].values():
            print(size_table(entry))
            print()
        print("Budgets:")
        for b in budgets(rec["sizes"], rec["args"].get("preset", "min_dependence")):
            print("  " + b.line())
        return 0
    heads = [f"{(r['environment'].get('commit') or '?')[:8]}" for r in records]
    for size in dict.fromkeys(k for r in records for k in r["sizes"]):
        print(f"== {size}")
        print(f"{'seconds':<22}" + "".join(f"{h:>12}" for h in heads))
        ok = [r["sizes"].get(size, {}).get("summary", {"error": "not run"}) for r in records]
        for row in ("read", "prepare", "build", "hand_off", "solve", "extract", "duals",
                    "metrics", "write", "end to end", "peak RSS (MB)"):
            cells = []
            for s in ok:
                if "error" in s:
                    cells.append("-")
                elif row == "solve":
                    cells.append(f"{solve_seconds(s):.2f}")
                elif row == "end to end":
                    cells.append(f"{s['end_to_end']:.2f}")
                elif row == "peak RSS (MB)":
                    cells.append(f"{s['peak_rss_mb']:,.0f}")
                else:
                    v = s["timings"].get(row)
                    cells.append("-" if v is None else f"{v:.2f}")
            print(f"{row:<22}" + "".join(f"{c:>12}" for c in cells))
        print()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.show:
        return show(args.show)
    if args.profile_build:
        from bench.profile import profile_build

        profile_build(args.profile_build, args.seed)
        return 0
    try:
        specs = [size_spec(s.strip()) for s in args.sizes.split(",") if s.strip()]
        args.spread_seeds = [int(x) for x in args.spread_seeds.split(",") if x.strip()]
        args.spread_sizes = {size_spec(x.strip()).name for x in args.spread_sizes.split(",")
                             if x.strip()}
        args.contract_sizes = {size_spec(x.strip()).name
                               for x in args.contract_sizes.split(",") if x.strip()}
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.repeat < 1:
        print("error: --repeat must be at least 1", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now()

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    sizes: dict[str, dict[str, Any]] = {}
    for spec in specs:
        entry = bench_size(spec, args, out, say)
        sizes[spec.name] = entry
        print(size_table(entry), flush=True)
        print(flush=True)
    verdicts = budgets(sizes, args.preset)
    if len(sizes) > 1:
        print(comparison_table(sizes))
        print()
    print("Budgets:")
    for b in verdicts:
        print("  " + b.line())

    record = {
        "date": started.isoformat(timespec="seconds"), "environment": _environment(),
        "args": {k: (sorted(v) if isinstance(v, set) else str(v) if isinstance(v, Path) else v)
                 for k, v in vars(args).items()},
        "sizes": sizes, "budgets": [b.__dict__ for b in verdicts],
    }
    text = json.dumps(record, indent=1, default=str)
    path = out / f"bench-{started:%Y%m%d-%H%M%S}.json"
    path.write_text(text, encoding="utf-8")
    (out / "latest.json").write_text(text, encoding="utf-8")
    print(f"\nwrote {path} and {out / 'latest.json'}")
    return 0
