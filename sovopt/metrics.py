"""The KPIs and result tables of any portfolio, recomputed exactly with pandas.

:func:`evaluate` is the one place that turns a portfolio (starts and yearly
deliveries, from the optimiser or from a planner's hand) into the measures of
docs/FORMULATION.md and the tables of the results workbook. ``sovopt solve``
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
  portfolio; the formula is :mod:`sovopt.import_risk`'s):
  IR[r,t] = Σ_{c≠h} ρ[c]·u[r,c,t] / Σ_c u[r,c,t], u = Σ_o σ[o,c]·x[o,t]
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

The portfolio is first joined with the case (:mod:`sovopt.portfolio_frame`); the
broken limits are :mod:`sovopt.verify`'s plan checks, so a stress test and the
solve's verification name the same limits.

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

Fleets, repair lines, stock and leverage (the sustainment families) are computed by
:mod:`sovopt.sustainment` and enter here: support, repair and holding costs in
spend (support and repair in the local share too), a fleet's requirement met
by its units in service, a stock capability's demand met from deliveries and
stock, their scenario shortfalls from the fleet's availability and from each
scenario's own stock path, and country shares (and the HHI) of a fleet or stock
capability taken over the year's deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from sovopt import sustainment
from sovopt.import_risk import import_risk, risk_terms
from sovopt.outputs import METRIC_KEYS, TABLE_COLUMNS
from sovopt.portfolio import Portfolio
from sovopt.portfolio_frame import (
    TOL,
    PortfolioFrame,
    counted_suppliers,
    join,
    local_share,
    shares,
    spend_detail,
)
from sovopt.prepare import ModelData
from sovopt.spend import exposure_rate
from sovopt.verify import VIOLATION_COLUMNS, check_plan

#: HHI above which a capability's foreign supply counts as concentrated (EU threshold).
CONCENTRATED_HHI = 0.4

#: Every KPI :func:`evaluate` computes: the Summary's (output schema) and, for checks
#: against the model, its cost and unmet terms and the number of broken limits.
KPI_KEYS = (*METRIC_KEYS, "cost", "unmet", "violations")

#: The tables :func:`evaluate` makes, with their columns (from the output schema).
METRIC_TABLES = {name: TABLE_COLUMNS[name] for name in (
    "portfolio", "deliveries", "spend", "spend_origin", "dependence", "share_matrix",
    "scenarios", "constraints", "repairs", "fleet", "stock", "leverage")}


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


class _ScenarioOutcome(NamedTuple):
    """What :func:`_scenarios` finds: the Scenarios table, loss[k], the worst share lost
    per (capability, year), and the exact shortfalls of fleets and stock it used."""

    table: pd.DataFrame
    per_scenario: pd.Series
    worst: pd.Series | None
    fleet_short: pd.DataFrame
    stock_paths: pd.DataFrame


def evaluate(d: ModelData, portfolio: Portfolio) -> Metrics:
    """Every KPI, table and broken limit of ``portfolio`` in the prepared case ``d``."""
    f = join(d, portfolio)
    dependence, country_shares = _dependence(f)
    scen = _scenarios(f)
    if scen.worst is not None:
        key = pd.MultiIndex.from_frame(dependence[["capability_id", "year"]])
        dependence["worst_scenario_loss"] = scen.worst.reindex(key).fillna(0.0).to_numpy()
    constraints = _constraints(f)
    found = check_plan(f, country_shares)
    kpis = _kpis(f, dependence, scen.per_scenario)
    spend_origin = _spend_table(f, by_origin=True)
    tables = {
        "portfolio": _portfolio_table(f),
        "deliveries": f.deliveries[TABLE_COLUMNS["deliveries"]].reset_index(drop=True),
        "spend": _spend_table(f, by_origin=False),
        "spend_origin": spend_origin,
        "dependence": dependence[TABLE_COLUMNS["dependence"]],
        "share_matrix": _share_matrix(f),
        "scenarios": scen.table,
        "constraints": constraints,
        "repairs": f.repairs[sustainment.REPAIR_COLUMNS].reset_index(drop=True),
        "fleet": sustainment.fleet_table(f.d, f.fleet, scen.fleet_short),
        "stock": sustainment.stock_table(f.d, f.stock, scen.stock_paths),
        "leverage": sustainment.leverage(f.d, f.options, f.starts, spend_origin),
    }
    vt = pd.DataFrame(found.violations, columns=VIOLATION_COLUMNS)
    kpis["violations"] = len(vt)
    return Metrics(kpis=kpis, tables=tables, violations=vt["message"].tolist(),
                   surplus_table=pd.DataFrame(found.surplus, columns=VIOLATION_COLUMNS),
                   violation_table=vt, scenario_loss=scen.per_scenario)


# --- money ----------------------------------------------------------------------------


def _spend_table(f: PortfolioFrame, by_origin: bool) -> pd.DataFrame:
    detail = spend_detail(f, by_origin)
    table = detail.groupby(["year", "country_id", "capability_id"], as_index=False,
                           dropna=False, sort=True)["amount"].sum()
    return table[TABLE_COLUMNS["spend"]].reset_index(drop=True)


def _dependence(f: PortfolioFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per (capability, year) with demand: exact foreign HHI, top foreign country, suppliers."""
    country_shares = shares(f)
    foreign = country_shares[country_shares["country_id"] != f.d.home]
    key = ["capability_id", "year"]
    hhi = foreign.assign(sq=foreign["share"] ** 2).groupby(key)["sq"].sum()
    top = foreign.sort_values(["share", "country_id"], ascending=[False, True], kind="stable")
    top = top.drop_duplicates(key).set_index(key)
    suppliers = counted_suppliers(f).groupby(key)["supplier_id"].nunique()
    dep = f.demand[key].copy()
    idx = pd.MultiIndex.from_frame(dep)
    dep["hhi"] = hhi.reindex(idx).fillna(0.0).to_numpy()
    dep["concentrated"] = dep["hhi"] > CONCENTRATED_HHI
    dep["top_foreign_country"] = top["country_id"].reindex(idx).to_numpy()
    dep["top_foreign_share"] = top["share"].reindex(idx).fillna(0.0).to_numpy()
    dep["suppliers"] = suppliers.reindex(idx).fillna(0).astype(int).to_numpy()
    dep["single_source"] = dep["suppliers"] == 1
    dep["worst_scenario_loss"] = np.nan
    numerator, denominator = _import_risk_terms(f, country_shares)
    dep["import_risk_num"] = numerator.reindex(idx).fillna(0.0).to_numpy()
    dep["import_risk_den"] = denominator.reindex(idx).fillna(0.0).to_numpy()
    dep["import_risk"] = import_risk(dep["import_risk_num"], dep["import_risk_den"])
    dep = dep.sort_values(key, kind="stable").reset_index(drop=True)
    return dep, country_shares


