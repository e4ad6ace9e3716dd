"""What the benchmark runs in a fresh child process, one run per process.

Two commands, each writing one JSON record to ``--json``:

``pipeline``  a case through every phase of ``sovopt solve``: read the workbook,
              prepare, build, hand-off, solve level by level, extract, duals,
              metrics and the results workbook; exports the first optimised
              level as MPS; records phase seconds, model size, levels, status
              and the process's peak resident memory.
``highs``     the exported MPS solved by highspy alone with the same options
              (the yardstick for the solve phase).

A fresh process per run keeps peak memory per size honest (ru_maxrss only
grows) and every run starts from the same cold state.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import resource
import sys
import time
from pathlib import Path
from typing import Any


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024.0 if sys.platform != "darwin" else kib / 2**20


def _optional(module: str, name: str) -> Any:
    """``module.name`` if the module and the name exist, else None."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _highs_options(raw: str | None) -> dict[str, Any]:
    return json.loads(raw) if raw else {}


class _Timer:
    """``with timer("phase"):`` adds the elapsed seconds to ``timings[phase]``."""

    def __init__(self, timings: dict[str, float]):
        self.timings = timings

    def __call__(self, phase: str) -> _Timer:
        self.phase = phase
        return self

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.phase] = self.timings.get(self.phase, 0.0) + (
            time.perf_counter() - self.t0)


