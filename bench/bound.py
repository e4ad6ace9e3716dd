"""How strong the bound of one level is, with and without a formulation change:
``python -m bench.bound`` (see bench/README.md, "The bound of a level").

For each case (``EX``, the example, or a generated size with a case seed) the
levels of the preset before the measured one are optimised once (threads=1,
their own time limit) and their values cached in ``<out>/bound-holds.json``;
every variant of the model then holds them exactly as a solve does (the
preset's tolerance) and optimises the measured level (default: the exposure
and concentration level of min_dependence) in a fresh HiGHS instance with
threads=1. Per variant and HiGHS random_seed it reports:

- ``LP``: the level's LP relaxation (integrality dropped, nothing else);
- ``root``: HiGHS's dual bound when it leaves the root node (after its cuts);
- ``best``: the incumbent at the end; ``root gap`` = (best − root)/best against
  the best incumbent of any variant of the case (the same optimum for all, as
  every variant is valid);
- ``gap``, ``nodes``, ``CPU s`` and ``wall s``: at the end of the MIP, which
  stops at ``--gap`` (default 1 %) or ``--time-limit``; CPU seconds are this
  process's (the machine is shared: CPU time and the bound are what compare).

A variant is a set of families switched off plus rows added to the compiled
model (:data:`VARIANTS`); the ones tried and their numbers are in
bench/README.md. Only families kept in sovopt need no rows here.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np
import pandas as pd

from bench.generate import generate_case
from bench.run import DEFAULT_OUT
from sovopt.highs import (
    INF,
    HighsModel,
    add_row,
    clear_state,
    has_solution,
    set_cost,
    to_highs,
    warm_start,
)
from sovopt.model import build_model
from sovopt.prepare import ModelData, prepare
from sovopt.presets import load_preset
from sovopt.solver import level_cost
from sovopt.spend import start_spend, unit_spend

#: A variant's extra rows: (d, m, hm) -> list of (columns, coefficients, lower, upper).
Rows = Callable[[ModelData, object, HighsModel], list[tuple[np.ndarray, np.ndarray,
                                                              float, float]]]


@dataclass(frozen=True)
class Variant:
    name: str
    switch_off: frozenset[str] = frozenset()
    rows: Rows | None = None
    what: str = ""
    relaxation: bool = False  # not a valid model of the level: no reference optimum


@dataclass
class Measure:
    case: str
    variant: str
    seed: int
    lp: float
    root: float | None
    best: float | None
    bound: float | None
    nodes: int
    cpu: float
    wall: float
    status: str
    rows: int
    relaxation: bool = False

    @property
    def gap(self) -> float | None:
        if self.best is None or self.bound is None:
            return None
        return max(0.0, self.best - self.bound) / max(abs(self.best), 1e-12)


def _case(key: str):
    if key.upper() == "EX":
        return generate_case("EX")
    size, _, seed = key.partition(":")
    return generate_case(size.upper(), int(seed or 0))


def _options(threads: int, seed: int, gap: float, limit: float) -> dict[str, object]:
    return {"threads": threads, "random_seed": seed, "mip_rel_gap": gap,
            "time_limit": limit, "output_flag": False}


def _compiled(d: ModelData, variant: Variant, options: dict[str, object]):
    m = build_model(d, variant.switch_off)
    hm = to_highs(m, m.term_names, options)
    return m, hm, _add_rows(d, m, hm, variant)


def _add_rows(d: ModelData, m, hm: HighsModel, variant: Variant) -> int:
    """Add the variant's rows (computed on the model as it is, held levels included)."""
    if variant.rows is None:
        return 0
    rows = variant.rows(d, m, hm)
    for cols, vals, lo, up in rows:
        hm.highs.addRow(lo, up, len(cols), np.asarray(cols, np.int32),
                        np.asarray(vals, float))
    return len(rows)


