"""Solving a case: prepare, build, hand to HiGHS, optimise level by level, extract.

The preset's levels are optimised in order on one compiled model and one HiGHS
instance: after a level is optimised its objective row is added as a
constraint, held within the preset's tolerance, the next level's cost vector
replaces the last, and the previous solution is offered as the MIP start.
Settings ``time_limit_s`` and ``mip_gap`` (or their overrides) reach HiGHS;
the time limit is shared by all levels of one solve.

After the levels, the binaries are fixed at their optimum and the LP of the
primary level (the first after unmet demand) is re-solved for duals: the
marginal value of budget and of localization per year. An infeasible case is
diagnosed (:mod:`sovopt.diagnose`) instead of solved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.diagnose import diagnose, precheck
from sovopt.errors import EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_OK
from sovopt.highs import HighsModel, add_row, has_solution, set_cost, to_highs, warm_start
from sovopt.model import build_model
from sovopt.model.relaxation import Relaxation
from sovopt.portfolio import Portfolio
from sovopt.prepare import ModelData, prepare
from sovopt.presets import Preset, load_preset
from sovopt.spend import unit_spend_by_year

Progress = Callable[[str], None]
MS = highspy.HighsModelStatus


@dataclass
class LevelResult:
    """One optimised level: its value (the incumbent), the solver status and gap."""

    name: str
    terms: dict[str, float]
    status: str
    value: float | None = None
    gap: float | None = None
    seconds: float = 0.0


@dataclass
class SolveResult:
    """Everything a solve produced; ``exit_code`` follows product.md."""

    status: str  # optimal | feasible | infeasible | no_solution
    preset: Preset
    data: ModelData
    levels: list[LevelResult] = field(default_factory=list)
    portfolio: Portfolio = field(default_factory=Portfolio.empty)
    term_values: dict[str, float] = field(default_factory=dict)
    duals: pd.DataFrame = field(default_factory=pd.DataFrame)
    diagnosis: list[Relaxation] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    time_limit: float = 0.0
    mip_gap: float = 0.0

    @property
    def exit_code(self) -> int:
        return {"infeasible": EXIT_INFEASIBLE, "no_solution": EXIT_NO_SOLUTION}.get(
            self.status, EXIT_OK)

    @property
    def gap(self) -> float:
        """The largest relative gap left on any optimised level."""
        gaps = [lv.gap for lv in self.levels if lv.gap is not None]
        return max(gaps) if gaps else 0.0


class _Clock:
    """Phase timer: ``with clock("build"): ...`` adds the elapsed seconds."""

    def __init__(self, timings: dict[str, float], progress: Progress | None):
        self.timings, self.progress = timings, progress

    def __call__(self, phase: str):
        clock = self

        class _Phase:
            def __enter__(self):
                if clock.progress:
                    clock.progress(phase)
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                clock.timings[phase] = clock.timings.get(phase, 0.0) + (
                    time.perf_counter() - self.t0)

        return _Phase()


def solve_case(case: Case, objective: str | Preset | None = None,
               time_limit: float | None = None, gap: float | None = None,
               progress: Progress | None = None,
               highs_options: dict[str, object] | None = None,
               export_first_level: str | None = None) -> SolveResult:
    """Solve ``case`` with a preset (name, file or Preset; default Settings ``objective``).

    ``export_first_level``: write the first level actually optimised, exactly as
    handed to HiGHS (same row and column order), to this MPS file before solving
    it, so the benchmark can time HiGHS alone on the identical model.
    """
    preset = objective if isinstance(objective, Preset) else load_preset(
        objective or case.settings.objective)
    time_limit = float(time_limit if time_limit is not None else case.settings.time_limit_s)
    gap = float(gap if gap is not None else case.settings.mip_gap)
    timings: dict[str, float] = {}
    clock = _Clock(timings, progress)
    with clock("prepare"):
        d = prepare(case)
    result = SolveResult(status="optimal", preset=preset, data=d, timings=timings,
                         time_limit=time_limit, mip_gap=gap)
    found = precheck(d)
    if case.settings.allow_unmet:  # demand beyond reach is then left unmet, not infeasible
        found = [r for r in found if r.family != "demand"]
    if found:
        result.status, result.diagnosis = "infeasible", found
        return result
    with clock("build"):
        m = build_model(d, preset.switch_off)
    options = {"mip_rel_gap": gap, "time_limit": time_limit, "random_seed": 0}
    options.update(highs_options or {})
    with clock("hand_off"):
        hm = to_highs(m, m.term_names, options)
    result.stats = hm.stats()
    x_pos = hm.positions(m.x)
    deadline = time.perf_counter() + time_limit

    def infeasible() -> SolveResult:
        result.status = "infeasible"
        with clock("diagnose"):
            result.diagnosis = diagnose(d, preset.switch_off, options)
        return result

    values = np.zeros(0) if hm.num_col == 0 else None  # an empty model: nothing to decide
    held: list[tuple[int, int]] = []  # (level, HiGHS row) of each held level
    scaled = [level_cost(hm, level.terms) for level in preset.levels]
    if values is None and _wants_crash_start(hm, preset, scaled):
        levels_left = sum(1 for _, sc in scaled if sc)
        with clock("crash start"):
            crash = _crash_start(hm, (deadline - time.perf_counter()) / (levels_left + 1))
        if crash is False:
            return infeasible()
        values = crash
    exported = False
    for k, level in enumerate(preset.levels):
        cost, scale = scaled[k]
        if not scale:
            result.levels.append(LevelResult(level.name, level.terms, "skipped: no data"))
            continue
        remaining = deadline - time.perf_counter()
        if remaining <= 0.5 and values is not None:
            result.levels.append(LevelResult(level.name, level.terms, "not solved: time limit"))
            result.status = "feasible"
            continue
        # An equal share of what is left for each level still to come, so a hard
        # early level cannot starve the later ones (time a level leaves unused
        # passes on to the next); the first optimised level, the one the preset
        # cares most about, may take half, and all of it while there is no
        # portfolio at all.
        to_come = 1 + sum(1 for _, sc in scaled[k + 1:] if sc)
        share = remaining / to_come
        if not any(lv.value is not None for lv in result.levels):
            share = max(share, remaining / 2)
        if values is None:  # no portfolio yet: finding one comes before later levels
            share = remaining
        hm.highs.setOptionValue("time_limit", max(share, 1.0))
        set_cost(hm, cost)
        if export_first_level and not exported:
            hm.highs.writeModel(str(export_first_level))
            exported = True
        if values is not None:
            warm_start(hm, _completed(hm, values))
        with clock(f"solve level {k + 1}"):
            _run_reporting(hm, f"level {k + 1} {level.name}", progress)
        lv = _level_outcome(hm, level.name, level.terms,
                            timings[f"solve level {k + 1}"], scale)
        result.levels.append(lv)
        if lv.status == "infeasible":
            return infeasible()
        if lv.value is None:
            if values is None:
                result.status = "no_solution"
                return result
            result.status = "feasible"
            continue
        values = np.asarray(hm.highs.getSolution().col_value)
        if lv.status != "optimal":
            result.status = "feasible"
        slack = max(preset.relative_tolerance * abs(lv.value), preset.absolute_tolerance)
        held.append((k, add_row(hm, cost, -highspy.kHighsInf, (lv.value + slack) / scale)))

    if values is None:  # every level was empty: any feasible portfolio will do
        set_cost(hm, np.zeros(hm.num_col))
        hm.highs.run()
        lv = _level_outcome(hm, "feasibility", {}, 0.0)
        if lv.status == "infeasible":
            return infeasible()
        if lv.value is None:
            result.status = "no_solution"
            return result
        values = np.asarray(hm.highs.getSolution().col_value)

    with clock("extract"):
        result.portfolio = _portfolio(m, d, hm, values, x_pos)
        result.term_values = {t: float(c @ values) for t, c in hm.costs.items()}
    with clock("duals"):
        result.duals = _duals(m, d, hm, preset, values, held)
    return result


def _completed(hm: HighsModel, values: np.ndarray) -> np.ndarray:
    """The previous solution with its continuous part re-optimised for the new cost.

    A level's solution leaves the auxiliary variables of other terms (HHI
    epigraphs, scenario shortfalls) wherever they happened to be, which makes a
    poor start for the next level. With every integer column fixed at its value
    the LP for the current cost vector gives the best start those decisions
    allow; the bounds are restored afterwards.
    """
    h = hm.highs
    ints = np.flatnonzero(hm.integrality == 1).astype(np.int32)
    fixed = np.round(values[ints])
    h.changeColsBounds(len(ints), ints, fixed, fixed)
    try:
        h.run()
        better = np.asarray(h.getSolution().col_value) if has_solution(h) else values
    finally:
        h.changeColsBounds(len(ints), ints, hm.col_lower[ints], hm.col_upper[ints])
    return better


def _wants_crash_start(hm: HighsModel, preset: Preset,
                       scaled: list[tuple[np.ndarray, float]]) -> bool:
    """A crash start pays when the first optimised level is a risk measure of a MIP."""
    first = next((k for k, (_, sc) in enumerate(scaled) if sc), None)
    return (first is not None and "cost" not in preset.levels[first].terms
            and "cost" in hm.costs and bool(np.any(hm.integrality)))


def _crash_start(hm: HighsModel, seconds: float) -> np.ndarray | None | bool:
    """A first portfolio from the cost term alone, as the MIP start of the first level.

    Risk levels (CVaR, worst case) have flat objectives over many portfolios,
    and HiGHS's own heuristics often find nothing better than "lose
    everything" for a long time; the cheapest portfolio is found quickly and
    is a feasible start from which its improvement heuristics work. Returns
    the solution, None if none was found in ``seconds``, or False if the case
    is infeasible.
    """
    cost, _ = level_cost(hm, {"cost": 1.0})
    set_cost(hm, cost)
    _, gap = hm.highs.getOptionValue("mip_rel_gap")
    hm.highs.setOptionValue("mip_rel_gap", max(gap, 0.05))
    hm.highs.setOptionValue("time_limit", max(seconds, 1.0))
    try:
        hm.highs.run()
    finally:
        hm.highs.setOptionValue("mip_rel_gap", gap)
    if hm.highs.getModelStatus() in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
        return False
    if not has_solution(hm.highs):
        return None
    return np.asarray(hm.highs.getSolution().col_value)


def _run_reporting(hm: HighsModel, label: str, progress: Progress | None) -> None:
    """Run HiGHS, reporting each improving incumbent and its gap through ``progress``."""
    if progress is None:
        hm.highs.run()
        return

    def improved(event) -> None:
        out = event.data_out
        gap = f"{out.mip_gap:.2%}" if 0 <= out.mip_gap < 1e20 else "not yet known"
        progress(f"{label}: incumbent {out.mip_primal_bound:.6g}, gap {gap}, "
                 f"{out.running_time:.1f} s")

    hm.highs.cbMipImprovingSolution.subscribe(improved)
    try:
        hm.highs.run()
    finally:
        hm.highs.cbMipImprovingSolution.unsubscribe(improved)


def level_cost(hm: HighsModel, terms: dict[str, float]) -> tuple[np.ndarray, float]:
    """A level's cost vector scaled to largest coefficient 1, and the scale (0 if empty).

    The terms are shares of budget or demand, so their coefficients can be tiny
    (a unit cost over a large total budget): differences between them would
    fall below HiGHS's tolerances. Dividing by the largest coefficient changes
    no optimum, and values are reported multiplied back.
    """
    cost = sum((w * hm.costs[t] for t, w in terms.items() if t in hm.costs),
               start=np.zeros(hm.num_col))
    scale = float(np.max(np.abs(cost))) if cost.size else 0.0
    return (cost / scale if scale else cost), scale


def _level_outcome(hm: HighsModel, name: str, terms: dict[str, float],
                   seconds: float, scale: float = 1.0) -> LevelResult:
    status = hm.highs.getModelStatus()
    info = hm.highs.getInfo()
    solved = has_solution(hm.highs)
    if status in (MS.kInfeasible, MS.kUnboundedOrInfeasible):
        return LevelResult(name, terms, "infeasible", seconds=seconds)
    label = "optimal" if status == MS.kOptimal else hm.highs.modelStatusToString(status)
    if not solved:
        return LevelResult(name, terms, label, seconds=seconds)
    gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else None
    if gap is not None and gap > 1e20:
        gap = None
    return LevelResult(name, terms, label, float(info.objective_function_value) * scale,
                       0.0 if status == MS.kOptimal and gap is None else gap, seconds)


def _portfolio(m, d: ModelData, hm: HighsModel, values: np.ndarray,
               x_pos: np.ndarray) -> Portfolio:
    """The started options and yearly deliveries of a solution (integers rounded)."""
    units = values[x_pos]
    integer = d.deliveries["option_id"].map(d.options["integer"]).to_numpy(bool)
    units = np.where(integer, np.round(units), units)
    deliveries = d.deliveries[["option_id", "year"]].assign(units=units)
    deliveries = deliveries[deliveries["units"] > 1e-6].reset_index(drop=True)
    started = values[hm.positions(m.start)] > 0.5
    starts = d.starts[started].rename(columns={"year": "start_year"})
    # A start that delivers nothing and costs nothing is an artefact of a free choice
    # (fixed cost 0); keep it only where it is required (mandatory, dual sourcing).
    kept = (starts["option_id"].isin(deliveries["option_id"])
            | starts["option_id"].map(d.options["mandatory"]).astype(bool)
            | (starts["option_id"].map(d.options["fixed_cost"]) > 0)
            | (starts["option_id"].map(d.options["capability_id"])
               .map(d.capabilities["min_suppliers"]) >= 2))
    repairs = Portfolio.empty().repairs
    if m.find_component("rstart") is not None:
        opened = values[hm.positions(m.rstart)] > 0.5
        repairs = d.repair_starts[opened].rename(columns={"year": "start_year"})
    return Portfolio(starts=starts[kept].reset_index(drop=True), deliveries=deliveries,
                     repairs=repairs.reset_index(drop=True))


def _duals(m, d: ModelData, hm: HighsModel, preset: Preset, values: np.ndarray,
           held: list[tuple[int, int]]) -> pd.DataFrame:
    """Marginal values of budget and localization per year, binaries fixed at the optimum.

    The LP re-solve uses the primary level (the first after unmet demand) as
    objective, with unmet demand still held: the marginal value is how much
    that level improves per unit more budget (per currency unit) and how much
    it worsens per percentage point more localization target.
    """
    cols = ["constraint", "year", "marginal_value", "objective"]
    primary = next((k for k, lv in enumerate(preset.levels)
                    if set(lv.terms) != {"unmet"}), None)
    if primary is None:
        return pd.DataFrame(columns=cols)
    h = hm.highs
    later = [row for k, row in held if k >= primary]
    if later:
        h.deleteRows(len(later), np.asarray(sorted(later), dtype=np.int32))
    binary = np.flatnonzero(hm.binary)
    fixed = np.round(values[binary])
    h.changeColsBounds(len(binary), binary.astype(np.int32), fixed, fixed)
    integer = np.flatnonzero(hm.integrality == 1).astype(np.int32)
    h.changeColsIntegrality(len(integer), integer,
                            np.full(len(integer), highspy.HighsVarType.kContinuous))
    level = preset.levels[primary]
    cost, scale = level_cost(hm, level.terms)
    if not scale:
        return pd.DataFrame(columns=cols)
    set_cost(hm, cost)
    h.setOptionValue("time_limit", 60.0)
    h.run()
    if h.getModelStatus() != MS.kOptimal:
        return pd.DataFrame(columns=cols)
    row_dual = np.asarray(h.getSolution().row_dual) * scale
    spend = unit_spend_by_year(d.options, d.deliveries[["option_id", "year"]].assign(
        units=values[hm.positions(m.x)]))["cost"]
    out = []
    for i, (con, _) in enumerate(hm.rows):
        family = con.parent_component().local_name
        if family == "budget":
            out.append(("budget", con.index(), -row_dual[i], level.name))
        elif family == "localization":
            t = con.index()
            out.append(("localization", t, row_dual[i] * 0.01 * float(spend.get(t, 0.0)),
                        level.name))
    return pd.DataFrame(out, columns=cols)


def portfolio_of(m, d: ModelData, hm: HighsModel, values: np.ndarray) -> Portfolio:
    """The portfolio of a solution vector of the compiled model ``hm`` of ``m``: the
    extraction every solve uses, for studies that solve the compiled model themselves."""
    return _portfolio(m, d, hm, values, hm.positions(m.x))