def _import_risk_terms(f: PortfolioFrame, country_shares: pd.DataFrame
                       ) -> tuple[pd.Series, pd.Series]:
    """Per (capability, year): Σ_{c≠h} ρ[c]·u[c] and Σ_c u[c], u the delivered units by
    value origin (s·D), as the GeoPolRisk import risk weighs them."""
    units = country_shares["share"] * country_shares[["capability_id", "year"]].merge(
        f.demand[["capability_id", "year", "demand"]], on=["capability_id", "year"],
        how="left")["demand"].to_numpy()
    origin = country_shares["country_id"]
    risk = origin.map(f.d.countries["risk_score"]).astype(float).fillna(0.0)
    risk = risk.where(origin != f.d.home, 0.0)
    return risk_terms(units, risk,
                      by=[country_shares["capability_id"], country_shares["year"]])


def import_risk_overall(dependence: pd.DataFrame, weights: pd.Series) -> float | None:
    """The criticality-weighted mean over capabilities of the horizon import risk
    (Σ_t numerator / Σ_t denominator); None when nothing is delivered."""
    by_cap = dependence.groupby("capability_id")[["import_risk_num", "import_risk_den"]].sum()
    by_cap = by_cap[by_cap["import_risk_den"] > 0]
    if by_cap.empty:
        return None
    risk = pd.Series(import_risk(by_cap["import_risk_num"], by_cap["import_risk_den"]),
                     index=by_cap.index)
    w = weights.reindex(by_cap.index).astype(float)
    return float((w * risk).sum() / w.sum())


