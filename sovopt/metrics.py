"""The KPIs and result tables of any portfolio, recomputed exactly with pandas.

:func:`evaluate` is the one place that turns a portfolio (starts and yearly
deliveries, from the optimiser or from a planner's hand) into the numbers of
formulation.md §5 and the tables of the results workbook. ``sovopt solve``
and ``sovopt stress`` both call it, so a stress test of an optimised
portfolio reports exactly the numbers of the solve. It never imports Pyomo:
the model's own term values are an approximation to check against (the HHI
epigraph is a tangent under-estimate), not the source of the KPIs.

Definitions (x[o,t] units delivered, D[r,t] demand, w[r] criticality):

- spend[t]: Σ_o p[o]·x[o,t] + fixed costs F[o] in the start year + the
  activation cost G[s] of every supplier with a started option, in the first
  year (the model's budget row).
- local share[t]: Σ λ·p·x / Σ p·x (unit spending only, like the model).
- exposure X = Σ_{o,t,c≠h} ρ[c]·σ[o,c]·p[o]·x[o,t] / Σ_t B[t].
- HHI of foreign origin, exact: Σ_{c≠h} s[r,c,t]², s = Σ_o σ[o,c]·x[o,t] / D[r,t];
  ``concentrated`` above 0.4 (the EU strategic-dependency threshold).
- import risk (the GeoPolRisk method's, Koyamparambath et al. 2024, applied to the
  portfolio): IR[r,t] = Σ_{c≠h} ρ[c]·u[r,c,t] / Σ_c u[r,c,t], u = Σ_o σ[o,c]·x[o,t]
  the units delivered by value origin (home origin is domestic production: in the
  denominator, risk-free); 0 without deliveries. With ρ the WGI political-stability
  score (as ``sovopt materials case`` writes it), the status quo of a built case has
  exactly the import risk of ``sovopt materials profile``. KPI ``import_risk``: the
  criticality-weighted mean over capabilities of the horizon's IR[r] = Σ_t numerator /
  Σ_t denominator, over capabilities with deliveries.
- scenario k: shortfall[k,r,t] = max(0, D[r,t] − Σ_o φ[k,o,t]·x[o,t]), so unmet
  demand is lost in every scenario; loss[k] = Σ_{r,t} w·shortfall/D / Σ w.
  The scenarios table splits loss[k] by capability (``weighted_loss`` sums to
  loss[k] over the capabilities of a scenario).
- expected shortfall Σ_k π[k]·loss[k]; worst case max_k loss[k]; CVaR_β of the
  discrete distribution made of the scenarios (π[k]) and the undisrupted
  remainder (1 − Σπ, loss 0), as the model sees it: Rockafellar–Uryasev
  min_η η + Σ π·(L − η)⁺ / (1 − β), which is attained at one of the losses.

Decisions where the contract is silent:

- Spend by country (table ``spend``) is by the supplier's country: who is
  paid. Table ``spend_origin`` gives the same money by value origin σ (unit
  and fixed costs split by σ[o,c]; a supplier's activation cost stays with the
  supplier's country), which is where the value, and the dependence, sits.
  Activation costs carry no capability (blank capability_id): they are shared
  by all of the supplier's capabilities.
- ``share_matrix`` is the value-origin share of all units delivered to a
  capability over the horizon (home included; each capability sums to 1).
- ``min_suppliers`` and the Dependence table's ``suppliers`` count, per year,
  the suppliers that deliver at least min_supplier_share of the demand (the
  dual_sourcing family's rule); ``single_source`` is one such supplier. The
  rule is checked in the years the model holds it (``ModelData.sourcing``).
- The option table, σ and φ come from prepare (``d.all_options``,
  ``d.all_origin``, ``d.survival``) for every option of the case, so a
  hand-made delivery of an excluded option, or outside the model's window,
  still gets its true numbers; money comes from :mod:`sovopt.spend`.
- With no scenarios in the case the scenario measures are blank (None), not 0:
  no scenario was asked about, which is not the same as no risk.

Fleets, repair lines, stock and leverage (formulation.md §7) are computed by
:mod:`sovopt.sustainment` and enter here: support, repair and holding costs in
spend (support and repair in the local share too), a fleet's requirement met
by its units in service, a stock capability's demand met from deliveries and
stock, their scenario shortfalls from the fleet's availability and from each
scenario's own stock path, and country shares (and the HHI) of a fleet or stock
capability taken over the year's deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sovopt import sustainment
from sovopt.errors import SovoptError
from sovopt.outputs import METRIC_KEYS, TABLE_COLUMNS
from sovopt.portfolio import Portfolio, no_repairs
from sovopt.prepare import ModelData
from sovopt.spend import (
    activation_spend,
    exposure_rate,
    start_spend,
    unit_spend,
)

#: HHI above which a capability's foreign supply counts as concentrated (EU threshold).
CONCENTRATED_HHI = 0.4
#: Relative tolerance of every limit check (solver round-off is not a violation).
TOL = 1e-6
#: Units are evaluated to this many decimals. A workbook stores 16 significant
#: digits, not a float's 17, so the units of a continuous capability do not
#: read back bit for bit; rounded to 1e-9 first, they do (for fewer than a
#: million units a year), and a stress test of a solve's portfolio read back
#: from its results workbook reproduces the solve's numbers exactly.
UNIT_DECIMALS = 9

#: Every KPI :func:`evaluate` computes: the Summary's (output schema) and, for checks
#: against the model, its cost and unmet terms and the number of broken limits.
KPI_KEYS = (*METRIC_KEYS, "cost", "unmet", "violations")

#: The tables :func:`evaluate` makes, with their columns (from the output schema).
METRIC_TABLES = {name: TABLE_COLUMNS[name] for name in (
    "portfolio", "deliveries", "spend", "spend_origin", "dependence", "share_matrix",
    "scenarios", "constraints", "repairs", "fleet", "stock", "leverage")}
VIOLATION_COLUMNS = ["constraint", "where", "value", "limit", "message"]


@dataclass
class Metrics:
    """KPIs (:data:`KPI_KEYS`), tidy tables (:data:`METRIC_TABLES`) and broken limits.

    ``violations`` holds one sentence per broken limit naming the limit, its
    workbook cell, the value and the limit; ``violation_table`` holds the same
    as columns (constraint, where, value, limit, message).
    """

    kpis: dict[str, float | None]
    tables: dict[str, pd.DataFrame]
    violations: list[str] = field(default_factory=list)
    violation_table: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=VIOLATION_COLUMNS))
    #: Deliveries above the demand: reported, but not a broken limit (more than asked
    #: for costs money, it endangers nothing), so they do not make a stress test fail.
    surplus_table: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=VIOLATION_COLUMNS))
    scenario_loss: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)


@dataclass
class _Frame:
    """Portfolio joined with the case data every measure needs."""

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
    violations: list[dict] = field(default_factory=list)
    surplus: list[dict] = field(default_factory=list)

    def note_surplus(self, where: str, value: float, limit: float, message: str) -> None:
        """Record a delivery above the demand (see :attr:`Metrics.surplus_table`)."""
        self.surplus.append({"constraint": "demand", "where": where, "value": value,
                             "limit": limit, "message": message})

    @property
    def volume(self) -> set[str]:
        """Capabilities whose shares are of the year's deliveries (fleet, stock; §7)."""
        return set(self.options.loc[self.options["requirement"] == "fleet",
                                    "capability_id"]) | set(self.d.stock.index)

    def flag(self, constraint: str, where: str, value: float | None, limit: float | None,
             message: str) -> None:
        self.violations.append({"constraint": constraint, "where": where, "value": value,
                                "limit": limit, "message": message})


