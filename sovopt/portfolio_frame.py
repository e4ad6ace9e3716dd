"""A portfolio joined with the case: the one table the metrics and the plan checks read.

:func:`join` turns a portfolio (starts and yearly deliveries, from the optimiser
or from a planner's hand) and the prepared case into a :class:`PortfolioFrame`:
deliveries with their capability, supplier, country and money, demand with what
met it (deliveries, a fleet's units in service, a stock capability's stock), the
repair lines, fleets, stock and upkeep of :mod:`sovopt.sustainment`, and the
yearly spend. :mod:`sovopt.metrics` computes the KPIs and tables from it,
:mod:`sovopt.verify` checks it against every limit of the case; both use the
helpers here (country shares, the suppliers that count as a source, the local
share) so that a table and a check cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sovopt import sustainment
from sovopt.errors import SovoptError
from sovopt.portfolio import Portfolio, no_repairs
from sovopt.prepare import ModelData
from sovopt.spend import activation_spend, start_spend, unit_spend

#: Relative tolerance of every limit check (solver round-off is not a violation).
TOL = 1e-6
#: Units are evaluated to this many decimals. A workbook stores 16 significant
#: digits, not a float's 17, so the units of a continuous capability do not
#: read back bit for bit; rounded to 1e-9 first, they do (for fewer than a
#: million units a year), and a stress test of a solve's portfolio read back
#: from its results workbook reproduces the solve's numbers exactly.
UNIT_DECIMALS = 9


@dataclass
class PortfolioFrame:
    """A portfolio joined with the case data every measure and every check needs."""

    d: ModelData
    options: pd.DataFrame  # every option of the case, indexed by option_id
    origin: pd.DataFrame  # option_id, country_id, share (σ, every option)
    starts: pd.DataFrame  # option_id, start_year (+ option columns)
    deliveries: pd.DataFrame  # option_id, year, units, capability_id, supplier_id, ...
    demand: pd.DataFrame  # capability_id, year, demand, weight, row, delivered
    spend_year: pd.Series  # year -> spend (every year that has any)
    unit_spend_year: pd.Series
    local_spend_year: pd.Series
    repairs: pd.DataFrame = field(default_factory=pd.DataFrame)  # started repair lines
    fleet: pd.DataFrame = field(default_factory=pd.DataFrame)  # F and H per (option, year)
    stock: pd.DataFrame = field(default_factory=pd.DataFrame)  # planned stock per (r, t)
    upkeep: pd.DataFrame = field(default_factory=pd.DataFrame)  # support, repair, holding

    @property
    def volume(self) -> set[str]:
        """Capabilities whose shares are of the year's deliveries (fleet, stock)."""
        return set(self.options.loc[self.options["requirement"] == "fleet",
                                    "capability_id"]) | set(self.d.stock.index)


def join(d: ModelData, portfolio: Portfolio) -> PortfolioFrame:
    """``portfolio`` joined with the prepared case ``d``; its units rounded to
    :data:`UNIT_DECIMALS`. Raises :class:`SovoptError` for an option not in the case."""
    options = d.all_options
    starts = portfolio.starts[["option_id", "start_year"]].copy()
    deliveries = portfolio.deliveries[["option_id", "year", "units"]].copy()
    unknown = sorted((set(starts["option_id"]) | set(deliveries["option_id"]))
                     - set(options.index))
    if unknown:
        raise SovoptError(f"the portfolio uses option(s) not in the case: {', '.join(unknown)}")
    starts["start_year"] = starts["start_year"].astype(int)
    starts = starts.sort_values(["option_id", "start_year"], kind="stable")
    starts = starts.reset_index(drop=True)
    deliveries["year"] = deliveries["year"].astype(int)
    deliveries["units"] = deliveries["units"].astype(float).round(UNIT_DECIMALS)
    deliveries = (deliveries.groupby(["option_id", "year"], as_index=False, sort=True)["units"]
                  .sum())
    deliveries = deliveries[deliveries["units"] != 0].reset_index(drop=True)
    o = options.reindex(deliveries["option_id"])
    deliveries["capability_id"] = o["capability_id"].to_numpy()
    deliveries["supplier_id"] = o["supplier_id"].to_numpy()
    deliveries["country_id"] = o["supplier_country"].to_numpy()
    deliveries = unit_spend(options, deliveries)

    origin = d.all_origin
    delivered = deliveries.groupby(["capability_id", "year"])["units"].sum()
    key = pd.MultiIndex.from_frame(d.demand[["capability_id", "year"]])
    demand = d.demand.assign(delivered=delivered.reindex(key).fillna(0.0).to_numpy())

    repairs = sustainment.repair_starts(d, getattr(portfolio, "repairs", no_repairs()),
                                        options)
    fleet = sustainment.in_service(d, options, deliveries, repairs)
    stock = sustainment.planned_stock(d, deliveries)
    upkeep = sustainment.sustainment_spend(d, fleet, repairs, stock)
    # what meets a fleet's requirement is its units in service; a stock capability's
    # demand is met from deliveries and stock, short only by what the stock cannot cover
    is_fleet = demand["capability_id"].isin(
        options.loc[options["requirement"] == "fleet", "capability_id"]).to_numpy()
    if is_fleet.any():
        served = fleet.groupby(["capability_id", "year"])["in_service"].sum()
        demand.loc[is_fleet, "delivered"] = served.reindex(key).fillna(0.0).to_numpy()[
            is_fleet]
    if len(stock):
        met = (stock["demand"] - stock["unmet"]).to_numpy()
        met = pd.Series(met, index=pd.MultiIndex.from_frame(stock[["capability_id", "year"]]))
        has = demand["capability_id"].isin(d.stock.index).to_numpy()
        demand.loc[has, "delivered"] = met.reindex(key).to_numpy()[has]

    in_loc = upkeep[upkeep["in_localization"].astype(bool)] if len(upkeep) else upkeep
    unit_year = deliveries.groupby("year")["cost"].sum()
    local_year = deliveries.groupby("year")["local"].sum()
    if len(in_loc):
        unit_year = unit_year.add(in_loc.groupby("year")["amount"].sum(), fill_value=0.0)
        local_year = local_year.add(in_loc.groupby("year")["local"].sum(), fill_value=0.0)
    f = PortfolioFrame(d=d, options=options, origin=origin, starts=starts,
                       deliveries=deliveries, demand=demand, spend_year=pd.Series(dtype=float),
                       unit_spend_year=unit_year, local_spend_year=local_year,
                       repairs=repairs, fleet=fleet, stock=stock, upkeep=upkeep)
    f.spend_year = spend_detail(f, by_origin=False).groupby("year")["amount"].sum()
    return f



