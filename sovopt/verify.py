"""Whether a plan may be used: the one check every solver answer and every portfolio passes.

HiGHS can hand back a vector that is not the solution of the level it
reports on (a MIP start returned unchanged after presolve solved the reduced
problem; a "solve error" whose primal values break rows). A plan a minister
acts on must never rest on such a vector, so each one is checked twice
before it is passed to the next level, to the metrics or to the report
(:func:`solution_problems`):

1. in the model's own terms (:func:`sovopt.highs.check_vector`): column
   bounds, integrality, every row HiGHS holds (held levels included), and
   that its objective is the one HiGHS reported;
2. as a plan (:func:`violations`): the portfolio it encodes, integers rounded
   as reported, against every limit of the case (budget, localization, country
   shares, supplier capacity, demand, starts, delivery windows, minimum orders,
   mandatory options, supplier counts, stock and repair lines), computed from
   the case tables (:mod:`sovopt.portfolio_frame`), independently of the Pyomo
   rows.

The plan checks (:func:`check_plan`) are also what :func:`sovopt.metrics.evaluate`
reports as a portfolio's broken limits (``sovopt stress``, the Constraints sheet),
each as a sentence naming the limit's workbook cell, the value and the limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sovopt import sustainment
from sovopt.portfolio import Portfolio
from sovopt.portfolio_frame import TOL, PortfolioFrame, counted_suppliers, join, local_share, shares
from sovopt.prepare import ModelData

if TYPE_CHECKING:
    from sovopt.highs import HighsModel

#: The columns of a broken limit (and of a surplus): its kind, cell, value and limit.
VIOLATION_COLUMNS = ["constraint", "where", "value", "limit", "message"]


@dataclass
class Findings:
    """What the plan checks found: broken limits and (not a broken limit) surplus."""

    violations: list[dict] = field(default_factory=list)
    surplus: list[dict] = field(default_factory=list)

    def flag(self, constraint: str, where: str, value: float | None, limit: float | None,
             message: str) -> None:
        """Record a broken limit: its kind (the constraint family's name where the limit
        is a family's, so a preset's switch_off names it), cell, value, limit and the
        sentence saying so."""
        self.violations.append({"constraint": constraint, "where": where, "value": value,
                                "limit": limit, "message": message})

    def note_surplus(self, where: str, value: float, limit: float, message: str) -> None:
        """Record a delivery above the demand (see :attr:`sovopt.metrics.Metrics.surplus_table`)."""
        self.surplus.append({"constraint": "demand", "where": where, "value": value,
                             "limit": limit, "message": message})


def solution_problems(hm: HighsModel, values: np.ndarray, cost: np.ndarray | None,
                      claimed: float | None, d: ModelData,
                      portfolio: Portfolio,
                      switched_off: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with ``values`` (and its ``portfolio``); empty when it may be used.

    ``switched_off``: the families the preset leaves out, whose limits the
    solution need not keep.
    """
    # deliberate lazy import: the plan checks serve the metrics (stress, report), which
    # never load the solver stack (HiGHS, Pyomo)
    from sovopt.highs import check_vector

    bad = check_vector(hm, values, cost, claimed)
    if bad:
        return [f"model: {b}" for b in bad]
    return [f"plan: {b}" for b in violations(d, portfolio, switched_off)]


def violations(d: ModelData, portfolio: Portfolio,
               switched_off: frozenset[str] = frozenset()) -> list[str]:
    """Every limit of the case that ``portfolio`` breaks, without the KPIs and tables.

    The same checks as :func:`sovopt.metrics.evaluate` (one message per broken limit, naming
    its cell), less those of the families a preset switched off; the solve runs
    them on every level's portfolio before using it.
    """
    found = check_plan(join(d, portfolio))
    return [v["message"] for v in found.violations
            if v["constraint"] not in switched_off]


def check_plan(f: PortfolioFrame, country_shares: pd.DataFrame | None = None) -> Findings:
    """Every limit of the case that the joined portfolio ``f`` breaks, and its surplus.

    ``country_shares``: :func:`sovopt.portfolio_frame.shares` of ``f`` when the
    caller has it already (the metrics do); computed here otherwise.
    """
    found = Findings()
    _check_budget(f, found)
    _check_country_share(f, found, shares(f) if country_shares is None else country_shares)
    _check_capacity(f, found)
    _check_demand(f, found)
    _check_options(f, found)
    _check_suppliers(f, found)
    _check_sustainment(f, found)
    return found