def prior_values(key: str, d: ModelData, preset_name: str, level: int, limit: float,
                 threads: int, cache: Path) -> tuple[list[float | None], np.ndarray | None]:
    """The values of the preset's levels before ``level`` and the last one's solution
    (the measured level's MIP start, as in a solve), cached per case and preset.

    As in a solve, the first optimised level starts from the cost-only portfolio
    (5 % gap), and each level from the one before.
    """
    store = json.loads(cache.read_text()) if cache.exists() else {}
    tag = f"{key}|{preset_name}|{level}"
    vector = cache.with_name(f"bound-start-{tag.replace('|', '-').replace(':', '_')}.npy")
    if tag in store and vector.exists():
        return store[tag], np.load(vector)
    preset = load_preset(preset_name)
    _, hm, _ = _compiled(d, Variant("base"), _options(threads, 0, 0.01, limit))
    h = hm.highs
    cost, _ = level_cost(hm, {"cost": 1.0})
    set_cost(hm, cost)
    h.setOptionValue("mip_rel_gap", 0.05)
    h.run()
    h.setOptionValue("mip_rel_gap", 0.01)
    start = np.asarray(h.getSolution().col_value) if has_solution(h) else None
    clear_state(h)
    values: list[float | None] = []
    for k in range(level):
        cost, scale = level_cost(hm, preset.levels[k].terms)
        if not scale:
            values.append(None)
            continue
        set_cost(hm, cost)
        if start is not None:
            warm_start(hm, start)
        h.run()
        if not has_solution(h):
            raise SystemExit(f"{key}: level {k + 1} found no solution in {limit} s")
        start = np.asarray(h.getSolution().col_value)
        value = float(cost @ start) * scale
        print(f"  {key}: level {k + 1} {preset.levels[k].name} = {value:.6g} "
              f"({h.modelStatusToString(h.getModelStatus())})", flush=True)
        _hold(hm, cost, scale, value, preset)
        clear_state(h)
        values.append(value)
    store[tag] = values
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(store, indent=1))
    np.save(vector, start)
    return values, start


def _hold(hm: HighsModel, cost: np.ndarray, scale: float, value: float, preset) -> None:
    slack = max(preset.relative_tolerance * abs(value), preset.absolute_tolerance)
    add_row(hm, cost, -INF, (value + slack) / scale)


def measure(key: str, d: ModelData, variant: Variant, preset_name: str, level: int,
            held: list[float | None], start: np.ndarray | None, seed: int, gap: float,
            limit: float, threads: int) -> Measure:
    """LP, root bound and the MIP to ``gap`` of the level, for one variant and seed."""
    preset = load_preset(preset_name)
    m, hm, _ = _compiled(d, Variant(variant.name, variant.switch_off),
                         _options(threads, seed, gap, limit))
    h = hm.highs
    for k, value in enumerate(held):
        if value is not None:
            cost, scale = level_cost(hm, preset.levels[k].terms)
            _hold(hm, cost, scale, value, preset)
    added = _add_rows(d, m, hm, variant)
    cost, scale = level_cost(hm, preset.levels[level].terms)
    set_cost(hm, cost)
    lp = h.getLp()
    kinds = np.asarray([int(k) for k in lp.integrality_])
    ints = np.flatnonzero(kinds == 1).astype(np.int32)
    h.changeColsIntegrality(len(ints), ints,
                            np.full(len(ints), highspy.HighsVarType.kContinuous))
    h.run()
    lp_value = (float(h.getInfo().objective_function_value) * scale
                if h.getModelStatus() == highspy.HighsModelStatus.kOptimal else float("nan"))
    h.changeColsIntegrality(len(ints), ints,
                            np.full(len(ints), highspy.HighsVarType.kInteger))
    clear_state(h)
    root: list[float] = []

    def watch(event) -> None:
        out = event.data_out
        if not root and out.mip_node_count >= 1:
            root.append(float(out.mip_dual_bound))

    if start is not None and len(start) == hm.num_col:  # the previous level's portfolio
        warm_start(hm, start)
    h.cbMipInterrupt.subscribe(watch)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    h.run()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    h.cbMipInterrupt.unsubscribe(watch)
    info = h.getInfo()
    best = float(info.objective_function_value) * scale if info.primal_solution_status == 2 \
        else None
    bound = float(info.mip_dual_bound) * scale
    root_bound = root[0] * scale if root else bound  # solved at the root
    return Measure(key, variant.name, seed, lp_value, root_bound, best, bound,
                   int(info.mip_node_count), cpu, wall,
                   h.modelStatusToString(h.getModelStatus()), added, variant.relaxation)