def evaluate(d: ModelData, portfolio: Portfolio) -> Metrics:
    """Every KPI, table and broken limit of ``portfolio`` in the prepared case ``d``."""
    f = _frame(d, portfolio)
    dependence, shares = _dependence(f)
    scenarios, per_scenario, worst = _scenarios(f)
    if worst is not None:
        key = pd.MultiIndex.from_frame(dependence[["capability_id", "year"]])
        dependence["worst_scenario_loss"] = worst.reindex(key).fillna(0.0).to_numpy()
    constraints = _constraints(f)
    _check_limits(f, shares)
    kpis = _kpis(f, dependence, shares, per_scenario)
    spend_origin = _spend_table(f, by_origin=True)
    tables = {
        "portfolio": _portfolio_table(f),
        "deliveries": f.deliveries[TABLE_COLUMNS["deliveries"]].reset_index(drop=True),
        "spend": _spend_table(f, by_origin=False),
        "spend_origin": spend_origin,
        "dependence": dependence[TABLE_COLUMNS["dependence"]],
        "share_matrix": _share_matrix(f),
        "scenarios": scenarios,
        "constraints": constraints,
        "repairs": f.repairs[sustainment.REPAIR_COLUMNS].reset_index(drop=True),
        "fleet": sustainment.fleet_table(f.d, f.fleet, f.__dict__.get("fleet_short",
                                                                      pd.DataFrame())),
        "stock": sustainment.stock_table(f.d, f.stock, f.__dict__.get("stock_paths",
                                                                      pd.DataFrame())),
        "leverage": sustainment.leverage(f.d, f.options, f.starts, spend_origin),
    }
    vt = pd.DataFrame(f.violations, columns=VIOLATION_COLUMNS)
    kpis["violations"] = len(vt)
    return Metrics(kpis=kpis, tables=tables, violations=vt["message"].tolist(),
                   surplus_table=pd.DataFrame(f.surplus, columns=VIOLATION_COLUMNS),
                   violation_table=vt, scenario_loss=per_scenario)


