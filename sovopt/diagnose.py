"""Why a case is infeasible, in terms of the cells a planner can change.

Two steps, both reporting :class:`~sovopt.model.relaxation.Relaxation` items:

1. :func:`precheck` catches the obvious before any model is built (pandas on
   the prepared data): a year's demand above what every option able to
   deliver by then can supply; a minimum supplier share that n suppliers
   cannot all deliver; a mandatory option that was excluded. (Fewer suppliers
   able than min_suppliers is not infeasible: those years are single source by
   necessity, :mod:`sovopt.sourcing`.)
2. :func:`elastic` solves an elastic copy of the compiled model: a slack on
   every row of each family that declares itself relaxable (``FAMILY.relax``
   in its module: budget, localization, country_share, supplier_capacity,
   dual_sourcing, mandatory one_start, and the requirement rows, demand and
   the sustainment families' fleet_service and stock_balance, weighted 1000 times
   more, so a requirement is dropped only when no policy limit can make room),
   each scaled by its row's limit as the family says. Each row whose slack is used
   becomes one relaxation, described by its family's ``describe``.

Both return values a planner (or a script) can type in: :func:`typable`
rounds each ``needed`` in the safe direction, which is the way its limit
loosens (:data:`LOOSEN`: a ≤ limit only rises, a ≥ limit only falls, never the
other way, even where the elastic plan's own reading lands past the current
value; shares to 0.001, whole-number cells to
whole numbers, money and units to four significant figures), keeps one
relaxation per cell (the largest move), and words each as what *would* make
the case feasible: one repair among possibly many, and all the listed
changes together, since the elastic solution that found them needs all of
them. Loosening a limit further never removes a portfolio, so the rounded
values keep the elastic portfolio feasible.

After a change (a budget cut since the last run of the same case), the
planner wants to hear about the limit they changed: :func:`changed_limits`
lists the relaxable limits that tightened between two cases, and
:func:`diagnose` with ``prefer`` gives their slacks a far lower weight, so the
diagnosis names a changed limit whenever relaxing it is part of a repair.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import sparse

from sovopt.case import Case
from sovopt.highs import INF, HighsModel, has_solution, new_highs, pass_arrays, to_highs
from sovopt.model import build_model
from sovopt.model.constraints import FAMILIES, IMPLIED_FAMILIES
from sovopt.model.family import UPPER
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.prepare import ModelData

#: Which way each relaxable family's limit is loosened, read from its ``Relax.bound``:
#: +1 a ≤ limit (budget, a country's share cap, a supplier's capacity) only ever
#: rises, -1 a ≥ limit (the localization target, min_suppliers, a mandatory option, a
#: demand or fleet requirement) only ever falls, also after rounding.
LOOSEN = {name: -1 if family.relax.bound == "floor" else 1
          for name, family in FAMILIES.items() if family.relax is not None}

#: Weight factor of the slack of a limit the planner changed since the last run.
CHANGED_WEIGHT = 1e-3
USED = 1e-6
#: Families whose limit is a share in [0, 1], rounded to SHARE_STEP.
SHARE_FAMILIES = ("localization", "country_share")
SHARE_STEP = 1e-3
#: Significant figures of a rounded money or unit figure.
FIGURES = 4
#: A raw figure this close (relative) to a rounding step is taken as that step: the
#: solver's own tolerance, not a real shortfall.
SNAP = 1e-9


def precheck(d: ModelData) -> list[Relaxation]:
    """Problems visible without solving: reachable capacity, suppliers, mandatory options."""
    found: list[Relaxation] = []
    reach = d.deliveries.groupby(["capability_id", "year"])["cap"].sum()
    if not d.in_service.empty:  # a fleet's requirement is met by the units in service
        fleet = d.in_service.groupby(["capability_id", "year"])["fleet_max"].sum()
        reach = pd.concat([reach[~reach.index.get_level_values(0).isin(d.fleet[
            "capability_id"])], fleet])
    dem = d.demand.set_index(["capability_id", "year"])
    dem = dem[~dem.index.get_level_values(0).isin(d.stock.index)]  # stock can cover a year
    short = dem["demand"] - reach.reindex(dem.index).fillna(0.0)
    for r, t in short[short > 1e-6].index:
        row = dem.loc[(r, t)]
        cell = d.case.cell("Demand", str(t), row["row"])
        can = float(reach.get((r, t), 0.0))
        who = d.deliveries[(d.deliveries["capability_id"] == r) & (d.deliveries["year"] == t)]
        names = ", ".join(f"{o} ({fmt(c)})" for o, c in zip(who["option_id"], who["cap"],
                                                             strict=True)) or "none"
        found.append(Relaxation(
            "demand", f"Demand of {r} in {t}", cell, float(row["demand"]), can,
            f"Demand of {r} in {t} ({cell}) is {fmt(row['demand'])} but the options able to "
            f"deliver by {t} can supply at most {fmt(can)} that year (options: {names}); "
            "lower the demand, raise max_qty_per_year or capacity, or add an earlier option",
            integer=bool(d.capabilities.loc[r, "integer_units"]), key=("demand", (r, t)),
        ))
    # fewer suppliers than min_suppliers able to deliver is not infeasible: those years
    # are single source by necessity (sovopt.sourcing), so only the share is checked
    need = d.capabilities["min_suppliers"]
    for r in need[need >= 2].index:
        share = float(d.capabilities.loc[r, "min_supplier_share"])
        n = int(need[r])
        if n * share > 1.0 + 1e-9:
            cell = d.case.cell("Capabilities", "min_supplier_share",
                               d.capabilities.loc[r, "row"])
            most = math.floor(1e4 / n) / 1e4  # rounded down: a value that works
            found.append(Relaxation(
                "dual_sourcing", f"Minimum supplier share of {r}", cell, share, most,
                f"Minimum supplier share of {r} ({cell}) is {share:g}, so {n} suppliers "
                f"would need {n * share:.0%} of the demand; at most {most:g} can work "
                f"with min_suppliers {n}", key=("min_supplier_share", r),
            ))
    options = d.case.options.set_index("option_id")
    for _, ex in d.excluded.iterrows():
        if bool(options.loc[ex["option_id"], "mandatory"]):
            cell = d.case.cell("Options", "mandatory", ex["row"])
            found.append(Relaxation(
                "one_start", f"Mandatory option {ex['option_id']}", cell, 1.0, 0.0,
                f"Mandatory option {ex['option_id']} ({cell}) was excluded: {ex['reason']}",
                integer=True, key=("mandatory", ex["option_id"]),
            ))
    return typable(d, found, explain=True)


def with_changes(case: Case, found: list[Relaxation]) -> Case:
    """``case`` with the precheck's changes typed in (demand, min_supplier_share,
    mandatory), so what else stands in the way can be found."""
    tables: dict[str, pd.DataFrame] = {}
    for rel in found:
        what, of = rel.key if rel.key else (None, None)
        if what == "demand":
            df = tables.setdefault("demand", case.demand.copy())
            at = (df["capability_id"].astype(str) == str(of[0])) & (df["year"] == of[1])
            df.loc[at, "demand"] = float(rel.needed)
        elif what == "min_supplier_share":
            df = tables.setdefault("capabilities", case.capabilities.copy())
            df.loc[df["capability_id"].astype(str) == str(of), "min_supplier_share"] = \
                float(rel.needed)
        elif what == "mandatory":
            df = tables.setdefault("options", case.options.copy())
            df.loc[df["option_id"].astype(str) == str(of), "mandatory"] = False
    return replace(case, **tables)


#: Rounds of typing a diagnosis in and diagnosing what still stands in the way.
CONFIRM_ROUNDS = 3
_ADDRESS = re.compile(r"([A-Z]+)([0-9]+)")


def typed_in(case: Case, found: list[Relaxation]) -> Case:
    """``case`` with every change of ``found`` typed into its cell, as a planner types
    it into the workbook: a cell of its family's limit column (``Relax.limit``) is
    found by its column letter and workbook row; any other change (a demand, a
    mandatory option, a minimum share) goes through :func:`with_changes`."""
    tables: dict[str, pd.DataFrame] = {}
    without_cell: list[Relaxation] = []
    for rel in found:
        at = _ADDRESS.fullmatch(rel.address)
        letters = case.column_letters.get(rel.sheet, {})
        column = next((c for c, letter in letters.items() if at and letter == at[1]), None)
        relax = FAMILIES[rel.family].relax if rel.family in FAMILIES else None
        if (column is None or relax is None or relax.limit is None
                or relax.limit[1] != column):  # not a plain cell of the family's limit
            without_cell.append(rel)
            continue
        name = rel.sheet.lower()
        df = tables.setdefault(name, case.table(rel.sheet).copy())
        value: object = int(round(rel.needed)) if rel.integer else float(rel.needed)
        df.loc[df["row"] == int(at[2]), column] = value
    case = replace(case, **tables)
    return with_changes(case, without_cell) if without_cell else case


def confirmed(d: ModelData, found: list[Relaxation], switched_off: frozenset[str],
              options: dict[str, object]) -> list[Relaxation]:
    """``found`` completed until typing in every change listed makes the case feasible.

    The changes are typed in (:func:`typed_in`) and the case is checked again: the
    precheck, then the elastic diagnosis, whose plan without slack proves the case
    feasible. What still stands in the way joins the list (a cell already listed
    takes the newer value, measured from the case as given), for at most
    :data:`CONFIRM_ROUNDS` rounds. One change can make another necessary: a country
    share cap raised lets a second supplier deliver its share, which switches dual
    sourcing on in that year (the per-year rule of the dual_sourcing family).
    """
    from sovopt.prepare import prepare

    first = list(found)
    for _ in range(CONFIRM_ROUNDS):
        relaxed = prepare(typed_in(d.case, found))
        more = precheck(relaxed) or diagnose(relaxed, switched_off, options)
        if not more:
            break
        listed = {rel.cell: rel for rel in found}
        for rel in more:
            before = listed.get(rel.cell)
            listed[rel.cell] = rel if before is None else replace(rel, current=before.current)
        found = list(listed.values())
    if found == first:
        return found
    total = len(found)
    return [replace(r, message=wording(r, total) + (
        ". " + r.message.split(". ", 1)[1] if ". " in r.message else "")) for r in found]


def complete_precheck(d: ModelData, found: list[Relaxation], switched_off: frozenset[str],
                      options: dict[str, object]) -> list[Relaxation]:
    """The precheck's changes and, with them typed in, whatever else the elastic
    diagnosis finds (:func:`confirmed`): typing in every change listed then makes the
    case feasible (the precheck alone sees only what is visible without solving)."""
    return confirmed(d, found, switched_off, options)


def diagnose(d: ModelData, switched_off: frozenset[str], options: dict[str, object],
             prefer: Iterable[tuple[str, object]] = ()) -> list[Relaxation]:
    """The elastic diagnosis of an infeasible case, on a model built for it.

    The solve model bounds each delivery by its supplier's capacity (a tighter
    formulation); here that bound is left to the supplier_capacity rows, whose
    slack can then make room, as the diagnosis promises. Families whose rows are
    implied by relaxable ones (``IMPLIED_FAMILIES``) are left out for the same
    reason. ``prefer`` lists limits (from :func:`changed_limits`) to relax first
    when relaxing them helps.
    """
    relaxed = replace(d, deliveries=d.deliveries.assign(cap=d.deliveries["own_cap"]))
    m = build_model(relaxed, switched_off | IMPLIED_FAMILIES)
    hm = to_highs(m, m.term_names, options)
    found = elastic(hm, relaxed, hm.positions(m.x), options, frozenset(prefer)) or []
    return typable(d, found)


def rediagnose_after_changes(d: ModelData, before: ModelData, switched_off: frozenset[str],
                             options: dict[str, object], since: str
                             ) -> list[Relaxation] | None:
    """The diagnosis again, preferring the limits tightened since ``before`` (the case
    as last solved, in run ``since``); each relaxation of a changed limit says so.
    None when nothing relaxable was tightened."""
    changed = changed_limits(before, d)
    if not changed:
        return None
    found = diagnose(d, switched_off, options, prefer=changed)
    out = []
    for rel in found:
        was = changed.get(rel.key) if rel.key is not None else None
        if was is not None:
            rel = replace(rel, message=f"{rel.message} (changed since run {since}, it {was})")
        out.append(rel)
    return out


def _limit_key(family: str, index) -> tuple[str, object]:
    """The workbook limit a row of ``family`` comes from, as :func:`changed_limits` names
    it: a year (budget, localization), a country (country_share), a supplier
    (supplier_capacity), a capability (dual_sourcing) or (capability, year) (demand), as
    each family declares (``Relax.key`` in :mod:`sovopt.model.family`)."""
    relax = FAMILIES[family].relax if family in FAMILIES else None
    return family, (relax.key(index) if relax is not None else index)


def changed_limits(before: ModelData, now: ModelData) -> dict[tuple[str, object], str]:
    """Relaxable limits that are tighter in ``now`` than in ``before`` (the same case
    as last solved): key (as :func:`_limit_key`) -> "was X" text for the message."""
    out: dict[tuple[str, object], str] = {}

    def compare(family: str, old: pd.Series, new: pd.Series, tighter) -> None:
        common = old.index.intersection(new.index)
        for key in common:
            a, b = old[key], new[key]
            if pd.isna(a) and pd.isna(b):
                continue
            if tighter(float(a) if not pd.isna(a) else math.inf,
                       float(b) if not pd.isna(b) else math.inf):
                out[(family, key)] = f"was {fmt(float(a))}" if not pd.isna(a) else "was blank"

    for family in FAMILIES.values():  # each relaxable limit where its family says it is
        relax = family.relax
        if relax is None or relax.limit is None:
            continue
        table, column = relax.limit
        old, new = getattr(before, table), getattr(now, table)
        if relax.by:
            old, new = old.set_index(list(relax.by)), new.set_index(list(relax.by))
        compare(family.name, old[column], new[column], relax.tighter)
    return out


def elastic(hm: HighsModel, d: ModelData, x_positions: np.ndarray,
            options: dict[str, object],
            prefer: frozenset[tuple[str, object]] = frozenset()) -> list[Relaxation] | None:
    """Relaxations that make the case feasible, or None if the copy is infeasible too."""
    picked, coefs, weights, scales = [], [], [], []
    coef_max = abs(hm.A).max(axis=1).toarray().ravel()
    for i, (con, kind) in enumerate(hm.rows):
        family = FAMILIES.get(con.parent_component().local_name)
        relax = family.relax if family is not None else None
        if relax is None or kind not in relax.rows:
            continue
        rhs = hm.row_upper[i] if kind >= 0 else hm.row_lower[i]
        scale = relax.scale(d, con.index(), float(rhs), float(coef_max[i]))
        picked.append(i)
        coefs.append(-scale if kind == UPPER else scale)
        weight = relax.weight
        if _limit_key(family.name, con.index()) in prefer:
            weight *= CHANGED_WEIGHT
        weights.append(weight)
        scales.append(scale)
    if not picked:
        return None
    k = len(picked)
    S = sparse.csc_array((np.asarray(coefs), (np.asarray(picked), np.arange(k))),
                         shape=(hm.num_row, k))
    A = sparse.hstack([sparse.csc_array(hm.A), S])
    h = new_highs(options)
    pass_arrays(h, A, np.concatenate([np.zeros(hm.num_col), np.asarray(weights)]),
                np.concatenate([hm.col_lower, np.zeros(k)]),
                np.concatenate([hm.col_upper, np.full(k, INF)]),
                hm.row_lower, hm.row_upper,
                np.concatenate([hm.integrality, np.zeros(k, np.int32)]))
    h.run()
    if not has_solution(h):
        return None
    values = np.asarray(h.getSolution().col_value)
    slack = values[hm.num_col:]
    deliveries = d.deliveries[["option_id", "year"]].assign(units=values[x_positions])
    found = []
    for j in np.flatnonzero(slack > USED):
        con, _ = hm.rows[picked[j]]
        family = con.parent_component().local_name
        amount = float(slack[j] * scales[j])
        rel = FAMILIES[family].describe(d, con.index(), amount, deliveries)
        rel = replace(rel, key=_limit_key(family, con.index()))
        if family == "demand":
            rel = replace(rel, integer=bool(d.capabilities.loc[con.index()[0],
                                                                "integer_units"]))
        elif family == "one_start" or (  # min_suppliers counts; a minimum share does not
                family == "dual_sourcing" and float(rel.current).is_integer()
                and float(rel.needed).is_integer()):
            rel = replace(rel, integer=True)
        found.append(rel)
    return found


def typable(d: ModelData, found: list[Relaxation], explain: bool = False) -> list[Relaxation]:
    """The relaxations as values to type in: ``needed`` rounded in the safe direction,
    one relaxation per cell (the largest move), each message worded as what would
    make the case feasible together with the others listed (``explain`` keeps the
    family's own sentence after it, for the precheck's findings)."""
    by_cell: dict[str, Relaxation] = {}
    for rel in found:
        rel = replace(rel, needed=safe_needed(rel))
        key = rel.cell if "!" in rel.cell else f"{rel.cell}: {rel.limit}"  # row unknown
        kept = by_cell.get(key)
        if kept is None or abs(rel.change) > abs(kept.change):
            by_cell[key] = rel
    merged = list(by_cell.values())
    return [replace(r, message=wording(r, len(merged)) + (f". {r.message}" if explain else ""))
            for r in merged]


def safe_needed(rel: Relaxation) -> float:
    """``rel.needed`` rounded the way its limit loosens (:data:`LOOSEN`): up for a ≤
    limit, down for a ≥ limit, so typing it in is always enough; a figure that lands
    on or past the current value (the elastic plan's own reading of it) moves one
    step past it the loosening way, so a limit is never tightened."""
    needed, current = float(rel.needed), float(rel.current)
    if not math.isfinite(needed):
        return needed
    way = LOOSEN.get(rel.family, 1 if needed > current else -1)
    rise = way > 0
    if rel.family in SHARE_FAMILIES:
        step = SHARE_STEP
    elif rel.integer:
        step = 1.0
    else:
        size = max(abs(needed), abs(current), 1e-12)
        step = 10.0 ** (math.floor(math.log10(size)) - (FIGURES - 1))
    ratio = needed / step
    nearest = round(ratio)
    if abs(ratio - nearest) <= SNAP * max(1.0, abs(ratio)):
        k = nearest
    else:
        k = math.ceil(ratio) if rise else math.floor(ratio)
    decimals = max(0, -math.floor(math.log10(step)))
    value = round(k * step, decimals)
    if (value - current) * way <= SNAP * max(1.0, abs(current)):
        value = round(current + way * step, decimals)  # never the tightening way
    if rel.family in SHARE_FAMILIES:
        value = min(1.0, max(0.0, value))
    elif rel.family == "dual_sourcing" and rel.integer:  # at least one supplier
        value = max(1.0, value)
    elif not rise:
        value = max(0.0, value)
    return value


def exact(value: float) -> str:
    """A figure exactly as it is to be typed (no rounding to nearest for display)."""
    return f"{value:.10g}"


def wording(rel: Relaxation, listed: int) -> str:
    """``The case would become feasible if Budget 2027 (Budget!B3) rose from 70 to 100
    (+30)``, saying when the other listed changes are needed too."""
    where = f"{rel.limit} ({rel.cell})"
    if rel.family == "one_start":
        change = f"{where} were set to no (mandatory: no)"
    else:
        verb = "rose" if rel.needed > rel.current else "fell"
        sign = "+" if rel.change > 0 else "-"
        change = (f"{where} {verb} from {exact(rel.current)} to {exact(rel.needed)} "
                  f"({sign}{exact(abs(rel.change))})")
    others = listed - 1
    together = (f", together with the {others} other change{'s' if others > 1 else ''} "
                "listed") if others else ""
    return f"The case would become feasible if {change}{together}; one possible repair"


#: Columns of :func:`as_table`: ``sheet`` and ``cell`` (``Budget``, ``B3``) say where to
#: type ``needed``; ``change`` is needed - current.
TABLE_COLUMNS = ["constraint", "limit", "sheet", "cell", "current", "needed", "change",
                 "message"]


def as_table(relaxations: list[Relaxation]) -> pd.DataFrame:
    """The diagnosis as a tidy table (for the results workbook and the run store)."""
    return pd.DataFrame(
        [{"constraint": r.family, "limit": r.limit, "sheet": r.sheet, "cell": r.address,
          "current": r.current, "needed": r.needed, "change": r.change, "message": r.message}
         for r in relaxations],
        columns=TABLE_COLUMNS,
    )