def table(results: list[Measure]) -> str:
    """The with/without table: one line per case, variant and seed."""
    best = {}
    for r in results:
        if r.best is not None and not r.relaxation:
            best[r.case] = min(best.get(r.case, np.inf), r.best)
    head = (f"{'case':<8} {'variant':<22} {'seed':>4} {'rows':>5} {'LP':>10} {'root':>10} "
            f"{'best':>10} {'root gap':>8} {'gap':>7} {'nodes':>6} {'CPU s':>7} "
            f"{'wall s':>7}  status")
    lines = [head, "-" * len(head)]
    for r in results:
        ref = best.get(r.case)
        rg = "" if ref is None or r.root is None else f"{(ref - r.root) / ref:.2%}"
        g = "" if r.gap is None else f"{r.gap:.2%}"
        lines.append(
            f"{r.case:<8} {r.variant:<22} {r.seed:>4} {r.rows:>5} {r.lp:>10.6g} "
            f"{(r.root or float('nan')):>10.6g} {(r.best or float('nan')):>10.6g} {rg:>8} "
            f"{g:>7} {r.nodes:>6} {r.cpu:>7.1f} {r.wall:>7.1f}  {r.status}")
    return "\n".join(lines)


# --- candidate rows (static, from the data: each valid for every integer-feasible point) --


def unit_spend_floor(d: ModelData) -> pd.Series:
    """LB[t]: the least unit spending any portfolio has in year t (index year).

    For a deliveries capability without stock, demand holds with equality
    (Σ_o x[o,t] = D[r,t], no unmet demand allowed) and 0 ≤ x[o,t] ≤ cap[o,t], so
    the year's unit spending on r is at least the greedy fill of D[r,t] by its
    options in order of unit cost up to their caps (the LP of that one row).
    Fleet and stock capabilities (and every capability when unmet demand is
    allowed) count 0. Every other part of a year's spend (fixed, activation,
    support, holding costs) is ≥ 0, so B[t] − LB[t] bounds the fixed costs of
    the starts in year t.
    """
    years = pd.Series(0.0, index=d.years)
    if d.case.settings.allow_unmet:
        return years
    plain = d.capabilities.index[(d.capabilities["requirement"] == "deliveries")
                                 & (d.capabilities["stock_max"] <= 0)]
    dl = d.deliveries[d.deliveries["capability_id"].isin(plain)]
    price = unit_spend(d.options, dl[["option_id"]].assign(units=1.0))["cost"].to_numpy()
    dl = dl.assign(price=price).sort_values(["capability_id", "year", "price"])
    dl = dl.merge(d.demand[["capability_id", "year", "demand"]], on=["capability_id", "year"])
    before = dl.groupby(["capability_id", "year"])["cap"].cumsum() - dl["cap"]
    units = np.clip(dl["demand"] - before, 0.0, dl["cap"])
    return years.add((units * dl["price"]).groupby(dl["year"]).sum(), fill_value=0.0)


def _fixed_starts(d: ModelData, hm: HighsModel, m) -> pd.DataFrame:
    cols = hm.positions(m.start)
    fixed = start_spend(d.options, d.starts).to_numpy(float)
    return d.starts.assign(col=cols, F=fixed)


def start_fix_rows(d, m, hm):
    """start[o,t] = 0 where F[o] alone exceeds B[t] − LB[t]: no portfolio can start
    there (rows start ≤ 0)."""
    room = d.budget["budget"] - unit_spend_floor(d)
    s = _fixed_starts(d, hm, m)
    s = s[s["F"] > s["year"].map(room) + 1e-9]
    return [(np.array([c]), np.array([1.0]), -INF, 0.0) for c in s["col"]]


