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
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024.0 if sys.platform != "darwin" else kib / 2**20


def _cpu() -> float:
    """CPU seconds of this process and of its ended children (a large level's MIP
    runs in child processes: sovopt.isolated), so a level's CPU is all of it."""
    from sovopt.isolated import cpu_seconds

    return cpu_seconds()


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

    read_case = _optional("sovopt.workbook.case_reader", "read_case")
    warnings: list[Any] = []
    if args.case and read_case is not None:
        with timer("read"):
            case, warnings = read_case(args.case)
        record["read_warnings"] = len(warnings)
    else:
        why = ("build-only size: generated in memory, no workbook read" if not args.case
               else "read skipped: sovopt.workbook.case_reader is not available; "
               "generated in memory")
        notes.append(why)
        t0 = time.perf_counter()
        case = generate_case(args.size, args.seed)
        record["generate_seconds"] = time.perf_counter() - t0

    log = open(args.progress, "a", encoding="utf-8") if args.progress else None  # noqa: SIM115
    events: list[tuple[float, float, str]] = []  # (wall, CPU seconds, message)

    def progress(message: str) -> None:
        events.append((time.perf_counter() - wall0, _cpu(), message))
        if log is not None:
            log.write(f"{time.perf_counter() - wall0:.1f} s, peak {peak_rss_mb():,.0f} MB: "
                      f"{message}\n")
            log.flush()

    cpu0 = _cpu()
    if args.build_only:
        return _build_only(case, args, record, timings, wall0, cpu0)
    outcome = solve_and_report(case, args.preset, time_limit=args.time_limit, gap=args.gap,
                               case_path=args.case, warnings=warnings,
                               highs_options=_highs_options(args.highs_options),
                               export_first_level=args.mps, progress=progress,
                               with_metrics=not args.build_only)
    result = outcome.result
    events.append((time.perf_counter() - wall0, _cpu(), "(solve ended)"))
    solve_phases = dict(result.timings)
    timings.update(solve_phases)
    record["status"] = result.status
    has_gap = any(lv.gap is not None for lv in result.levels)
    record["gap"] = result.gap if has_gap else None
    record["stats"] = dict(result.stats)
    record["kept_options"] = int(len(result.data.options))
    record["excluded_options"] = int(len(result.data.excluded))
    record["cpu"] = phase_cpu(events, set(solve_phases))
    record["levels"] = [
        {"index": k + 1, "name": lv.name, "status": lv.status, "value": lv.value,
         "gap": lv.gap, "seconds": lv.seconds,
         "cpu_seconds": record["cpu"].get(f"solve level {k + 1}"),
         # HiGHS stops a level at the requested gap: an optimal level's time is its
         # time to that gap; a level stopped by its time limit never reached it
         "seconds_to_gap": lv.seconds if lv.status == "optimal" else None,
         **{f"seconds_to_{round(g * 100)}pct": seconds_to_gap(events, k + 1, lv, g)
            for g in REPORTED_GAPS},
         "bound": lv.bound, "bound_from": getattr(lv, "bound_from", None),
         "found_by": found_by(lv, k + 1, events, result.levels[:k])}
        for k, lv in enumerate(result.levels)]
    record["term_values"] = dict(result.term_values)
    record["first_portfolio"] = first_portfolio(events, result.timings, result.levels,
                                                result.notes)

    if outcome.metrics is not None:
        _record_metrics_and_write(args, case, outcome, timer, record)

    wall = time.perf_counter() - wall0
    record["timings"] = timings
    record["export_seconds"] = sum(exports)
    record["end_to_end"] = wall - sum(exports) - record.get("generate_seconds", 0.0)
    record["other"] = max(0.0, record["end_to_end"] - sum(timings.values()))
    record["wall"] = wall
    record["cpu_end_to_end"] = _cpu() - cpu0 + record["timings"].get("read", 0.0)
    record["peak_rss_mb"] = peak_rss_mb()
    return record


def _build_only(case: Any, args: argparse.Namespace, record: dict[str, Any],
                timings: dict[str, float], wall0: float, cpu0: float) -> dict[str, Any]:
    """Prepare, build and hand off (as ``solve_case`` does), then stop: no solve."""
    from sovopt.highs import to_highs
    from sovopt.model import build_model
    from sovopt.prepare import prepare
    from sovopt.presets import load_preset

    timer = _Timer(timings)
    preset = load_preset(args.preset)
    cpu: dict[str, float] = {}
    for phase in ("prepare", "build", "hand_off"):
        c0 = _cpu()
        with timer(phase):
            if phase == "prepare":
                d = prepare(case)
            elif phase == "build":
                m = build_model(d, preset.switch_off)
            else:
                hm = to_highs(m, m.term_names)
        cpu[phase] = _cpu() - c0
    record.update(status="built", gap=None, stats=hm.stats(), kept_options=len(d.options),
                  excluded_options=len(d.excluded), levels=[], term_values={}, cpu=cpu)
    wall = time.perf_counter() - wall0
    record.update(timings=timings, export_seconds=0.0, other=0.0, wall=wall,
                  end_to_end=wall - record.get("generate_seconds", 0.0),
                  cpu_end_to_end=_cpu() - cpu0, peak_rss_mb=peak_rss_mb())
    return record


