"""The best known plans of a frontier, and a frontier's points against them:
``python -m bench.best_frontier RECORD.json ...`` (bench/README.md).

A frontier point minimises cost with the dependence measure held at most at its
bound ε (the least-cost end has no bound; the least-dependence end minimises the
measure first, and is held at the value it reached). Every verified point of any
frontier run on the same case and measure is a plan (measure, cost) that keeps
every limit, so for a bound ε the best known cost is the least cost among the
plans whose measure is at most ε, whatever run found them. The file
``bench/best_known/<size>-seed<k>-frontier-<measure>.json`` keeps the plans that
no other plan dominates (no more dependence and less cost), each with how it was
found: the ``bench.studies frontier`` record it came from (sovopt's commit, the
time budget, the date).

:func:`against` compares a run's points with them: per point the best known cost
at its bound, how far above it the point's cost is, whether a known plan costs less
at no more dependence, and for the least-dependence end how far its measure is above
the least measure known. :func:`verdict` is the budget: every point within 2 % of
the best known cost at its bound, and no point of the frontier dominated by another
of its points.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path
from typing import Any

from bench.best_known import BEST_KNOWN

#: Relative slack when comparing a plan's measure with a bound (the measure is a KPI
#: recomputed from the portfolio; HiGHS keeps rows to 1e-6).
MEASURE_TOL = 1e-6
#: The budget: every point within this share of the best known cost at its bound.
WITHIN = 0.02
#: The role of the least-cost end in a frontier table (sovopt.studies.frontier).
LEAST_COST = "least cost"


def path_of(size: str, seed: int, measure: str, folder: Path = BEST_KNOWN) -> Path:
    return folder / f"{size}-seed{seed}-frontier-{measure}.json"


def load(size: str, seed: int, measure: str, folder: Path = BEST_KNOWN
         ) -> dict[str, Any] | None:
    path = path_of(size, seed, measure, folder)
    return json.loads(path.read_text()) if path.exists() else None


def plans_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The verified points of a ``bench.studies frontier`` record as plans."""
    how = (f"bench.studies frontier at sovopt {record.get('commit') or '?'}: "
           f"{record['points']} points, {record['frontier_time_limit_s']:g} s budget, "
           f"column pool {'on' if record['columns'] else 'off'}, on "
           f"{str(record.get('when', '?'))[:10]}")
    return [{"measure": p["measure"], "cost": p["cost"], "how": how,
             "point": p["point"], "found_by": p.get("found_by") or "-"}
            for p in record["table"]
            if p["cost"] is not None and p["measure"] is not None
            and str(p["status"]) in ("optimal", "time_limit")]