def _cg_rows(items: pd.DataFrame, room: float, divisors: int):
    """Chvátal–Gomory rows Σ floor(F/f)·start ≤ floor(room/f) over ``items``
    (start columns with F > 0 whose fixed costs, all binary, sum to at most
    ``room``), for up to ``divisors`` values f among the items' F; rows that
    every 0-1 point satisfies (Σ floor(F/f) ≤ floor(room/f)) are left out."""
    items = items[items["F"] > 0]
    if items.empty or room < 0:
        return []
    values = np.unique(items["F"].to_numpy())
    values = values[values <= room]
    if len(values) > divisors:
        values = np.unique(np.quantile(values, np.linspace(0.2, 1.0, divisors),
                                       method="nearest"))
    out = []
    for f in values:
        coef = np.floor(items["F"].to_numpy() / f + 1e-9)
        rhs = np.floor(room / f + 1e-9)
        keep = coef > 0
        if coef.sum() <= rhs:
            continue
        out.append((items["col"].to_numpy()[keep], coef[keep], -INF, float(rhs)))
    return out


def year_cg_rows(d, m, hm, divisors: int = 6):
    """Per year t: Σ_o floor(F[o]/f)·start[o,t] ≤ floor((B[t] − LB[t])/f)."""
    room = d.budget["budget"] - unit_spend_floor(d)
    s = _fixed_starts(d, hm, m)
    out = []
    for t, grp in s.groupby("year"):
        out += _cg_rows(grp, float(room[t]), divisors)
    return out


def window_cg_rows(d, m, hm, divisors: int = 6):
    """Per window W = [first, t] and W = [t, t+1]: Σ_{o, τ∈W} floor(F[o]/f)·start[o,τ]
    ≤ floor(Σ_{τ∈W} (B[τ] − LB[τ])/f)."""
    room = d.budget["budget"] - unit_spend_floor(d)
    s = _fixed_starts(d, hm, m)
    years = list(d.years)
    windows = [years[:i + 1] for i in range(1, len(years))]
    windows += [years[i:i + 2] for i in range(1, len(years) - 1)]
    out = []
    for w in windows:
        out += _cg_rows(s[s["year"].isin(w)], float(room[w].sum()), divisors)
    return out


def level_spend_floor(d, m, hm, windows: list[list[int]]) -> list[float]:
    """LB*[W]: the least unit spending over the years of each window W in the LP
    relaxation of the model HiGHS holds now (the held levels included): a bound
    for this level only, found by one LP per window (optimality-based tightening)."""
    h = hm.highs
    xc = hm.positions(m.x)
    price = unit_spend(d.options, d.deliveries[["option_id"]].assign(units=1.0))["cost"]
    price = price.to_numpy(float)
    year = d.deliveries["year"].to_numpy()
    lp = h.getLp()
    kinds = np.asarray([int(k) for k in lp.integrality_])
    ints = np.flatnonzero(kinds == 1).astype(np.int32)
    h.changeColsIntegrality(len(ints), ints,
                            np.full(len(ints), highspy.HighsVarType.kContinuous))
    out = []
    for w in windows:
        cost = np.zeros(hm.num_col)
        mask = np.isin(year, w)
        cost[xc[mask]] = price[mask]
        set_cost(hm, cost)
        h.run()
        out.append(float(h.getInfo().objective_function_value) - 1e-6)
    h.changeColsIntegrality(len(ints), ints,
                            np.full(len(ints), highspy.HighsVarType.kInteger))
    set_cost(hm, np.zeros(hm.num_col))
    clear_state(h)
    return out


def level_cg_rows(d, m, hm, divisors: int = 6):
    """year CG and window CG rows with B − LB* as the room (:func:`level_spend_floor`)."""
    years = list(d.years)
    windows = [[t] for t in years] + [years[:i + 1] for i in range(1, len(years))]
    windows += [years[i:i + 2] for i in range(1, len(years) - 1)]
    floors = level_spend_floor(d, m, hm, windows)
    s = _fixed_starts(d, hm, m)
    out = []
    for w, lb in zip(windows, floors, strict=True):
        room = float(d.budget["budget"][w].sum()) - lb
        items = s[s["year"].isin(w)]
        if len(w) == 1:
            out += [(np.array([c]), np.array([1.0]), -INF, 0.0)
                    for c in items.loc[items["F"] > room + 1e-6, "col"]]
        out += _cg_rows(items, room, divisors)
    return out


def _both(*makers):
    return lambda d, m, hm: [r for make in makers for r in make(d, m, hm)]