def spend_detail(f: PortfolioFrame, by_origin: bool) -> pd.DataFrame:
    """Every payment: (year, country_id, capability_id, amount), not yet aggregated."""
    o = f.options
    unit = f.deliveries[["year", "option_id", "capability_id", "country_id", "cost"]]
    unit = unit.rename(columns={"cost": "amount"})
    fixed = f.starts.assign(year=f.starts["start_year"],
                            capability_id=f.starts["option_id"].map(o["capability_id"]),
                            country_id=f.starts["option_id"].map(o["supplier_country"]),
                            amount=start_spend(o, f.starts))
    parts = pd.concat([unit, fixed[unit.columns]], ignore_index=True)
    parts = parts[parts["amount"] > 0]
    if by_origin:
        parts = parts.drop(columns="country_id").merge(f.origin, on="option_id")
        parts["amount"] = parts["amount"] * parts["share"]
    suppliers = f.d.case.suppliers.set_index("supplier_id")
    engaged = pd.unique(f.starts["option_id"].map(o["supplier_id"]))
    activation = activation_spend(suppliers, engaged)
    act = pd.DataFrame({"year": f.d.first_year, "option_id": None, "capability_id": None,
                        "country_id": suppliers.loc[activation.index, "country_id"].to_numpy(),
                        "amount": activation.to_numpy(float)})
    cols = ["year", "country_id", "capability_id", "amount"]
    frames = [p[cols] for p in (parts, act, f.upkeep) if len(p)]
    if not frames:
        return pd.DataFrame({"year": pd.Series(dtype=int), "country_id": pd.Series(dtype=str),
                             "capability_id": pd.Series(dtype=str),
                             "amount": pd.Series(dtype=float)})
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out



def shares(f: PortfolioFrame) -> pd.DataFrame:
    """s[r,c,t] = Σ_o σ[o,c]·x[o,t] / D[r,t] for every (r,t) with demand and every c;
    for a stock capability a share of the year's deliveries, for a fleet of the fleet in
    service (F in place of x), in every year it has any."""
    quantity = f.deliveries[["option_id", "year", "capability_id", "units"]]
    if len(f.fleet):
        quantity = pd.concat([
            quantity[~quantity["option_id"].isin(f.fleet["option_id"])],
            f.fleet[["option_id", "year", "capability_id", "in_service"]].rename(
                columns={"in_service": "units"})], ignore_index=True)
    rows = quantity.merge(f.origin, on="option_id")
    rows["value"] = rows["units"] * rows["share"]
    s = rows.groupby(["capability_id", "year", "country_id"], as_index=False)["value"].sum()
    volume = f.volume
    plain = s[~s["capability_id"].isin(volume)]
    plain = plain.merge(f.demand[["capability_id", "year", "demand"]],
                        on=["capability_id", "year"])
    plain["share"] = plain["value"] / plain["demand"]
    if volume:  # shares of the year's deliveries, in every year with deliveries
        total = quantity.groupby(["capability_id", "year"])["units"].sum().rename("total")
        vol = s[s["capability_id"].isin(volume)].merge(total.reset_index(),
                                                       on=["capability_id", "year"])
        vol["share"] = vol["value"] / vol["total"]
        plain = pd.concat([plain, vol], ignore_index=True)
    return plain[["capability_id", "year", "country_id", "share"]]


def counted_suppliers(f: PortfolioFrame) -> pd.DataFrame:
    """(capability, year, supplier) of every supplier that counts as a source that year.

    A supplier counts when it delivers at least min_supplier_share of the year's
    demand (the dual_sourcing family's rule), so a token contract is not a
    second source in the Dependence sheet either.
    """
    key = ["capability_id", "year"]
    by = f.deliveries.groupby(key + ["supplier_id"], as_index=False)["units"].sum()
    by = by.merge(f.demand[key + ["demand"]], on=key)
    share = by["capability_id"].map(f.d.capabilities["min_supplier_share"]).astype(float)
    need = share * by["demand"]
    return by[(by["units"] > 0) & (by["units"] >= need - TOL * np.maximum(1.0, need))]


def local_share(f: PortfolioFrame, year: int) -> float | None:
    """The year's local share of unit spending (support and repair lines included);
    None without unit spending."""
    unit = float(f.unit_spend_year.get(year, 0.0))
    return float(f.local_spend_year.get(year, 0.0)) / unit if unit > 0 else None
