"""The best known plan of each level: ``python -m bench.best_known`` (bench/README.md).

    python -m bench.best_known --size R --seeds 0,1,2 --time-limit 600

Solves each seed's generated case with ``min_dependence`` at a long time limit, one
seed after the other in this process (measure alone), and keeps per level its
value, its bound, what found the plan and what proved the bound, with the values of
the levels held before it. Each file, ``bench/best_known/<size>-seed<k>.json``, says
how it was found: sovopt's commit, the date, the time limit, wall and CPU seconds and
the machine's load. A later file replaces an earlier one only level by level where
its plan is better and the levels before it were held at the same values or tighter
(its plan then meets the earlier file's holds too, which the file keeps).

:func:`against` compares a benchmark run's levels with them. The first optimised
level compares like for like. A later level's problem depends on the values the
earlier levels were held at, so it compares only when the run held each of them at
least as loosely as the best known run did: the best known plan is then open to the
run, which should find one as good. A run that held an earlier level tighter may
not reach that plan, and the comparison says nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

from bench.generate import generate_case
from bench.run import short_commit

#: Where the best known files are kept (in git, beside this module).
BEST_KNOWN = Path(__file__).resolve().parent / "best_known"
#: Relative slack when comparing held values.
HELD_TOL = 1e-9


def path_of(size: str, seed: int, folder: Path = BEST_KNOWN) -> Path:
    return folder / f"{size}-seed{seed}.json"


def load(size: str, seed: int, folder: Path = BEST_KNOWN) -> dict[str, Any] | None:
    """The best known record of a case, or None when there is none."""
    path = path_of(size, seed, folder)
    return json.loads(path.read_text()) if path.exists() else None


def _levels(result: Any) -> list[dict[str, Any]]:
    """The optimised levels of a solve, each with the values held before it."""
    out: list[dict[str, Any]] = []
    for lv in result.levels:
        if lv.value is None:
            continue
        out.append({"name": lv.name, "value": lv.value, "bound": lv.bound, "gap": lv.gap,
                    "status": str(lv.status), "found_by": lv.method,
                    "bound_from": lv.bound_from, "seconds": lv.seconds,
                    "held": [h["value"] for h in out]})
    return out


def _not_looser(held: list[float], than: list[float]) -> bool:
    """Every value in ``held`` at most its counterpart in ``than`` (minimised levels)."""
    return len(held) == len(than) and all(
        a <= b + HELD_TOL * max(1.0, abs(b)) for a, b in zip(held, than, strict=True))


def merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """``new``'s levels where they improve on ``old``'s (see the module docstring)."""
    if old is None:
        return new
    levels = []
    for a, b in zip(old["levels"], new["levels"], strict=False):
        better = b["value"] < a["value"] and _not_looser(b["held"], a["held"])
        levels.append({**b, "held": a["held"], "how": new["how"]} if better else a)
    return {**old, "levels": levels, "how": new["how"]}


def against(levels: list[dict[str, Any]], best: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Per optimised level of a run (``name``, ``value``, in order): the best known
    value and the run's distance above it, or why there is no comparison."""
    if best is None:
        return [{"name": lv["name"], "why": "no best known"} for lv in levels]
    out, held = [], []
    for lv, known in zip(levels, best["levels"], strict=False):
        if lv["name"] != known["name"]:
            out.append({"name": lv["name"], "why": "other levels"})
            break
        if not _not_looser(known["held"], held):
            out.append({"name": lv["name"], "best": known["value"],
                        "why": "earlier levels held tighter than in the best known run"})
        else:
            above = (lv["value"] - known["value"]) / max(abs(known["value"]), 1e-12)
            out.append({"name": lv["name"], "best": known["value"], "above": above})
        held.append(lv["value"])
    return out


def find(size: str, seed: int, time_limit: float) -> dict[str, Any]:
    """One long solve of the case and its record."""
    from sovopt.isolated import cpu_seconds
    from sovopt.solver import solve_case

    case = generate_case(size, seed)
    load = os.getloadavg()[0]
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    result = solve_case(case, "min_dependence", time_limit)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    how = (f"sovopt {short_commit() or '(no git)'}: solve min_dependence, --time-limit "
           f"{time_limit:g}, on {dt.date.today().isoformat()}: {wall:.0f} s wall, "
           f"{cpu:.0f} s CPU, load {load:.2f} at the start")
    levels = [{**lv, "how": how} for lv in _levels(result)]
    return {"size": size, "seed": seed, "preset": "min_dependence", "how": how,
            "status": str(result.status), "levels": levels}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.best_known",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="R")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--folder", type=Path, default=BEST_KNOWN)
    args = ap.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    for seed in (int(s) for s in args.seeds.split(",")):
        record = merge(load(args.size, seed, args.folder),
                       find(args.size, seed, args.time_limit))
        path = path_of(args.size, seed, args.folder)
        part = path.with_suffix(".part")
        part.write_text(json.dumps(record, indent=1) + "\n")
        os.replace(part, path)
        for lv in record["levels"]:
            gap = "-" if lv["gap"] is None else f"{lv['gap']:.2%}"
            print(f"{args.size} seed {seed}  {lv['name']:<28} {lv['value']:.6g}  bound "
                  f"{lv['bound']}  gap {gap}  ({lv['found_by']}; {lv['bound_from']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