def _over(value: float, limit: float) -> bool:
    return value > limit + TOL * max(1.0, abs(limit))


def _check_sustainment(f: PortfolioFrame, found: Findings) -> None:
    """Stock within stock_max; repair lines started once, in a year of the horizon."""
    case, caps = f.d.case, f.d.capabilities
    st = f.stock
    if len(st):
        over = st[st["planned_stock"] > st["stock_max"] + TOL * np.maximum(1.0,
                                                                           st["stock_max"])]
        for r, t, level, cap in over[["capability_id", "year", "planned_stock",
                                      "stock_max"]].itertuples(index=False):
            cell = case.cell("Capabilities", "stock_max", caps.loc[r, "row"])
            found.flag("stock_max", cell, float(level), float(cap),
                   f"Stock of {r} ({cell}): {num(level)} units at the end of {int(t)}, above "
                   f"its stock_max {num(cap)}")
    rp = f.repairs
    if rp.empty:
        return
    lines = sustainment.repair_lines(f.d)
    years = f.d.years
    for p, grp in rp.groupby("repair_id", sort=True):
        cell = case.cell("Repair", "repair_id", lines.loc[p, "row"])
        started = grp["start_year"].tolist()
        if len(started) > 1:
            found.flag("repair_line", cell, float(len(started)), 1.0,
                   f"Repair line {p} ({cell}) is started {len(started)} times "
                   f"({', '.join(map(str, started))}); a repair line starts at most once")
        for y in started:
            if not years[0] <= y <= years[-1]:
                found.flag("repair_line", cell, float(y), None,
                       f"Repair line {p} ({cell}) starts in {y}, outside the horizon "
                       f"{years[0]}-{years[-1]}")


def _check_budget(f: PortfolioFrame, found: Findings) -> None:
    case, budget = f.d.case, f.d.budget
    for t in f.d.years:
        spent, limit = float(f.spend_year.get(t, 0.0)), float(budget.loc[t, "budget"])
        if _over(spent, limit):
            cell = case.cell("Budget", "budget", budget.loc[t, "row"])
            found.flag("budget", cell, spent, limit,
                   f"Budget {t} ({cell}): spending {num(spent)} exceeds the budget {num(limit)}")
        share, target = local_share(f, t), float(budget.loc[t, "min_local_share"])
        if share is not None and _over(target, share):
            cell = case.cell("Budget", "min_local_share", budget.loc[t, "row"])
            found.flag("localization", cell, share, target,
                   f"Localization {t} ({cell}): local share {num(share)} of unit spending is "
                   f"below the target {num(target)}")


def _check_country_share(f: PortfolioFrame, found: Findings, shares: pd.DataFrame) -> None:
    countries = f.d.countries
    foreign = shares[shares["country_id"] != f.d.home]
    theta = foreign["country_id"].map(countries["max_share"]).astype(float)
    over = foreign[foreign["share"] > theta + TOL]
    for r, t, c, share in over[["capability_id", "year", "country_id", "share"]].itertuples(
            index=False):
        cell = f.d.case.cell("Countries", "max_share", countries.loc[c, "row"])
        limit = float(countries.loc[c, "max_share"])
        found.flag("country_share", cell, float(share), limit,
               f"Max share of {c} ({cell}): {num(share)} of {r} in {int(t)} originates in "
               f"{c}, above its limit {num(limit)}")


def _check_capacity(f: PortfolioFrame, found: Findings) -> None:
    suppliers = f.d.case.suppliers.set_index("supplier_id")
    used = f.deliveries.groupby(["supplier_id", "year"], as_index=False)["units"].sum()
    used["cap"] = used["supplier_id"].map(suppliers["capacity_per_year"]).astype(float)
    over = used[used["cap"].notna()
                & (used["units"] > used["cap"] + TOL * np.maximum(1.0, used["cap"]))]
    for s_id, t, units, cap in over[["supplier_id", "year", "units", "cap"]].itertuples(
            index=False):
        cell = f.d.case.cell("Suppliers", "capacity_per_year", suppliers.loc[s_id, "row"])
        found.flag("supplier_capacity", cell, float(units), float(cap),
               f"Capacity of supplier {s_id} ({cell}): {num(units)} units delivered in {t}, "
               f"above its capacity {num(cap)}")