def _share_matrix(f: PortfolioFrame) -> pd.DataFrame:
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


def _scenarios(f: PortfolioFrame) -> _ScenarioOutcome:
    """Per scenario and capability: units lost, share lost, weighted loss; loss[k]; and
    the share of demand lost in the worst scenario of each (capability, year)."""
    probability = f.d.scenario_probability
    cols = TABLE_COLUMNS["scenarios"]
    if probability.empty:
        return _ScenarioOutcome(pd.DataFrame(columns=cols), pd.Series(dtype=float), None,
                                pd.DataFrame(), pd.DataFrame())
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
    grid, fleet_short, stock_paths = _sustained_shortfall(f, grid, loss)
    grid["share"] = grid["shortfall"] / grid["demand"]
    grid["wl"] = grid["weight"] * grid["share"] / (f.d.total_weight or 1.0)
    table = grid.groupby(["scenario_id", "capability_id"], sort=False, as_index=False).agg(
        units_lost=("shortfall", "sum"), demand=("demand", "sum"),
        weighted_loss=("wl", "sum"))
    table["share_lost"] = table["units_lost"] / table["demand"]
    per_scenario = table.groupby("scenario_id", sort=False)["weighted_loss"].sum()
    per_scenario = per_scenario.reindex(probability.index).fillna(0.0)
    worst = grid.groupby(["capability_id", "year"])["share"].max()
    return _ScenarioOutcome(table[cols].reset_index(drop=True), per_scenario, worst,
                            fleet_short, stock_paths)


def _sustained_shortfall(f: PortfolioFrame, grid: pd.DataFrame, loss: pd.DataFrame
                         ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Scenario shortfalls of fleet capabilities (availability of the fleet in service)
    and of stock capabilities (each scenario's own stock path), replacing grid's; with
    the fleets' shortfalls and the stock paths (empty when the case has none)."""
    key = ["scenario_id", "capability_id", "year"]
    fleet_caps = set(f.options.loc[f.options["requirement"] == "fleet", "capability_id"])
    found = []
    short = paths = pd.DataFrame()
    if fleet_caps & set(grid["capability_id"]):
        short = sustainment.fleet_shortfall(f.d, f.fleet)
        found.append(short[key + ["shortfall"]])
    if len(f.d.stock):
        paths = sustainment.scenario_stock(f.d, f.deliveries, loss)
        found.append(paths[key + ["shortfall"]])
    if not found:
        return grid, short, paths
    exact = pd.concat(found, ignore_index=True).set_index(key)["shortfall"]
    idx = pd.MultiIndex.from_frame(grid[key])
    replace = idx.isin(exact.index)
    grid.loc[replace, "shortfall"] = exact.reindex(idx[replace]).to_numpy(float)
    return grid, short, paths


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


# --- budget and localization, KPIs, the option table ----------------------------------


def _constraints(f: PortfolioFrame) -> pd.DataFrame:
    """Budget and localization per year: used, limit, slack (≥ 0 when met)."""
    rows = []
    budget = f.d.budget
    for t in f.d.years:
        used = float(f.spend_year.get(t, 0.0))
        limit = float(budget.loc[t, "budget"])
        rows.append(("budget", t, used, limit, limit - used, np.nan, None))
    for t in f.d.years:
        share = local_share(f, t)
        limit = float(budget.loc[t, "min_local_share"])
        slack = np.nan if share is None else share - limit
        rows.append(("localization", t, np.nan if share is None else share, limit, slack,
                     np.nan, None))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS["constraints"])


def _kpis(f: PortfolioFrame, dependence: pd.DataFrame,
          per_scenario: pd.Series) -> dict[str, float | None]:
    d = f.d
    budget_total = d.total_budget
    total_cost = float(f.spend_year.sum())
    unit, local = float(f.deliveries["cost"].sum()), float(f.deliveries["local"].sum())
    if len(f.upkeep):  # support and repair lines count in the local share
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


def _portfolio_table(f: PortfolioFrame) -> pd.DataFrame:
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