#: The constraint family (formulation.md §4) behind each kind of broken limit.
FAMILY_OF_LIMIT = {"min_total_qty": "min_order", "min_suppliers": "dual_sourcing"}


def violations(d: ModelData, portfolio: Portfolio,
               switched_off: frozenset[str] = frozenset()) -> list[str]:
    """Every limit of the case that ``portfolio`` breaks, without the KPIs and tables.

    The same checks as :func:`evaluate` (one message per broken limit, naming
    its cell), less those of the families a preset switched off; the solve runs
    them on every level's portfolio before using it.
    """
    f = _frame(d, portfolio)
    _check_limits(f, _shares(f))
    return [v["message"] for v in f.violations
            if FAMILY_OF_LIMIT.get(v["constraint"], v["constraint"]) not in switched_off]


# --- joining the portfolio with the case ------------------------------------------------


def _frame(d: ModelData, portfolio: Portfolio) -> _Frame:
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
    f = _Frame(d=d, options=options, origin=origin, starts=starts, deliveries=deliveries,
               demand=demand, spend_year=pd.Series(dtype=float),
               unit_spend_year=unit_year, local_spend_year=local_year, repairs=repairs,
               fleet=fleet, stock=stock, upkeep=upkeep)
    f.spend_year = _spend_detail(f, by_origin=False).groupby("year")["amount"].sum()
    return f


# --- spend ------------------------------------------------------------------------------


def _spend_detail(f: _Frame, by_origin: bool) -> pd.DataFrame:
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


def _spend_table(f: _Frame, by_origin: bool) -> pd.DataFrame:
    detail = _spend_detail(f, by_origin)
    table = detail.groupby(["year", "country_id", "capability_id"], as_index=False,
                           dropna=False, sort=True)["amount"].sum()
    return table[TABLE_COLUMNS["spend"]].reset_index(drop=True)


# --- dependence -------------------------------------------------------------------------


def _shares(f: _Frame) -> pd.DataFrame:
    """s[r,c,t] = Σ_o σ[o,c]·x[o,t] / D[r,t] for every (r,t) with demand and every c;
    for a stock capability a share of the year's deliveries, for a fleet of the fleet in
    service (F in place of x), in every year it has any (§7)."""
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
    if volume:  # shares of the year's deliveries (§7), in every year with deliveries
        total = quantity.groupby(["capability_id", "year"])["units"].sum().rename("total")
        vol = s[s["capability_id"].isin(volume)].merge(total.reset_index(),
                                                       on=["capability_id", "year"])
        vol["share"] = vol["value"] / vol["total"]
        plain = pd.concat([plain, vol], ignore_index=True)
    return plain[["capability_id", "year", "country_id", "share"]]


def _counted_suppliers(f: _Frame) -> pd.DataFrame:
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