#: The variants this harness knows (name -> Variant); see bench/README.md for the numbers.
VARIANTS: dict[str, Variant] = {
    "base": Variant("base", what="the model as sovopt builds it"),
    "no share_window": Variant("no share_window", frozenset({"share_window"}),
                               what="family share_window switched off"),
    "start fix": Variant("start fix", rows=start_fix_rows,
                         what="starts whose fixed cost alone exceeds B[t] − LB[t] fixed at 0"),
    "year CG": Variant("year CG", rows=_both(start_fix_rows, year_cg_rows),
                       what="start fix + Chvátal–Gomory rows of each year's fixed costs"),
    "window CG": Variant("window CG", rows=_both(start_fix_rows, year_cg_rows,
                                                 window_cg_rows),
                         what="year CG + the same over windows of years"),
    "level CG": Variant("level CG", rows=level_cg_rows,
                        what="year and window CG rows with the level's own spend floor "
                             "(one LP per window)"),
    "no budget": Variant("no budget", frozenset({"budget"}),
                         what="budget rows switched off (a relaxation: where the bound "
                              "is weak)", relaxation=True),
}


def whole_solve(key: str, variant: Variant, preset_name: str, seed: int, gap: float,
                limit: float, threads: int) -> list[dict]:
    """``solve_case`` end to end with the variant's families switched off (rows of a
    variant cannot be added to a solve): per level its status, gap and seconds, and the
    CPU seconds of the whole solve."""
    from dataclasses import replace

    from sovopt.solver import solve_case

    preset = load_preset(preset_name)
    preset = replace(preset, switch_off=preset.switch_off | variant.switch_off)
    cpu0 = time.process_time()
    r = solve_case(_case(key), preset, time_limit=limit, gap=gap,
                   highs_options={"threads": threads, "random_seed": seed})
    cpu = time.process_time() - cpu0
    return [{"case": key, "variant": variant.name, "seed": seed, "level": lv.name,
             "status": lv.status, "value": lv.value, "gap": lv.gap, "seconds": lv.seconds,
             "solve_cpu": cpu} for lv in r.levels if lv.value is not None]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bound", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default="EX,R:0,M:0",
                    help="EX or SIZE:case_seed, comma-separated [EX,R:0,M:0]")
    ap.add_argument("--variants", default="base",
                    help=f"comma-separated, of: {', '.join(VARIANTS)} [base]")
    ap.add_argument("--preset", default="min_dependence")
    ap.add_argument("--level", type=int, default=3,
                    help="the level measured, 1-based [3: exposure and concentration]")
    ap.add_argument("--seeds", default="0", help="HiGHS random_seed values [0]")
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--time-limit", type=float, default=120.0,
                    help="seconds per MIP of the measured level [120]")
    ap.add_argument("--prior-limit", type=float, default=60.0,
                    help="seconds per level before the measured one (cached) [60]")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--solve", action="store_true",
                    help="time whole solves (solve_case) instead, per level; variants "
                         "that switch families off only")
    args = ap.parse_args(argv)
    variants = [VARIANTS[v.strip()] for v in args.variants.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.solve:
        rows = []
        for key in [c.strip() for c in args.cases.split(",")]:
            for variant in variants:
                for seed in seeds:
                    for row in whole_solve(key, variant, args.preset, seed, args.gap,
                                           args.time_limit, args.threads):
                        rows.append(row)
                        print(f"{key:<8} {variant.name:<16} {seed:>4}  {row['level']:<28} "
                              f"{row['status']:<10} {row['value']:.6g}  gap {row['gap']:.2%}"
                              f"  {row['seconds']:6.1f} s  (solve CPU {row['solve_cpu']:.1f} s)",
                              flush=True)
        return 0
    level = args.level - 1
    results: list[Measure] = []
    for key in [c.strip() for c in args.cases.split(",")]:
        d = prepare(_case(key))
        held, start = prior_values(key, d, args.preset, level, args.prior_limit, args.threads,
                            args.out / "bound-holds.json")
        for variant in variants:
            for seed in seeds:
                r = measure(key, d, variant, args.preset, level, held, start, seed, args.gap,
                            args.time_limit, args.threads)
                results.append(r)
                print(table([r]).splitlines()[-1], flush=True)
    print()
    print(table(results))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"bound-{stamp}.json").write_text(json.dumps(
        [r.__dict__ for r in results], indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