def _dominates(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Plan ``a`` has no more dependence than ``b`` and costs less, or the same
    dependence-and-cost pair with one strictly better."""
    no_more = a["measure"] <= b["measure"] * (1 + MEASURE_TOL) + 1e-12
    return no_more and (a["cost"] < b["cost"] or (a["cost"] == b["cost"]
                                                   and a["measure"] < b["measure"]))


def merge(plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plans no other plan dominates, by measure (first of equals kept)."""
    kept: list[dict[str, Any]] = []
    for p in sorted(plans, key=lambda p: (p["measure"], p["cost"])):
        if not any(_dominates(k, p) or (k["measure"] == p["measure"]
                                        and k["cost"] == p["cost"]) for k in kept):
            kept.append(p)
    return kept


def best_at(plans: list[dict[str, Any]], bound: float) -> dict[str, Any] | None:
    """The least-cost plan whose measure is at most ``bound`` (None: no such plan)."""
    open_ = [p for p in plans if p["measure"] <= bound * (1 + MEASURE_TOL) + 1e-12]
    return min(open_, key=lambda p: p["cost"]) if open_ else None


def least_dependence_end(point: dict[str, Any]) -> bool:
    """Whether a point is the least-dependence end: an end (no ε) other than the
    least-cost one."""
    return point["measure_level"] is None and point["role"] != LEAST_COST


def bound_of(point: dict[str, Any]) -> float:
    """A point's bound on the measure: its ε, none at the least-cost end, its own
    measure at the least-dependence end."""
    if least_dependence_end(point):
        return float(point["measure"])
    return math.inf if point["measure_level"] is None else float(point["measure_level"])


def against(table: list[dict[str, Any]], plans: list[dict[str, Any]]
            ) -> list[dict[str, Any]]:
    """Per point of a frontier table: its bound, the best known cost there, the
    point's cost above it, and whether a known plan costs less at no more
    dependence (``beaten``)."""
    least = min((p["measure"] for p in plans), default=None)
    out = []
    for point in table:
        row: dict[str, Any] = {"point": point["point"], "role": point["role"]}
        if point["cost"] is None:
            out.append({**row, "why": "no plan"})
            continue
        bound = bound_of(point)
        best = best_at(plans, bound)
        row["bound"] = None if math.isinf(bound) else bound
        if best is None:
            out.append({**row, "why": "no known plan within the bound"})
            continue
        row["best"] = best["cost"]
        row["above"] = (point["cost"] - best["cost"]) / abs(best["cost"])
        row["beaten"] = _beaten(point, plans)
        if least_dependence_end(point) and least is not None:
            row["measure_above"] = (point["measure"] - least) / max(abs(least), 1e-12)
        out.append(row)
    return out


def _beaten(point: dict[str, Any], plans: list[dict[str, Any]]) -> bool:
    """Whether one of ``plans`` costs less than ``point`` at no more dependence."""
    return any(_dominates(p, point) and p["cost"] < point["cost"] * (1 - MEASURE_TOL)
               for p in plans)


def dominated_within(table: list[dict[str, Any]]) -> list[int]:
    """The points of a frontier that another point of the same frontier dominates."""
    plans = [p for p in table if p["cost"] is not None and p["measure"] is not None]
    return [p["point"] for p in plans if _beaten(p, [q for q in plans if q is not p])]


def verdict(rows: list[dict[str, Any]], table: list[dict[str, Any]]) -> tuple[bool, str]:
    """Whether every point is within :data:`WITHIN` of the best known at its bound
    (the least-dependence end also in its measure) and no point of the frontier
    dominates another, and how far the worst one is. A known plan of another run
    that beats a point by less than :data:`WITHIN` is named, not counted."""
    compared = [r for r in rows if "above" in r]
    if not compared or len(compared) < len(rows):
        return False, f"{len(rows) - len(compared)} of {len(rows)} points not compared"
    worst = max(compared, key=lambda r: max(r["above"], r.get("measure_above", 0.0)))
    dominated = dominated_within(table)
    ok = not dominated and all(r["above"] <= WITHIN and r.get("measure_above", 0.0)
                               <= WITHIN for r in compared)
    beaten = [r["point"] for r in compared if r["beaten"]]
    text = (f"worst point {worst['point']} ({worst['role']}): cost {worst['above']:+.2%}"
            + (f", measure {worst['measure_above']:+.2%}" if "measure_above" in worst
               else "")
            + f"; dominated within the frontier: {dominated or 'none'}"
            + f"; a known plan of another run costs less at no more dependence: "
              f"{beaten or 'none'}")
    return ok, text


def lines(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for r in rows:
        if "above" not in r:
            out.append(f"  point {r['point']:>2} {r['role']:<16} {r['why']}")
            continue
        bound = "none" if r["bound"] is None else f"{r['bound']:.6g}"
        extra = (f", measure {r['measure_above']:+.2%} over the least known"
                 if "measure_above" in r else "")
        out.append(f"  point {r['point']:>2} {r['role']:<16} bound {bound:<10} best known "
                   f"{r['best']:.6g}, this {r['above']:+.2%}{extra}"
                   f"{'  (a known plan costs less at no more dependence)' if r['beaten'] else ''}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.best_frontier",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("records", nargs="+", type=Path,
                    help="bench.studies frontier records (JSON) of one case and measure")
    ap.add_argument("--folder", type=Path, default=BEST_KNOWN)
    args = ap.parse_args(argv)
    records = [json.loads(p.read_text()) for p in args.records]
    keys = {(r["size"], r.get("seed", 0), r["measure"]) for r in records}
    if len(keys) != 1:
        ap.error(f"the records are of more than one case and measure: {sorted(keys)}")
    size, seed, measure = keys.pop()
    old = load(size, seed, measure, args.folder)
    plans = merge((old["plans"] if old else []) + [p for r in records for p in plans_of(r)])
    record = {"size": size, "seed": seed, "measure": measure, "plans": plans}
    path = path_of(size, seed, measure, args.folder)
    part = path.with_suffix(".part")
    part.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(part, path)
    for p in plans:
        print(f"{p['measure']:.6g}  {p['cost']:.6g}  (point {p['point']}, {p['found_by']}; "
              f"{p['how']})")
    print(f"wrote {path}: {len(plans)} plans no other dominates")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