def _dependence(f: _Frame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per (capability, year) with demand: exact foreign HHI, top foreign country, suppliers."""
    shares = _shares(f)
    foreign = shares[shares["country_id"] != f.d.home]
    key = ["capability_id", "year"]
    hhi = foreign.assign(sq=foreign["share"] ** 2).groupby(key)["sq"].sum()
    top = foreign.sort_values(["share", "country_id"], ascending=[False, True], kind="stable")
    top = top.drop_duplicates(key).set_index(key)
    suppliers = _counted_suppliers(f).groupby(key)["supplier_id"].nunique()
    dep = f.demand[key].copy()
    idx = pd.MultiIndex.from_frame(dep)
    dep["hhi"] = hhi.reindex(idx).fillna(0.0).to_numpy()
    dep["concentrated"] = dep["hhi"] > CONCENTRATED_HHI
    dep["top_foreign_country"] = top["country_id"].reindex(idx).to_numpy()
    dep["top_foreign_share"] = top["share"].reindex(idx).fillna(0.0).to_numpy()
    dep["suppliers"] = suppliers.reindex(idx).fillna(0).astype(int).to_numpy()
    dep["single_source"] = dep["suppliers"] == 1
    dep["worst_scenario_loss"] = np.nan
    numerator, denominator = _import_risk_terms(f, shares)
    dep["import_risk_num"] = numerator.reindex(idx).fillna(0.0).to_numpy()
    dep["import_risk_den"] = denominator.reindex(idx).fillna(0.0).to_numpy()
    dep["import_risk"] = np.where(dep["import_risk_den"] > 0, dep["import_risk_num"]
                                  / dep["import_risk_den"].where(dep["import_risk_den"] > 0),
                                  0.0)
    dep = dep.sort_values(key, kind="stable").reset_index(drop=True)
    return dep, shares


def _import_risk_terms(f: _Frame, shares: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per (capability, year): Σ_{c≠h} ρ[c]·u[c] and Σ_c u[c], u the delivered units by
    value origin (s·D), as the GeoPolRisk import risk weighs them."""
    units = shares["share"] * shares[["capability_id", "year"]].merge(
        f.demand[["capability_id", "year", "demand"]], on=["capability_id", "year"],
        how="left")["demand"].to_numpy()
    risk = shares["country_id"].map(f.d.countries["risk_score"]).astype(float).fillna(0.0)
    risk = risk.where(shares["country_id"] != f.d.home, 0.0)
    key = [shares["capability_id"], shares["year"]]
    return (risk * units).groupby(key).sum(), units.groupby(key).sum()


def import_risk_overall(dependence: pd.DataFrame, weights: pd.Series) -> float | None:
    """The criticality-weighted mean over capabilities of the horizon import risk
    (Σ_t numerator / Σ_t denominator); None when nothing is delivered."""
    by_cap = dependence.groupby("capability_id")[["import_risk_num", "import_risk_den"]].sum()
    by_cap = by_cap[by_cap["import_risk_den"] > 0]
    if by_cap.empty:
        return None
    risk = by_cap["import_risk_num"] / by_cap["import_risk_den"]
    w = weights.reindex(by_cap.index).astype(float)
    return float((w * risk).sum() / w.sum())


def _share_matrix(f: _Frame) -> pd.DataFrame:
    """Value-origin share of each capability's delivered units over the horizon."""
    rows = f.deliveries[["option_id", "capability_id", "units"]].merge(f.origin, on="option_id")
    rows["value"] = rows["units"] * rows["share"]
    m = rows.groupby(["capability_id", "country_id"], as_index=False)["value"].sum()
    total = f.deliveries.groupby("capability_id")["units"].sum()
    m["share"] = m["value"] / m["capability_id"].map(total)
    m = m[m["share"].abs() > 1e-12].sort_values(["capability_id", "share", "country_id"],
                                                ascending=[True, False, True], kind="stable")
    return m[TABLE_COLUMNS["share_matrix"]].reset_index(drop=True)


# --- scenarios --------------------------------------------------------------------------


def _scenarios(f: _Frame) -> tuple[pd.DataFrame, pd.Series, pd.Series | None]:
    """Per scenario and capability: units lost, share lost, weighted loss; loss[k]; and
    the share of demand lost in the worst scenario of each (capability, year)."""
    probability = f.d.scenario_probability
    cols = TABLE_COLUMNS["scenarios"]
    if probability.empty:
        return pd.DataFrame(columns=cols), pd.Series(dtype=float), None
    key = ["scenario_id", "capability_id", "year"]
    loss = f.d.survival.loss(f.deliveries[["option_id", "year"]])
    lost = loss.merge(f.deliveries[["option_id", "year", "units", "capability_id"]],
                      on=["option_id", "year"])
    lost = (lost.assign(lost=lost["loss"] * lost["units"])
            .groupby(key, as_index=False, sort=False)["lost"].sum())
    scenarios = pd.DataFrame({"scenario_id": probability.index.astype(object)})
    demand = f.demand[["capability_id", "year", "demand", "weight", "delivered"]]
    grid = scenarios.merge(demand, how="cross").merge(lost, on=key, how="left")
    grid["lost"] = grid["lost"].fillna(0.0)
    grid["shortfall"] = np.maximum(0.0, grid["demand"] - (grid["delivered"] - grid["lost"]))
    grid = _sustained_shortfall(f, grid, loss)
    grid["share"] = grid["shortfall"] / grid["demand"]
    grid["wl"] = grid["weight"] * grid["share"] / (f.d.total_weight or 1.0)
    table = grid.groupby(["scenario_id", "capability_id"], sort=False, as_index=False).agg(
        units_lost=("shortfall", "sum"), demand=("demand", "sum"),
        weighted_loss=("wl", "sum"))
    table["share_lost"] = table["units_lost"] / table["demand"]
    per_scenario = table.groupby("scenario_id", sort=False)["weighted_loss"].sum()
    per_scenario = per_scenario.reindex(probability.index).fillna(0.0)
    worst = grid.groupby(["capability_id", "year"])["share"].max()
    return table[cols].reset_index(drop=True), per_scenario, worst


def _sustained_shortfall(f: _Frame, grid: pd.DataFrame, loss: pd.DataFrame) -> pd.DataFrame:
    """Scenario shortfalls of fleet capabilities (availability of the fleet in service)
    and of stock capabilities (each scenario's own stock path), replacing grid's."""
    key = ["scenario_id", "capability_id", "year"]
    fleet_caps = set(f.options.loc[f.options["requirement"] == "fleet", "capability_id"])
    found = []
    if fleet_caps & set(grid["capability_id"]):
        short = sustainment.fleet_shortfall(f.d, f.fleet)
        f.__dict__["fleet_short"] = short
        found.append(short[key + ["shortfall"]])
    if len(f.d.stock):
        paths = sustainment.scenario_stock(f.d, f.deliveries, loss)
        f.__dict__["stock_paths"] = paths
        found.append(paths[key + ["shortfall"]])
    if not found:
        return grid
    exact = pd.concat(found, ignore_index=True).set_index(key)["shortfall"]
    idx = pd.MultiIndex.from_frame(grid[key])
    replace = idx.isin(exact.index)
    grid.loc[replace, "shortfall"] = exact.reindex(idx[replace]).to_numpy(float)
    return grid


def cvar(losses: np.ndarray, probabilities: np.ndarray, beta: float) -> float:
    """CVaR_β of a discrete loss distribution (Rockafellar–Uryasev, exact).

    min_η η + Σ_i p_i·max(0, L_i − η) / (1 − β) is convex and piecewise linear
    in η with breakpoints at the losses, so its minimum is at one of them.
    The probability not assigned to any outcome (1 − Σp) belongs to an
    outcome with loss 0, which is added as an outcome of its own.
    """
    losses = np.asarray(losses, float)
    p = np.asarray(probabilities, float)
    rest = max(0.0, 1.0 - float(p.sum()))
    if rest > 0:
        losses, p = np.append(losses, 0.0), np.append(p, rest)
    if len(losses) == 0:
        return 0.0
    eta = losses[:, None]
    values = eta[:, 0] + (p * np.maximum(0.0, losses[None, :] - eta)).sum(axis=1) / (1 - beta)
    return float(values.min())


# --- constraints and limits -------------------------------------------------------------


def _local_share(f: _Frame, year: int) -> float | None:
    unit = float(f.unit_spend_year.get(year, 0.0))
    return float(f.local_spend_year.get(year, 0.0)) / unit if unit > 0 else None


def _constraints(f: _Frame) -> pd.DataFrame:
    """Budget and localization per year: used, limit, slack (≥ 0 when met)."""
    rows = []
    budget = f.d.budget
    for t in f.d.years:
        used = float(f.spend_year.get(t, 0.0))
        limit = float(budget.loc[t, "budget"])
        rows.append(("budget", t, used, limit, limit - used, np.nan, None))
    for t in f.d.years:
        share = _local_share(f, t)
        limit = float(budget.loc[t, "min_local_share"])
        slack = np.nan if share is None else share - limit
        rows.append(("localization", t, np.nan if share is None else share, limit, slack,
                     np.nan, None))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS["constraints"])