def _check_demand(f: PortfolioFrame, found: Findings) -> None:
    """Demand met exactly (short only when allow_unmet is no); no delivery without demand."""
    case = f.d.case
    dem = f.demand
    need, got = dem["demand"].to_numpy(float), dem["delivered"].to_numpy(float)
    tol = TOL * np.maximum(1.0, need)
    short = (need - got > tol) & (not case.settings.allow_unmet)
    # a fleet may have more in service than required; a stock capability's surplus is stock
    volume = dem["capability_id"].isin(f.volume).to_numpy()
    broken = short | ((got - need > tol) & ~volume)
    for r, t, n, g, row, is_short in zip(dem["capability_id"][broken], dem["year"][broken],
                                         need[broken], got[broken], dem["row"][broken],
                                         short[broken], strict=True):
        cell = case.cell("Demand", str(int(t)), row)
        if is_short:
            found.flag("demand", cell, float(g), float(n), f"Demand of {r} in {int(t)} ({cell}): "
                   f"{num(g)} delivered, {num(n)} required ({num(n - g)} short)")
        else:
            found.note_surplus(cell, float(g), float(n), f"Demand of {r} in {int(t)} ({cell}): "
                           f"{num(g)} delivered, {num(g - n)} more than the demand {num(n)} "
                           "(a surplus: it costs money but breaks no limit)")
    rows = case.demand.set_index(["capability_id", "year"])["row"]
    extra = f.deliveries.groupby(["capability_id", "year"], as_index=False)["units"].sum()
    extra = extra.merge(dem[["capability_id", "year"]], how="left", indicator=True)
    extra = extra[(extra["_merge"] == "left_only") & (extra["units"] > TOL)
                  & ~extra["capability_id"].isin(f.volume)]
    for r, t, got_units in extra[["capability_id", "year", "units"]].itertuples(index=False):
        cell = case.cell("Demand", str(int(t)), rows.get((r, t)))
        found.flag("demand", cell, float(got_units), 0.0,
               f"Demand of {r} in {int(t)} ({cell}): {num(got_units)} delivered but nothing "
               "is required that year")


def _check_options(f: PortfolioFrame, found: Findings) -> None:
    """Excluded options used, options started twice or outside their window, minimum
    orders, mandatory options not started; then every delivery (:func:`_check_deliveries`)."""
    o, case, years = f.options, f.d.case, f.d.years
    excluded = f.d.excluded.set_index("option_id")["reason"]
    starts = f.starts.groupby("option_id", sort=True)["start_year"].agg(list)
    used = sorted(set(starts.index) | set(f.deliveries["option_id"]))
    for oid in used:
        if oid in excluded.index:
            cell = case.cell("Options", "option_id", o.at[oid, "row"])
            found.flag("excluded", cell, None, None,
                   f"Option {oid} ({cell}) is used but was excluded: {excluded[oid]}")
    for oid, started in starts.items():
        row = o.at[oid, "row"]
        if len(started) > 1:
            cell = case.cell("Options", "option_id", row)
            found.flag("one_start", cell, float(len(started)), 1.0,
                   f"Option {oid} ({cell}) is started {len(started)} times "
                   f"({', '.join(map(str, started))}); an option starts at most once")
        first = max(int(o.at[oid, "available_from"]), years[0])
        for y in started:
            if not first <= y <= years[-1]:
                cell = case.cell("Options", "available_from", row)
                found.flag("start", cell, float(y), float(first),
                       f"Option {oid} ({cell}) starts in {y}, outside the years it can start "
                       f"(from {first} to {years[-1]})")
    totals = f.deliveries.groupby("option_id")["units"].sum()
    moq = o.loc[starts.index, "min_total_qty"]
    got = totals.reindex(starts.index).fillna(0.0)
    for oid in moq.index[(moq > 0) & (moq - got > TOL * np.maximum(1.0, moq))]:
        cell = case.cell("Options", "min_total_qty", o.at[oid, "row"])
        found.flag("min_order", cell, float(got[oid]), float(moq[oid]),
               f"Option {oid} ({cell}): {num(got[oid])} units in total, below its "
               f"min_total_qty {num(moq[oid])}")
    for oid in o.index[o["mandatory"] & ~o.index.isin(starts.index)]:
        cell = case.cell("Options", "mandatory", o.at[oid, "row"])
        found.flag("mandatory", cell, 0.0, 1.0, f"Mandatory option {oid} ({cell}) is not started")
    _check_deliveries(f, found, starts)