def _time_exports(spent: list[float]) -> None:
    """Add the seconds of every ``Highs.writeModel`` call in this process to ``spent``.

    The MPS export is the benchmark's own step inside ``solve_case``; timing it
    lets the end-to-end time leave it out.
    """
    import highspy

    write = highspy.Highs.writeModel

    def timed(self: Any, *a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return write(self, *a, **k)
        finally:
            spent.append(time.perf_counter() - t0)

    highspy.Highs.writeModel = timed


def run_pipeline(args: argparse.Namespace) -> dict[str, Any]:
    """One end-to-end run of a case; the record described in the module docstring.

    ``end_to_end`` is the wall time from reading the workbook to writing the
    results, less the MPS export (and, for a build-only size, less generating
    the case); ``timings`` holds the phases, and ``other`` what lies between
    them (the pre-check, the LPs that complete each level's MIP start).
    """
    from bench.generate import generate_case
    from sovopt.pipeline import solve_and_report

    exports: list[float] = []
    _time_exports(exports)
    wall0 = time.perf_counter()
    timings: dict[str, float] = {}
    timer = _Timer(timings)
    notes: list[str] = []
    record: dict[str, Any] = {"size": args.size, "seed": args.seed, "notes": notes}

    read_case = _optional("sovopt.workbook.read", "read_case")
    warnings: list[Any] = []
    if args.case and read_case is not None:
        with timer("read"):
            case, warnings = read_case(args.case)
        record["read_warnings"] = len(warnings)
    else:
        why = ("build-only size: generated in memory, no workbook read" if not args.case
               else "read skipped: sovopt.workbook.read is not available; generated in memory")
        notes.append(why)
        t0 = time.perf_counter()
        case = generate_case(args.size, args.seed)
        record["generate_seconds"] = time.perf_counter() - t0

    progress = None
    if args.progress:
        log = open(args.progress, "a", encoding="utf-8")  # noqa: SIM115 (lives with the run)

        def progress(message: str) -> None:
            log.write(f"{time.perf_counter() - wall0:.1f} s, peak {peak_rss_mb():,.0f} MB: "
                      f"{message}\n")
            log.flush()

    outcome = solve_and_report(case, args.preset, time_limit=args.time_limit, gap=args.gap,
                               case_path=args.case, warnings=warnings,
                               highs_options=_highs_options(args.highs_options),
                               export_first_level=args.mps, progress=progress,
                               with_metrics=not args.build_only)
    result = outcome.result
    solve_phases = dict(result.timings)
    timings.update(solve_phases)
    record["status"] = result.status
    has_gap = any(lv.gap is not None for lv in result.levels)
    record["gap"] = result.gap if has_gap else None
    record["stats"] = dict(result.stats)
    record["kept_options"] = int(len(result.data.options))
    record["excluded_options"] = int(len(result.data.excluded))
    record["levels"] = [
        {"index": k + 1, "name": lv.name, "status": lv.status, "value": lv.value,
         "gap": lv.gap, "seconds": lv.seconds}
        for k, lv in enumerate(result.levels)]
    record["term_values"] = dict(result.term_values)

    if outcome.metrics is not None:
        _record_metrics_and_write(args, case, outcome, timer, record)

    wall = time.perf_counter() - wall0
    record["timings"] = timings
    record["export_seconds"] = sum(exports)
    record["end_to_end"] = wall - sum(exports) - record.get("generate_seconds", 0.0)
    record["other"] = max(0.0, record["end_to_end"] - sum(timings.values()))
    record["wall"] = wall
    record["peak_rss_mb"] = peak_rss_mb()
    return record


def _record_metrics_and_write(args: argparse.Namespace, case: Any, outcome: Any,
                              timer: _Timer, record: dict[str, Any]) -> None:
    """The KPIs of the portfolio and the results workbook, timed as ``sovopt solve`` makes
    them: ``metrics`` is the evaluation, ``write`` the Report and the workbook."""
    metrics, timings = outcome.metrics, timer.timings
    timings["metrics"] = outcome.timings.get("evaluate", 0.0)
    record["violations"] = int(metrics.kpis.get("violations") or 0)
    record["kpis"] = {k: v for k, v in metrics.kpis.items()
                      if isinstance(v, int | float) or v is None}
    from sovopt.workbook.results import write_results

    timings["write"] = outcome.timings.get("report", 0.0)
    with timer("write"):
        write_results(outcome.report, args.results, case.settings.currency)


def run_highs(args: argparse.Namespace) -> dict[str, Any]:
    """Solve ``args.mps`` with highspy alone: same gap, time limit and seed as sovopt."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    t0 = time.perf_counter()
    h.readModel(str(args.mps))
    read_seconds = time.perf_counter() - t0
    options = {"mip_rel_gap": args.gap, "time_limit": args.time_limit,
               "random_seed": args.seed}
    options.update(_highs_options(args.highs_options))
    for key, value in options.items():
        h.setOptionValue(key, value)
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    info = h.getInfo()
    gap = float(info.mip_gap)
    objective = float(info.objective_function_value)
    return {
        "seed": args.seed, "seconds": seconds, "read_seconds": read_seconds,
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective": objective if math.isfinite(objective) else None,
        "gap": gap if math.isfinite(gap) and gap < 1e20 else None,
        "nodes": int(info.mip_node_count), "options": options,
        "peak_rss_mb": peak_rss_mb(),
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.child", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    pipe = sub.add_parser("pipeline", help="one end-to-end run of a case")
    pipe.add_argument("--size", required=True)
    pipe.add_argument("--seed", type=int, default=0)
    pipe.add_argument("--case", default=None, help="workbook to read (none: generate)")
    pipe.add_argument("--build-only", action="store_true",
                      help="no metrics and no results workbook")
    pipe.add_argument("--mps", required=True, help="where to export the first level")
    pipe.add_argument("--results", default=None, help="results workbook to write")
    pipe.add_argument("--progress", default=None,
                      help="append each phase and incumbent with time and peak memory here")
    highs = sub.add_parser("highs", help="solve an MPS file with highspy alone")
    highs.add_argument("--mps", required=True)
    highs.add_argument("--seed", type=int, default=0)
    for s in (pipe, highs):
        s.add_argument("--preset", default="min_dependence")
        s.add_argument("--time-limit", type=float, required=True)
        s.add_argument("--gap", type=float, required=True)
        s.add_argument("--highs-options", default=None, help="extra HiGHS options (JSON)")
        s.add_argument("--json", required=True, help="where to write the record")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    record = run_pipeline(args) if args.command == "pipeline" else run_highs(args)
    Path(args.json).write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