def _over(value: float, limit: float) -> bool:
    return value > limit + TOL * max(1.0, abs(limit))


def _check_limits(f: _Frame, shares: pd.DataFrame) -> None:
    """Record every limit of the case that the portfolio breaks (see :meth:`_Frame.flag`)."""
    _check_budget(f)
    _check_country_share(f, shares)
    _check_capacity(f)
    _check_demand(f)
    _check_options(f)
    _check_suppliers(f)
    _check_sustainment(f)


def _check_sustainment(f: _Frame) -> None:
    """Stock within stock_max; repair lines started once, in a year of the horizon."""
    case, caps = f.d.case, f.d.capabilities
    st = f.stock
    if len(st):
        over = st[st["planned_stock"] > st["stock_max"] + TOL * np.maximum(1.0,
                                                                           st["stock_max"])]
        for r, t, level, cap in over[["capability_id", "year", "planned_stock",
                                      "stock_max"]].itertuples(index=False):
            cell = case.cell("Capabilities", "stock_max", caps.loc[r, "row"])
            f.flag("stock_max", cell, float(level), float(cap),
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
            f.flag("repair_line", cell, float(len(started)), 1.0,
                   f"Repair line {p} ({cell}) is started {len(started)} times "
                   f"({', '.join(map(str, started))}); a repair line starts at most once")
        for y in started:
            if not years[0] <= y <= years[-1]:
                f.flag("repair_line", cell, float(y), None,
                       f"Repair line {p} ({cell}) starts in {y}, outside the horizon "
                       f"{years[0]}-{years[-1]}")


def _check_budget(f: _Frame) -> None:
    case, budget = f.d.case, f.d.budget
    for t in f.d.years:
        spent, limit = float(f.spend_year.get(t, 0.0)), float(budget.loc[t, "budget"])
        if _over(spent, limit):
            cell = case.cell("Budget", "budget", budget.loc[t, "row"])
            f.flag("budget", cell, spent, limit,
                   f"Budget {t} ({cell}): spending {num(spent)} exceeds the budget {num(limit)}")
        share, target = _local_share(f, t), float(budget.loc[t, "min_local_share"])
        if share is not None and _over(target, share):
            cell = case.cell("Budget", "min_local_share", budget.loc[t, "row"])
            f.flag("localization", cell, share, target,
                   f"Localization {t} ({cell}): local share {num(share)} of unit spending is "
                   f"below the target {num(target)}")


def _check_country_share(f: _Frame, shares: pd.DataFrame) -> None:
    countries = f.d.countries
    foreign = shares[shares["country_id"] != f.d.home]
    theta = foreign["country_id"].map(countries["max_share"]).astype(float)
    over = foreign[foreign["share"] > theta + TOL]
    for r, t, c, share in over[["capability_id", "year", "country_id", "share"]].itertuples(
            index=False):
        cell = f.d.case.cell("Countries", "max_share", countries.loc[c, "row"])
        limit = float(countries.loc[c, "max_share"])
        f.flag("country_share", cell, float(share), limit,
               f"Max share of {c} ({cell}): {num(share)} of {r} in {int(t)} originates in "
               f"{c}, above its limit {num(limit)}")


def _check_capacity(f: _Frame) -> None:
    suppliers = f.d.case.suppliers.set_index("supplier_id")
    used = f.deliveries.groupby(["supplier_id", "year"], as_index=False)["units"].sum()
    used["cap"] = used["supplier_id"].map(suppliers["capacity_per_year"]).astype(float)
    over = used[used["cap"].notna()
                & (used["units"] > used["cap"] + TOL * np.maximum(1.0, used["cap"]))]
    for s_id, t, units, cap in over[["supplier_id", "year", "units", "cap"]].itertuples(
            index=False):
        cell = f.d.case.cell("Suppliers", "capacity_per_year", suppliers.loc[s_id, "row"])
        f.flag("supplier_capacity", cell, float(units), float(cap),
               f"Capacity of supplier {s_id} ({cell}): {num(units)} units delivered in {t}, "
               f"above its capacity {num(cap)}")


def _check_demand(f: _Frame) -> None:
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
            f.flag("demand", cell, float(g), float(n), f"Demand of {r} in {int(t)} ({cell}): "
                   f"{num(g)} delivered, {num(n)} required ({num(n - g)} short)")
        else:
            f.note_surplus(cell, float(g), float(n), f"Demand of {r} in {int(t)} ({cell}): "
                           f"{num(g)} delivered, {num(g - n)} more than the demand {num(n)} "
                           "(a surplus: it costs money but breaks no limit)")
    rows = case.demand.set_index(["capability_id", "year"])["row"]
    extra = f.deliveries.groupby(["capability_id", "year"], as_index=False)["units"].sum()
    extra = extra.merge(dem[["capability_id", "year"]], how="left", indicator=True)
    extra = extra[(extra["_merge"] == "left_only") & (extra["units"] > TOL)
                  & ~extra["capability_id"].isin(f.volume)]
    for r, t, got_units in extra[["capability_id", "year", "units"]].itertuples(index=False):
        cell = case.cell("Demand", str(int(t)), rows.get((r, t)))
        f.flag("demand", cell, float(got_units), 0.0,
               f"Demand of {r} in {int(t)} ({cell}): {num(got_units)} delivered but nothing "
               "is required that year")


def _check_options(f: _Frame) -> None:
    """Excluded options used, options started twice or outside their window, minimum
    orders, mandatory options not started; then every delivery (:func:`_check_deliveries`)."""
    o, case, years = f.options, f.d.case, f.d.years
    excluded = f.d.excluded.set_index("option_id")["reason"]
    starts = f.starts.groupby("option_id", sort=True)["start_year"].agg(list)
    used = sorted(set(starts.index) | set(f.deliveries["option_id"]))
    for oid in used:
        if oid in excluded.index:
            cell = case.cell("Options", "option_id", o.at[oid, "row"])
            f.flag("excluded", cell, None, None,
                   f"Option {oid} ({cell}) is used but was excluded: {excluded[oid]}")
    for oid, started in starts.items():
        row = o.at[oid, "row"]
        if len(started) > 1:
            cell = case.cell("Options", "option_id", row)
            f.flag("one_start", cell, float(len(started)), 1.0,
                   f"Option {oid} ({cell}) is started {len(started)} times "
                   f"({', '.join(map(str, started))}); an option starts at most once")
        first = max(int(o.at[oid, "available_from"]), years[0])
        for y in started:
            if not first <= y <= years[-1]:
                cell = case.cell("Options", "available_from", row)
                f.flag("start", cell, float(y), float(first),
                       f"Option {oid} ({cell}) starts in {y}, outside the years it can start "
                       f"(from {first} to {years[-1]})")
    totals = f.deliveries.groupby("option_id")["units"].sum()
    moq = o.loc[starts.index, "min_total_qty"]
    got = totals.reindex(starts.index).fillna(0.0)
    for oid in moq.index[(moq > 0) & (moq - got > TOL * np.maximum(1.0, moq))]:
        cell = case.cell("Options", "min_total_qty", o.at[oid, "row"])
        f.flag("min_total_qty", cell, float(got[oid]), float(moq[oid]),
               f"Option {oid} ({cell}): {num(got[oid])} units in total, below its "
               f"min_total_qty {num(moq[oid])}")
    for oid in o.index[o["mandatory"] & ~o.index.isin(starts.index)]:
        cell = case.cell("Options", "mandatory", o.at[oid, "row"])
        f.flag("mandatory", cell, 0.0, 1.0, f"Mandatory option {oid} ({cell}) is not started")
    _check_deliveries(f, starts)


def _check_deliveries(f: _Frame, starts: pd.Series) -> None:
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
            f.flag(constraint, cell, *values(r), f"Option {r.option_id} ({cell}){text(r)}")
    fractional = dv["integer"] & ((dv["units"] - dv["units"].round()).abs() > TOL)
    for r in dv[fractional].itertuples(index=False):
        cell = case.cell("Capabilities", "integer_units", caps.at[r.capability_id, "row"])
        f.flag("integer_units", cell, float(r.units), None,
               f"Capability {r.capability_id} ({cell}) is counted in whole units, but option "
               f"{r.option_id} delivers {num(r.units)} in {r.year}")


def _check_suppliers(f: _Frame) -> None:
    """min_suppliers: in every dual-sourcing year that can hold (ModelData.sourcing),
    at least n suppliers each deliver min_supplier_share of the demand."""
    src = f.d.sourcing
    src = src[src["binding"]]
    if src.empty:
        return
    key = ["capability_id", "year"]
    have = _counted_suppliers(f).groupby(key)["supplier_id"].nunique()
    got = have.reindex(pd.MultiIndex.from_frame(src[key])).fillna(0).astype(int).to_numpy()
    caps = f.d.capabilities
    for (r, t, n, share), k in zip(src[["capability_id", "year", "need", "share"]].itertuples(
            index=False), got, strict=True):
        if k < n:
            cell = f.d.case.cell("Capabilities", "min_suppliers", caps.loc[r, "row"])
            f.flag("min_suppliers", cell, float(k), float(n),
                   f"Capability {r} ({cell}): {k} supplier(s) deliver at least "
                   f"{share:.0%} of the demand in {int(t)}, min_suppliers is {int(n)}")


def _kpis(f: _Frame, dependence: pd.DataFrame, shares: pd.DataFrame,
          per_scenario: pd.Series) -> dict[str, float | None]:
    d = f.d
    budget_total = d.total_budget
    total_cost = float(f.spend_year.sum())
    unit, local = float(f.deliveries["cost"].sum()), float(f.deliveries["local"].sum())
    if len(f.upkeep):  # support and repair lines count in the local share (§7)
        in_loc = f.upkeep[f.upkeep["in_localization"].astype(bool)]
        unit += float(in_loc["amount"].sum())
        local += float(in_loc["local"].sum())
    rate = exposure_rate(f.origin, d.countries, d.home)
    exposure = float((f.deliveries["option_id"].map(rate).fillna(0.0)
                      * f.deliveries["cost"]).sum())
    short = (f.demand["demand"] - f.demand["delivered"]).clip(lower=0.0)
    short = short.where(short > TOL * np.maximum(1.0, f.demand["demand"]), 0.0)  # float noise
    weight_total = d.total_weight or 1.0
    kpis: dict[str, float | None] = {
        "total_cost": total_cost,
        "budget_total": budget_total,
        "cost": total_cost / budget_total if budget_total else None,
        "local_share": local / unit if unit > 0 else None,
        "exposure": exposure / budget_total if budget_total else None,
        "hhi_mean": float(dependence["hhi"].mean()) if len(dependence) else None,
        "hhi_max": float(dependence["hhi"].max()) if len(dependence) else None,
        "max_country_share": (float(dependence["top_foreign_share"].max())
                              if len(dependence) else None),
        "import_risk": import_risk_overall(
            dependence, f.demand.groupby("capability_id")["weight"].first()),
        "expected_shortfall": None, "worst_case_shortfall": None, "cvar": None,
        "unmet_units": float(short.sum()),
        "unmet": float((f.demand["weight"] * short / f.demand["demand"]).sum() / weight_total),
    }
    if len(per_scenario):
        p = d.scenario_probability.reindex(per_scenario.index).to_numpy(float)
        losses = per_scenario.to_numpy(float)
        kpis["expected_shortfall"] = float(p @ losses)
        kpis["worst_case_shortfall"] = float(losses.max())
        kpis["cvar"] = cvar(losses, p, d.case.settings.cvar_beta)
    return kpis


def _portfolio_table(f: _Frame) -> pd.DataFrame:
    """One row per started option (and per option delivering without a start).

    total_cost is the option's own money: units × unit cost plus its fixed cost
    (once per start); suppliers' activation costs are not an option's.
    """
    o = f.options
    ids = pd.concat([f.starts["option_id"], f.deliveries["option_id"]]).drop_duplicates()
    opt = o.reindex(ids)
    n_starts = f.starts.groupby("option_id").size().reindex(ids).fillna(0).to_numpy()
    units = f.deliveries.groupby("option_id")["units"].sum().reindex(ids).fillna(0.0)
    cost = f.deliveries.groupby("option_id")["cost"].sum().reindex(ids).fillna(0.0)
    first = f.starts.groupby("option_id")["start_year"].min().reindex(ids)
    table = pd.DataFrame({
        "option_id": ids.to_numpy(), "capability_id": opt["capability_id"].to_numpy(),
        "supplier_id": opt["supplier_id"].to_numpy(),
        "country_id": opt["supplier_country"].to_numpy(), "mode": opt["mode"].to_numpy(),
        "start_year": pd.array(first.to_numpy(), dtype="Int64"),
        "total_units": units.to_numpy(float),
        "total_cost": cost.to_numpy(float) + opt["fixed_cost"].to_numpy(float) * n_starts,
    })
    return table.sort_values(["capability_id", "option_id"], kind="stable").reset_index(
        drop=True)


def num(value: float) -> str:
    """A number in a sentence: no float noise, whole numbers without decimals."""
    value = float(value)
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    if abs(value) < 10:
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{value:,.2f}"
