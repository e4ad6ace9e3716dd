"""``python -m bench.race``: a level's HiGHS runs raced in child processes, against one run.

On a model of ``sovopt.level_methods.ISOLATE_MIN_ROWS`` rows or more, a level's MIP runs
in child processes (``sovopt/isolated.py``); a level of scenario losses races the
variants of ``sovopt.level_methods.RACE`` (two random seeds, a core each), other levels run
once on both cores. This benchmark solves bench cases with ``min_dependence`` in each
of ``--variants``: ``once`` (no race) and ``raced`` (sovopt's own choice); a variant
sets names of ``sovopt.level_methods`` (or ``"module.NAME"`` of another module) in its
process. It solves in one fresh process per solve and prints each level's value,
bound, gap, seconds and CPU seconds side by side, with the machine's load average before each
solve. Measure on an otherwise idle machine: two solves at once halve each other.

    python -m bench.race --size R --seeds 0,1,2 --time-limit 60 [--variants once,raced]
        [--json OUT]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: What each variant sets in sovopt.level_methods in its process.
VARIANTS: dict[str, dict[str, Any]] = {
    "once": {"RACE": ({},)},  # every level one child on both cores
    "raced": {},  # sovopt's own choice (sovopt.level_methods)
}


def solve_one(case_path: str, variant: str, time_limit: float) -> dict[str, Any]:
    """Solve one workbook with the variant's settings; the levels and the wall seconds."""
    import sovopt.level_methods
    from sovopt.solver import solve_case
    from sovopt.workbook.case_reader import read_case

    for name, value in VARIANTS[variant].items():  # "module.NAME" for another module
        module, _, attr = name.rpartition(".")
        target = importlib.import_module(f"sovopt.{module}") if module else sovopt.level_methods
        setattr(target, attr, value)
    case = read_case(case_path)[0]
    t0 = time.perf_counter()
    result = solve_case(case, "min_dependence", time_limit)
    return {"wall": time.perf_counter() - t0, "status": str(result.status), "levels": [
        {"name": lv.name, "status": str(lv.status), "value": lv.value, "bound": lv.bound,
         "gap": lv.gap, "seconds": lv.seconds, "cpu_seconds": lv.cpu_seconds,
         "seconds_given": lv.seconds_given, "method": lv.method,
         "bound_from": lv.bound_from}
        for lv in result.levels if lv.value is not None]}


def run(size: str, seeds: list[int], time_limit: float,
        variants: list[str] | None = None) -> list[dict[str, Any]]:
    """Every (seed, variant) solve, each in a fresh process, one after the other."""
    from bench.generate import write_case

    records = []
    with tempfile.TemporaryDirectory() as work:
        for seed in seeds:
            path = Path(work) / f"{size}{seed}.xlsx"
            write_case(size, str(path), seed=seed)
            for variant in variants or list(VARIANTS):
                load = os.getloadavg()[0]
                out = subprocess.run(
                    [sys.executable, "-m", "bench.race", "--one", str(path), variant,
                     str(time_limit)], capture_output=True, text=True, check=True)
                record = json.loads(out.stdout.strip().splitlines()[-1])
                records.append({"size": size, "seed": seed, "variant": variant,
                                "load_before": load, **record})
    return records


def table(records: list[dict[str, Any]]) -> str:
    """One line per (seed, level, variant)."""
    lines = [f"{'seed':>4}  {'level':<28} {'variant':<10} {'value':>12} {'bound':>12} "
             f"{'gap':>7} {'s':>6} {'cpu s':>6} {'load':>5}  found by; bound by"]
    for r in records:
        for lv in r["levels"]:
            gap = "-" if lv["gap"] is None else f"{lv['gap']:.1%}"
            bound = "-" if lv["bound"] is None else f"{lv['bound']:.6g}"
            lines.append(f"{r['seed']:>4}  {lv['name']:<28} {r['variant']:<10} "
                         f"{lv['value']:>12.6g} {bound:>12} {gap:>7} {lv['seconds']:>6.1f} "
                         f"{lv['cpu_seconds']:>6.1f} {r['load_before']:>5.2f}  "
                         f"{lv['method']}; {lv.get('bound_from') or '-'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.race", description=__doc__.split("\n")[0])
    p.add_argument("--size", default="R")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--variants", default="once,raced",
                   help="which of " + ", ".join(VARIANTS) + " (comma-separated)")
    p.add_argument("--json", type=Path, help="also write the records here")
    p.add_argument("--one", nargs=3, metavar=("CASE", "VARIANT", "SECONDS"),
                   help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(solve_one(args.one[0], args.one[1], float(args.one[2]))))
        return 0
    records = run(args.size, [int(s) for s in args.seeds.split(",")], args.time_limit,
                  args.variants.split(","))
    print(table(records))
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
