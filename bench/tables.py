"""The benchmark's summaries: medians over repeats, the per-size and comparison
tables, and the budgets as PASS/MISS lines (:mod:`bench.run` prints them)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

#: Phases that are sovopt's own work, not the solver's (the modelling overhead).
OVERHEAD_PHASES = ("read", "prepare", "build", "hand_off", "extract", "metrics", "write")
#: Phase order in the tables; "solve level k" rows go where "solve" is.
PHASE_ORDER = ("read", "prepare", "build", "hand_off", "given start", "constructive start",
               "crash start", "solve", "extract",
               "duals", "diagnose", "metrics", "write")
#: The solver's phases of a multi-level solve before the levels: the first portfolio
#: (a given start, the constructive start or the cost-only crash start).
STARTS = ("given start", "constructive start", "crash start")


@dataclass(frozen=True)
class Budget:
    """One performance budget: a line of the report with PASS, MISS or n/a."""

    name: str
    verdict: str  # PASS | MISS | n/a
    detail: str

    def line(self) -> str:
        return f"{self.verdict:<4}  {self.name}: {self.detail}"


# --- summarising ----------------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _phase_key(phase: str) -> tuple[int, int]:
    if phase.startswith("solve level"):
        return PHASE_ORDER.index("solve"), int(phase.rsplit(" ", 1)[-1])
    return (PHASE_ORDER.index(phase) if phase in PHASE_ORDER else len(PHASE_ORDER)), 0


def summarise(entry: dict[str, Any]) -> dict[str, Any]:
    """Medians over the repeats and the derived ratios of one size."""
    ok = [r for r in entry["runs"] if "error" not in r]
    if not ok:
        if not entry["runs"]:
            return {"error": "no runs"}
        return {"error": entry["runs"][0].get("error"),
                "progress": entry["runs"][0].get("progress", [])}
    phases = sorted({p for r in ok for p in r["timings"]}, key=_phase_key)
    timings = {p: _median([r["timings"].get(p, 0.0) for r in ok]) for p in phases}
    first = ok[0]
    e2e = _median([r["end_to_end"] for r in ok])
    overhead = _median([sum(r["timings"].get(p, 0.0) for p in OVERHEAD_PHASES) for r in ok])
    solved = [lv for lv in first["levels"] if not lv["status"].startswith(("skipped",
                                                                             "not solved"))]
    first_level = solved[0] if solved else None
    s: dict[str, Any] = {
        "timings": timings, "end_to_end": e2e, "overhead": overhead,
        "overhead_share": overhead / e2e if e2e else None,
        "build_hand_off": _median([r["timings"].get("build", 0.0)
                                   + r["timings"].get("hand_off", 0.0) for r in ok]),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in ok),
        "stats": first["stats"], "status": first["status"], "gap": first["gap"],
        "levels": first["levels"], "notes": first.get("notes", []),
        "kept_options": first.get("kept_options"),
        "excluded_options": first.get("excluded_options"),
        "violations": first.get("violations"),
        "wall": _median([r["wall"] for r in ok]),
        "other": _median([r.get("other", 0.0) for r in ok]),
        "export_seconds": _median([r.get("export_seconds", 0.0) for r in ok]),
        "cpu_end_to_end": _median([r.get("cpu_end_to_end", 0.0) for r in ok]),
        "solver_seconds": _median([solve_seconds(r) for r in ok]),
        "first_portfolio": _median([r["first_portfolio"] for r in ok
                                    if r.get("first_portfolio") is not None]),
    }
    if first_level is not None:
        # sovopt's first level includes its first portfolio (the constructive or the
        # crash start), which is that level's MIP start
        key = f"solve level {first_level['index']}"
        sovopt_first = _median([r["timings"].get(key, 0.0)
                                + sum(r["timings"].get(p, 0.0) for p in STARTS)
                                for r in ok])
        solve_total = _median([solve_seconds(r) for r in ok])
        s["first_level"] = {"index": first_level["index"], "name": first_level["name"],
                            "seconds": sovopt_first, "status": first_level["status"],
                            "gap": first_level["gap"]}
        s["levels_total"] = solve_total
        s["levels_ratio"] = solve_total / sovopt_first if sovopt_first else None
        # a solve that ends without a portfolio stops before its later levels
        s["all_levels_solved"] = first["status"] in ("optimal", "time_limit") and all(
            lv["value"] is not None for lv in first["levels"]
            if not lv["status"].startswith("skipped"))
        good = [d for d in entry.get("direct", []) if "error" not in d]
        if good:
            direct = _median([d["seconds"] for d in good])
            s["direct"] = {"seconds": direct, "status": good[0]["status"],
                           "gap": good[0]["gap"]}
            s["solve_ratio"] = sovopt_first / direct if direct else None
            # sovopt gives its first level only a share of the time limit; a level
            # stopped by it has no time to compare
            s["first_level_stopped"] = first_level["status"] == "Time limit reached"
    contract = entry.get("contract")
    if contract and "error" not in contract:
        s["contract"] = {k: contract.get(k) for k in ("seconds", "cpu_seconds", "status",
                                                      "gap", "objective", "model")}
    spread = [d for d in entry.get("seed_spread", []) if d and "error" not in d]
    if spread:
        secs = [d["seconds"] for d in spread]
        s["seed_spread"] = {"seeds": [d["seed"] for d in spread], "seconds": secs,
                            "status": [d["status"] for d in spread],
                            "min": min(secs), "max": max(secs),
                            "ratio": max(secs) / min(secs) if min(secs) else None}
    return s


# --- budgets --------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _levels_within(s: dict[str, Any], gap: float) -> tuple[bool, str]:
    """Whether every optimised level ended within ``gap`` (or optimal: stopped at the
    preset's absolute gap in its own units), and the levels' gaps."""
    levels = [lv for lv in s["levels"] if not lv["status"].startswith("skipped")]
    ok = bool(levels) and all(lv["value"] is not None and (
        lv["status"] == "optimal" or (lv["gap"] is not None and lv["gap"] <= gap + 1e-9))
        for lv in levels)
    gaps = " / ".join(_fmt_gap(lv["gap"]) if lv["value"] is not None else "none"
                      for lv in levels)
    return ok, f"level gaps {gaps}"


def budgets(sizes: dict[str, dict[str, Any]], preset: str) -> list[Budget]:
    """The performance budgets (bench/README.md), judged on what was measured."""
    out: list[Budget] = []

    def get(size: str) -> dict[str, Any] | None:
        s = sizes.get(size, {}).get("summary")
        return s if s and "error" not in s else None

    s = get("EX")
    name = "example: every level optimal in <= 1 s of solver time"
    if s is None:
        out.append(Budget(name, "n/a", "EX not run"))
    else:
        ok, gaps = _levels_within(s, 0.01)
        t = s["solver_seconds"]
        out.append(Budget(name, "PASS" if ok and t <= 1.0 else "MISS",
                          f"{t:.2f} s of crash start + levels; {gaps}"))
    for size, limit in (("R", 60.0), ("M", 120.0)):
        s = get(size)
        name = f"{size}: every level <= 1 % gap within {limit:g} s end to end"
        if s is None:
            out.append(Budget(name, "n/a", f"{size} not run"))
            continue
        ok, gaps = _levels_within(s, 0.01)
        out.append(Budget(name, "PASS" if ok and s["end_to_end"] <= limit else "MISS",
                          f"{s['end_to_end']:.1f} s end to end (CPU "
                          f"{s.get('cpu_end_to_end') or 0:.1f} s); {gaps}"))
    verdict, detail = within_best_known(sizes.get("R") if preset == "min_dependence"
                                        else None, 0.01)
    out.append(Budget("R: every level's plan within 1 % of the best known", verdict, detail))
    for size, limit, gap in (("R", 60.0, 0.05), ("M", 120.0, 0.05)):
        s = get(size)
        name = f"{size}: every level's proven gap <= {_pct(gap)} at {limit:g} s"
        if s is None:
            out.append(Budget(name, "n/a", f"{size} not run"))
            continue
        ok, gaps = _levels_within(s, gap)
        out.append(Budget(name, "PASS" if ok and s["end_to_end"] <= limit * 1.05 else "MISS",
                          f"{s['end_to_end']:.1f} s end to end; {gaps}"))
    s = get("R")
    name = "R: >= 5 x faster than the contract's formulation (HiGHS defaults) to the same gap"
    c = (s or {}).get("contract")
    if s is None or c is None or "first_level" not in s:
        out.append(Budget(name, "n/a", "R or its contract yardstick not run"))
    else:
        ours = s["first_level"]
        reached = c["gap"] is not None and c["gap"] <= 0.01 + 1e-9
        ours_reached = ours["status"] == "optimal"
        ratio = c["seconds"] / ours["seconds"] if ours["seconds"] else None
        # a time is comparable only when sovopt reached the gap; the contract's time is
        # then exact (it reached it too) or a lower bound (it did not)
        ok = ours_reached and ratio is not None and ratio >= 5
        detail = (f"level {ours['index']}: sovopt {ours['seconds']:.1f} s ({ours['status']}, "
                  f"gap {_fmt_gap(ours['gap'])}), contract {c['seconds']:.1f} s "
                  f"({c['status']}, gap {_fmt_gap(c['gap'])})")
        if ours_reached and ratio is not None:
            detail += f"; ratio {'' if reached else '>= '}{ratio:.1f}"
        else:
            detail += "; sovopt did not reach the gap, so there is no time to compare"
        out.append(Budget(name, "PASS" if ok else "MISS", detail))
    s = get("L")
    if s is None:
        for name in ("L: a portfolio <= 30 s after the hand-off", "L: <= 5 % gap at 300 s",
                     "L: peak memory <= 4 GB"):
            out.append(Budget(name, "n/a", "L not run"))
    else:
        first = s.get("first_portfolio")
        out.append(Budget("L: a portfolio <= 30 s after the hand-off",
                          "PASS" if first is not None and first <= 30 else "MISS",
                          "none found" if first is None else f"{first:.1f} s"))
        ok, gaps = _levels_within(s, 0.05)
        out.append(Budget("L: <= 5 % gap at 300 s", "PASS" if ok else "MISS",
                          f"status {s['status']}; {gaps}; {s['end_to_end']:.1f} s end to end"))
        mb = s["peak_rss_mb"]
        out.append(Budget("L: peak memory <= 4 GB", "PASS" if mb <= 4096 else "MISS",
                          f"{mb:,.0f} MB"))
    s = get("XL")
    name = "XL: build + hand-off <= 60 s"
    if s is None:
        out.append(Budget(name, "n/a", "XL not run"))
    else:
        t = s["build_hand_off"]
        out.append(Budget(name, "PASS" if t <= 60 else "MISS",
                          f"build {s['timings'].get('build', 0):.1f} s + hand-off "
                          f"{s['timings'].get('hand_off', 0):.1f} s = {t:.1f} s, peak "
                          f"{s['peak_rss_mb']:,.0f} MB"))
    return out


# --- printing -------------------------------------------------------------------------------


def _fmt_gap(gap: float | None) -> str:
    return "-" if gap is None else _pct(gap)


def size_table(entry: dict[str, Any]) -> str:
    """The table of one size, as printed."""
    spec, s, c = entry["spec"], entry["summary"], entry["counts"]
    lines = [f"== {spec['name']}: {c['capabilities']:,} capabilities, {c['suppliers']:,} "
             f"suppliers, {c['options']:,} options, {c['inputs']:,} inputs, "
             f"{c['countries']} countries, {c['years']} years, {c['scenarios']} scenarios",
             f"   seed {entry['seed']}, preset {entry['preset']}, time limit "
             f"{entry['time_limit']:g} s, gap {_pct(entry['gap'])}, "
             f"repeats {len(entry['runs'])}"
             + (" (build-only size: no workbook, no metrics or results workbook)"
                if spec["build_only"] else "")]
    if "error" in s:
        lines.append(f"   FAILED: {s['error']}")
        lines += [f"   last progress: {line}" for line in s.get("progress", [])]
        return "\n".join(lines)
    names = {lv["index"]: lv["name"] for lv in s["levels"]}
    e2e = s["end_to_end"]
    lines.append(f"   {'phase':<46}{'seconds':>10}{'share':>9}")
    for phase, sec in s["timings"].items():
        label = phase
        if phase.startswith("solve level"):
            label = f"{phase} ({names.get(int(phase.rsplit(' ', 1)[-1]), '')})"
        lines.append(f"   {label:<46}{sec:>10.2f}{_pct(sec / e2e) if e2e else '-':>9}")
    other = s.get("other", 0.0)
    lines.append(f"   {'other (pre-check, MIP-start LPs)':<46}{other:>10.2f}"
                 f"{_pct(other / e2e) if e2e else '-':>9}")
    lines.append(f"   {'end to end':<46}{e2e:>10.2f}")
    lines.append(f"   {'modelling overhead':<46}{s['overhead']:>10.2f}"
                 f"{_pct(s['overhead_share']) if e2e else '-':>9}")
    lines.append(f"   {'MPS export for the yardstick (not counted)':<46}"
                 f"{s.get('export_seconds', 0.0):>10.2f}")
    lines.append(f"   peak memory (RSS, fresh process): {s['peak_rss_mb']:,.0f} MB")
    st = s["stats"]
    lines.append(f"   model: {st['variables']:,} variables ({st['binaries']:,} binaries, "
                 f"{st['integers'] - st['binaries']:,} general integers), "
                 f"{st['constraints']:,} constraints, {st['nonzeros']:,} non-zeros; "
                 f"{s['kept_options']:,} options kept, {s['excluded_options']} excluded")
    lines.append(f"   status: {s['status']}, gap {_fmt_gap(s['gap'])}; CPU "
                 f"{s.get('cpu_end_to_end') or 0:.1f} s over {e2e:.1f} s wall end to end"
                 + (f"; first portfolio {s['first_portfolio']:.1f} s after the hand-off"
                    if s.get("first_portfolio") is not None else ""))
    lines += level_table(s["levels"], entry["gap"])
    lines += best_known_lines(entry)
    if s.get("violations"):
        lines.append(f"   metrics found {s['violations']} broken limits in the portfolio")
    if "direct" in s:
        d = s["direct"]
        lines.append(f"   yardstick: HiGHS alone on level {s['first_level']['index']} "
                     f"({s['first_level']['name']}): {d['seconds']:.2f} s ({d['status']}, gap "
                     f"{_fmt_gap(d['gap'])}); sovopt {s['first_level']['seconds']:.2f} s; "
                     f"ratio {s['solve_ratio']:.2f}"
                     + (" (sovopt's level stopped at its time limit: the ratio says nothing)"
                        if s.get("first_level_stopped") else ""))
    if "contract" in s:
        c, m = s["contract"], s["contract"]["model"]
        lines.append(f"   second yardstick: the contract's formulation of level "
                     f"{s['first_level']['index']} ({m['variables']:,} variables, "
                     f"{m['constraints']:,} rows, {m['nonzeros']:,} non-zeros), HiGHS "
                     f"defaults: {c['seconds']:.1f} s ({c['status']}, gap "
                     f"{_fmt_gap(c['gap'])}, objective {c['objective']})")
    if "levels_ratio" in s:
        lines.append(f"   all levels {s['levels_total']:.2f} s = {s['levels_ratio']:.2f} x "
                     "the first level")
    if "seed_spread" in s:
        sp = s["seed_spread"]
        runs = ", ".join(f"seed {k}: {t:.1f} s ({st})" for k, t, st in
                         zip(sp["seeds"], sp["seconds"], sp["status"], strict=True))
        lines.append(f"   HiGHS alone over random_seed: {runs}; max/min "
                     f"{sp['ratio']:.2f}" if sp["ratio"] else f"   seeds: {runs}")
    solve_total = solve_seconds(s)
    if solve_total > entry["time_limit"] * 1.05 + 5:
        lines.append(f"   note: the levels took {solve_total:.1f} s against a time limit of "
                     f"{entry['time_limit']:g} s: HiGHS did not stop in time")
    for note in s["notes"]:
        lines.append(f"   note: {note}")
    if "write_case_seconds" in entry:
        lines.append(f"   (case generated in {entry['generate_seconds']:.2f} s, workbook "
                     f"written in {entry['write_case_seconds']:.2f} s; not part of the run)")
    else:
        lines.append(f"   (case generated in {entry['generate_seconds']:.2f} s)")
    return "\n".join(lines)


def level_table(levels: list[dict[str, Any]], gap: float) -> list[str]:
    """One line per optimised level: status, time to the run's gap, to 5 % and to 1 %
    proven gap, gap at the end, wall and CPU seconds, the method that found the
    portfolio it ended with and what proved its bound."""
    shown = [lv for lv in levels if not lv["status"].startswith("skipped")]
    if not shown:
        return []

    def secs(value: float | None) -> str:
        return "not reached" if value is None else f"{value:.1f} s"

    head = (f"   {'level':<30}{'status':<22}{f'to {_pct(gap)} gap':>14}{'to 5 %':>12}"
            f"{'to 1 %':>12}{'gap at end':>12}{'wall s':>9}{'CPU s':>9}  found by; bound by")
    out = [head]
    for lv in shown:
        cpu = lv.get("cpu_seconds")
        out.append(f"   {lv['name'][:29]:<30}{lv['status'][:21]:<22}"
                   f"{secs(lv.get('seconds_to_gap')):>14}"
                   f"{secs(lv.get('seconds_to_5pct')):>12}{secs(lv.get('seconds_to_1pct')):>12}"
                   f"{_fmt_gap(lv['gap']):>12}{lv['seconds']:>9.1f}"
                   f"{'-' if cpu is None else f'{cpu:.1f}':>9}  {lv.get('found_by') or '-'}; "
                   f"{lv.get('bound_from') or '-'}")
    return out


def _against_best_known(entry: dict[str, Any]) -> tuple[dict[str, Any] | None,
                                                       list[dict[str, Any]]]:
    """The best known record of the entry's case (None without one) and each solved
    level against it (:func:`bench.best_known.against`)."""
    from bench.best_known import against, load

    best = load(entry["size"], entry["seed"])
    if best is None:
        return None, []
    solved = [lv for lv in entry["summary"]["levels"] if lv["value"] is not None]
    return best, against(solved, best)


def best_known_lines(entry: dict[str, Any]) -> list[str]:
    """Each level against the best known plan of its case (bench/best_known/), where
    there is one for the size and seed and the preset is min_dependence."""
    if entry.get("preset") != "min_dependence":
        return []
    best, rows = _against_best_known(entry)
    if best is None:
        return []
    out = [f"   against the best known plans ({best['how']}):"]
    for row in rows:
        said = (f"{row['above']:+.2%} from {row['best']:.6g}" if "above" in row
                else row["why"])
        out.append(f"     {row['name']:<30}{said}")
    return out


def within_best_known(entry: dict[str, Any] | None, share: float) -> tuple[str, str]:
    """PASS when every level compared is within ``share`` above the best known value
    (and at least the first is compared), else MISS; n/a without a best known file."""
    if entry is None or "error" in entry.get("summary", {"error": 1}):
        return "n/a", "not run"
    best, rows = _against_best_known(entry)
    if best is None:
        return "n/a", f"no best known plans for seed {entry['seed']} (python -m bench.best_known)"
    compared = [r for r in rows if "above" in r]
    ok = bool(compared) and all(r["above"] <= share + 1e-12 for r in compared)
    detail = "; ".join(f"{r['name']} {r['above']:+.2%}" if "above" in r
                       else f"{r['name']}: {r['why']}" for r in rows)
    return ("PASS" if ok else "MISS"), f"seed {entry['seed']}: {detail}"


def solve_seconds(s: dict[str, Any]) -> float:
    """Seconds in the solver's multi-level solve: the first portfolio and every level."""
    return sum(v for k, v in s["timings"].items() if k.startswith("solve level") or k in STARTS)


def comparison_table(sizes: dict[str, dict[str, Any]]) -> str:
    """Seconds per phase, one column per size (solve levels summed)."""
    ok = {k: v["summary"] for k, v in sizes.items() if "error" not in v["summary"]}
    if not ok:
        return ""
    rows = ["read", "prepare", "build", "hand_off", "solve", "extract", "duals", "metrics",
            "write"]
    head = f"{'seconds':<22}" + "".join(f"{k:>12}" for k in ok)
    lines = [head]
    for row in rows:
        vals = []
        for s in ok.values():
            v = solve_seconds(s) if row == "solve" else s["timings"].get(row)
            vals.append("-" if v is None else f"{v:.2f}")
        lines.append(f"{row:<22}" + "".join(f"{v:>12}" for v in vals))
    def line(label: str, cell) -> None:
        lines.append(f"{label:<22}" + "".join(f"{cell(s):>12}" for s in ok.values()))

    line("end to end", lambda s: f"{s['end_to_end']:.2f}")
    line("overhead share", lambda s: _pct(s["overhead_share"]))
    line("peak RSS (MB)", lambda s: f"{s['peak_rss_mb']:,.0f}")
    for key in ("variables", "constraints", "nonzeros"):
        line("non-zeros" if key == "nonzeros" else key, lambda s, k=key: f"{s['stats'][k]:,}")
    line("status", lambda s: s["status"])
    return "\n".join(lines)