def _check_deliveries(f: PortfolioFrame, found: Findings, starts: pd.Series) -> None:
    """Every delivery: within the horizon, after a start plus lead time, within the
    option's yearly cap, in whole units where the capability counts whole units."""
    o, case, years = f.options, f.d.case, f.d.years
    dv = f.deliveries[["option_id", "year", "units", "capability_id"]].copy()
    opt = o.reindex(dv["option_id"])
    dv["row"] = opt["row"].to_numpy()
    dv["lead"] = opt["lead_time_years"].to_numpy()
    dv["cap"] = opt["max_qty_per_year"].to_numpy(float)
    dv["start"] = dv["option_id"].map(starts.map(min)).astype(float)
    caps = case.capabilities.set_index("capability_id")
    dv["integer"] = dv["capability_id"].map(caps["integer_units"]).fillna(False).astype(bool)
    inside = dv["year"].between(years[0], years[-1])
    checks = [
        ("delivery", "option_id", dv["units"] < 0,
         lambda r: f" delivers {num(r.units)} units in {r.year}: units cannot be negative",
         lambda r: (float(r.units), 0.0)),
        ("delivery", "option_id", ~inside,
         lambda r: f" delivers in {r.year}, outside the horizon {years[0]}-{years[-1]}",
         lambda r: (float(r.year), None)),
        ("delivery", "option_id", inside & dv["start"].isna(),
         lambda r: f" delivers {num(r.units)} units in {r.year} but is not started",
         lambda r: (float(r.year), None)),
        ("delivery", "lead_time_years", inside & (dv["year"] < dv["start"] + dv["lead"]),
         lambda r: (f" delivers {num(r.units)} units in {r.year}, before its first possible "
                    f"delivery in {int(r.start + r.lead)} (start {int(r.start)} + lead time "
                    f"{r.lead})"),
         lambda r: (float(r.year), float(r.start + r.lead))),
        ("max_qty_per_year", "max_qty_per_year",
         dv["cap"].notna() & (dv["units"] > dv["cap"] + TOL * np.maximum(1.0, dv["cap"])),
         lambda r: f": {num(r.units)} units in {r.year}, above its max_qty_per_year "
                   f"{num(r.cap)}",
         lambda r: (float(r.units), float(r.cap))),
    ]
    for constraint, column, mask, text, values in checks:
        for r in dv[mask].itertuples(index=False):
            cell = case.cell("Options", column, r.row)
            found.flag(constraint, cell, *values(r), f"Option {r.option_id} ({cell}){text(r)}")
    fractional = dv["integer"] & ((dv["units"] - dv["units"].round()).abs() > TOL)
    for r in dv[fractional].itertuples(index=False):
        cell = case.cell("Capabilities", "integer_units", caps.at[r.capability_id, "row"])
        found.flag("integer_units", cell, float(r.units), None,
               f"Capability {r.capability_id} ({cell}) is counted in whole units, but option "
               f"{r.option_id} delivers {num(r.units)} in {r.year}")


def _check_suppliers(f: PortfolioFrame, found: Findings) -> None:
    """min_suppliers: in every dual-sourcing year that can hold (ModelData.sourcing),
    at least n suppliers each deliver min_supplier_share of the demand."""
    src = f.d.sourcing
    src = src[src["binding"]]
    if src.empty:
        return
    key = ["capability_id", "year"]
    have = counted_suppliers(f).groupby(key)["supplier_id"].nunique()
    got = have.reindex(pd.MultiIndex.from_frame(src[key])).fillna(0).astype(int).to_numpy()
    caps = f.d.capabilities
    for (r, t, n, share), k in zip(src[["capability_id", "year", "need", "share"]].itertuples(
            index=False), got, strict=True):
        if k < n:
            cell = f.d.case.cell("Capabilities", "min_suppliers", caps.loc[r, "row"])
            found.flag("dual_sourcing", cell, float(k), float(n),
                   f"Capability {r} ({cell}): {k} supplier(s) deliver at least "
                   f"{share:.0%} of the demand in {int(t)}, min_suppliers is {int(n)}")


def num(value: float) -> str:
    """A number in a sentence: no float noise, whole numbers without decimals."""
    value = float(value)
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    if abs(value) < 10:
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{value:,.2f}"