def phase_cpu(events: list[tuple[float, float, str]], phases: set[str]) -> dict[str, float]:
    """CPU seconds of each phase: from its progress message to the next phase's.

    ``solve_case`` reports each phase by name as it begins; what lies between two
    phases (the MIP-start LPs, the pre-check) is counted with the earlier one.
    With one HiGHS thread, CPU well below wall time means the process was
    waiting for a core: the machine was busy.
    """
    starts = [(w, c, m) for w, c, m in events if m in phases] + [events[-1]]
    out: dict[str, float] = {}
    for (_, c0, m), (_, c1, _) in zip(starts, starts[1:], strict=False):
        out[m] = out.get(m, 0.0) + (c1 - c0)
    return out


#: The solve's note when a given or constructive start became the first MIP start
#: (verified on the whole model), by the phase that built it.
START_USED = {"given start": "The given start", "constructive start": "capability by capability"}


def first_portfolio(events: list[tuple[float, float, str]], timings: dict[str, float],
                    levels: list[Any], notes: list[str] = ()) -> float | None:
    """Seconds from the end of the hand-off to the first portfolio: the end of a
    given, constructive or crash start that the solve used (each is verified before
    use), the first plan a level reported, or the end of the first level that has one."""
    start = {m: w for w, _, m in reversed(events)}
    if "hand_off" not in start:
        return None
    handed = start["hand_off"] + timings.get("hand_off", 0.0)
    times = [w for w, _, m in events if ": improved, best " in m]  # a level's heartbeat
    for phase, said in START_USED.items():
        if phase in start and any(said in n and "was used as the first MIP start" in n
                                  for n in notes):
            times.append(start[phase] + timings.get(phase, 0.0))
    if "crash start" in start and any("crash start" in (getattr(lv, "method", "") or "")
                                      for lv in levels):  # verified before the level used it
        times.append(start["crash start"] + timings.get("crash start", 0.0))
    for k, lv in enumerate(levels, start=1):
        phase = f"solve level {k}"
        if lv.value is not None and phase in start:
            times.append(start[phase] + timings.get(phase, 0.0))
            break
    return min(times) - handed if times else None


#: The proven gaps whose time of reaching each level reports (time to 5 %, to 1 %).
REPORTED_GAPS = (0.05, 0.01)
_GAP = re.compile(r", gap ([0-9.]+)%")


def seconds_to_gap(events: list[tuple[float, float, str]], index: int, level: Any,
                   gap: float) -> float | None:
    """Seconds from the start of level ``index`` until its proven gap was first at most
    ``gap``: the first heartbeat of the level's MIP that said so (heartbeats come on
    each new plan and every 4 s, so this is that coarse), or the level's end when only
    its final gap, with every bound any method proved, did; None when never reached."""
    begun = next((w for w, _, m in events if m == f"solve level {index}"), None)
    if begun is None or level.value is None:
        return None
    label = f"level {index} "
    for w, _, m in events:
        found = _GAP.search(m) if m.startswith(label) and w >= begun else None
        if found and float(found.group(1)) / 100 <= gap + 1e-12:
            return w - begun
    if level.gap is not None and level.gap <= gap + 1e-12:
        return level.seconds
    return None


def found_by(level: Any, index: int, events: list[tuple[float, float, str]],
             before: list[Any]) -> str | None:
    """Which method found the portfolio a level ended with.

    ``solve_case`` may say so itself (the level's ``method``); otherwise a level during
    which HiGHS reported incumbents of different values ended with one from
    HiGHS's search, and one without kept its MIP start: the crash start for
    the first optimised level, the previous level's portfolio for later ones.
    """
    if level.value is None:
        return None
    own = getattr(level, "method", None) or getattr(level, "found_by", None)
    if own:
        return own
    label = f"level {index} "
    found = [float(m.split("incumbent ", 1)[1].split(",", 1)[0]) for _, _, m in events
             if m.startswith(label) and ": incumbent " in m]
    # HiGHS reports an accepted MIP start as its first incumbent: a level whose
    # incumbents all have the start's value kept its start
    if len(found) > 1 and max(found) - min(found) > 1e-9 * max(1.0, abs(found[0])):
        return "HiGHS search"
    earlier = any(lv.value is not None and lv.terms != {"unmet": 1.0} for lv in before)
    crash = any(m == "crash start" for _, _, m in events)
    if earlier:
        return "MIP start (previous level)"
    return "MIP start (crash start)" if crash else "HiGHS search"


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
    from sovopt.highs import new_highs

    h = new_highs()
    t0 = time.perf_counter()
    h.readModel(str(args.mps))
    read_seconds = time.perf_counter() - t0
    options = {"mip_rel_gap": args.gap, "time_limit": args.time_limit,
               "random_seed": args.seed}
    options.update(_highs_options(args.highs_options))
    if args.defaults:  # HiGHS as it comes: only the gap and the time limit set
        options = {"mip_rel_gap": args.gap, "time_limit": args.time_limit}
    for key, value in options.items():
        h.setOptionValue(key, value)
    t0, c0 = time.perf_counter(), time.process_time()
    h.run()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    info = h.getInfo()
    gap = float(info.mip_gap)
    objective = float(info.objective_function_value)
    return {
        "seed": args.seed, "seconds": seconds, "cpu_seconds": cpu,
        "read_seconds": read_seconds,
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
    highs.add_argument("--defaults", action="store_true",
                       help="HiGHS's default settings except the gap and the time limit")
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
