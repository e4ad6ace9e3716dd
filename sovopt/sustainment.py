"""Fleets, repair lines, stock and leverage of any portfolio, exactly (the sustainment families).

Plain pandas, no solver: :mod:`sovopt.metrics` calls these functions for
every portfolio (from the optimiser or a planner's hand), so the numbers the
results show are the definitions below, and the model's values are checked
against them.

- in service  F[o,t] = Σ_{t−life < τ ≤ t} x[o,τ] for an option of a fleet
  capability; home-supported H[o,t] = F[o,t] from the year its repair line
  opens (start year + lead time), else 0.
- support spend g·(F − H) + g·factor·H a year, paid to the support country for
  F − H and at home for H; local where support is at home.
- a repair line's fixed cost is paid at home in its start year (local).
- planned stock of a capability with stock_max > 0, year by year:
  I[t] = I[t−1] + Σ x[o,t] − D[t], drawn as far as it goes; what it cannot
  cover is unmet (u = max(0, D − Σx − I[t−1])); the holding cost is
  holding_cost·I[t], paid at home. A stock above stock_max is a broken limit.
- a scenario's own stock path: J[k,t] = max(0, J[k,t−1] + Σ φ·x − D), and its
  shortfall v[k,t] = max(0, D − Σ φ·x − J[k,t−1]): what never arrived is never
  drawn. The stock is drawn as soon as it is needed (a scenario never holds
  stock back while demand goes short); the model could do better only where a
  later year's unit weighs more (criticality over a smaller demand), so the two
  agree whenever a capability's yearly demand is the same in every year it
  draws on the stock.
- a fleet's scenario shortfall v[k,t] = max(0, D − Σ_o [a_f·(F − H) + a_h·H]),
  a_f and a_h from :func:`sovopt.prepare.fleet_survival_loss`.
- leverage over country c in year t: Σ λ[o]·p[o]·offtake[o] over the licence and
  co-production lines whose partner (supplier) is in c, from their first
  possible delivery year (start + lead time); dependence on c: the year's
  spending whose value originates in c (the ``spend_origin`` table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sovopt.errors import SovoptError
from sovopt.outputs import TABLE_COLUMNS
from sovopt.prepare import EPS, ModelData, fleet_survival_loss

FLEET_COLUMNS = TABLE_COLUMNS["fleet"]
STOCK_COLUMNS = TABLE_COLUMNS["stock"]
REPAIR_COLUMNS = TABLE_COLUMNS["repairs"]
LEVERAGE_COLUMNS = TABLE_COLUMNS["leverage"]


def repair_lines(d: ModelData) -> pd.DataFrame:
    """Every repair line of the case, indexed by repair_id, typed."""
    rp = d.case.repair.set_index("repair_id")
    out = pd.DataFrame({"option_id": rp["option_id"].astype(object),
                        "fixed_cost": rp["fixed_cost"].astype(float),
                        "lead_time_years": rp["lead_time_years"].astype(int),
                        "support_cost_factor": rp["support_cost_factor"].astype(float),
                        "row": rp["row"]}, index=rp.index)
    return out


def repair_starts(d: ModelData, repairs: pd.DataFrame, options: pd.DataFrame) -> pd.DataFrame:
    """The portfolio's repair-line starts with their option, capability and opening year."""
    lines = repair_lines(d)
    rs = repairs[["repair_id", "start_year"]].copy()
    unknown = sorted(set(rs["repair_id"]) - set(lines.index))
    if unknown:
        raise SovoptError("the portfolio starts repair line(s) not in the case: "
                          f"{', '.join(map(str, unknown))}")
    rs["start_year"] = rs["start_year"].astype(int)
    rs["option_id"] = rs["repair_id"].map(lines["option_id"])
    rs["capability_id"] = rs["option_id"].map(options["capability_id"])
    rs["supports_from"] = rs["start_year"] + rs["repair_id"].map(lines["lead_time_years"])
    rs["fixed_cost"] = rs["repair_id"].map(lines["fixed_cost"])
    rs["factor"] = rs["repair_id"].map(lines["support_cost_factor"])
    return rs.sort_values(["repair_id", "start_year"], kind="stable").reset_index(drop=True)


def in_service(d: ModelData, options: pd.DataFrame, deliveries: pd.DataFrame,
               repairs: pd.DataFrame) -> pd.DataFrame:
    """F and H of every fleet option in every horizon year it has units in service.

    Columns option_id, capability_id, year, in_service, home, factor (the
    support cost factor of the part at home), support_cost, support_country.
    """
    cols = ["option_id", "capability_id", "year", "in_service", "home", "factor",
            "support_cost", "support_country"]
    fleet = options[options["requirement"] == "fleet"]
    dv = deliveries[deliveries["option_id"].isin(fleet.index)]
    if dv.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    years = d.years
    life = dv["option_id"].map(fleet["life"]).fillna(1).astype(int).to_numpy()
    lo = dv["year"].to_numpy()
    hi = np.minimum(lo + life - 1, years[-1])
    n = np.clip(hi - lo + 1, 0, None)
    offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    f = pd.DataFrame({"option_id": np.repeat(dv["option_id"].to_numpy(), n),
                      "year": np.repeat(lo, n) + offsets,
                      "in_service": np.repeat(dv["units"].to_numpy(float), n)})
    f = f[f["year"].between(years[0], years[-1])]
    f = f.groupby(["option_id", "year"], as_index=False, sort=True)["in_service"].sum()
    f["capability_id"] = f["option_id"].map(fleet["capability_id"])
    opened = repairs.groupby("option_id").agg(supports_from=("supports_from", "min"),
                                              factor=("factor", "first"))
    since = f["option_id"].map(opened["supports_from"])
    f["home"] = np.where(since.notna() & (f["year"] >= since), f["in_service"], 0.0)
    f["factor"] = f["option_id"].map(opened["factor"]).fillna(1.0)
    f["support_cost"] = f["option_id"].map(fleet["support_cost"]).astype(float)
    f["support_country"] = f["option_id"].map(fleet["support_country"])
    return f[cols].reset_index(drop=True)


def sustainment_spend(d: ModelData, fleet: pd.DataFrame, repairs: pd.DataFrame,
                      stock: pd.DataFrame) -> pd.DataFrame:
    """Support, repair-line and holding payments: year, country_id, capability_id,
    option_id, amount, local (the part spent at home that counts as local spend),
    in_localization (whether it enters the localization share)."""
    home = d.home
    parts = []
    if len(fleet):
        g = fleet["support_cost"]
        away = fleet.assign(amount=g * (fleet["in_service"] - fleet["home"]),
                            country_id=fleet["support_country"])
        away["local"] = np.where(away["country_id"] == home, away["amount"], 0.0)
        at_home = fleet.assign(amount=g * fleet["factor"] * fleet["home"], country_id=home)
        at_home["local"] = at_home["amount"]
        parts += [away, at_home]
    if len(repairs):
        parts.append(repairs.assign(year=repairs["start_year"], country_id=home,
                                    amount=repairs["fixed_cost"],
                                    local=repairs["fixed_cost"]))
    cols = ["year", "country_id", "capability_id", "option_id", "amount", "local"]
    frames = [p.assign(in_localization=True)[[*cols, "in_localization"]] for p in parts]
    if len(stock):
        hold = stock.assign(country_id=home, option_id=None,
                            amount=stock["holding_cost"] * stock["planned_stock"], local=0.0,
                            in_localization=False)
        frames.append(hold[[*cols, "in_localization"]])
    frames = [p for p in frames if len(p)]
    if not frames:
        return pd.DataFrame({"year": pd.Series(dtype=int), "country_id": pd.Series(dtype=str),
                             "capability_id": pd.Series(dtype=str),
                             "option_id": pd.Series(dtype=str),
                             "amount": pd.Series(dtype=float), "local": pd.Series(dtype=float),
                             "in_localization": pd.Series(dtype=bool)})
    out = pd.concat(frames, ignore_index=True)
    out = out[out["amount"] > 0]
    out["year"] = out["year"].astype(int)
    return out.reset_index(drop=True)


def _stock_path(inflow: np.ndarray, demand: np.ndarray, initial: float,
                cap: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Stock at each year's end and the demand it could not cover, drawn as needed."""
    level, short = np.zeros(len(demand)), np.zeros(len(demand))
    before = initial
    for i, (got, need) in enumerate(zip(inflow, demand, strict=True)):
        after = before + got - need
        if after < 0:
            short[i], after = -after, 0.0
        if cap is not None:
            after = min(after, cap)
        level[i] = after
        before = after
    return level, short


def planned_stock(d: ModelData, deliveries: pd.DataFrame) -> pd.DataFrame:
    """The plan's stock of every capability with stock_max > 0, each horizon year.

    Columns capability_id, year, demand, delivered, planned_stock, unmet,
    stock_max, holding_cost, draw (how much the year takes out of the stock).
    """
    rows = []
    delivered = deliveries.groupby(["capability_id", "year"])["units"].sum()
    demand = d.demand_of
    for r, st in d.stock.iterrows():
        got = np.array([float(delivered.get((r, t), 0.0)) for t in d.years])
        need = np.array([float(demand.get((r, t), 0.0)) for t in d.years])
        level, short = _stock_path(got, need, float(st["initial_stock"]))
        before = np.concatenate([[float(st["initial_stock"])], level[:-1]])
        for t, g, n, lv, s, b in zip(d.years, got, need, level, short, before, strict=True):
            rows.append((r, t, n, g, lv, s, float(st["stock_max"]), float(st["holding_cost"]),
                         max(0.0, b - lv)))
    return pd.DataFrame(rows, columns=["capability_id", "year", "demand", "delivered",
                                       "planned_stock", "unmet", "stock_max", "holding_cost",
                                       "draw"])


def scenario_stock(d: ModelData, deliveries: pd.DataFrame,
                   loss: pd.DataFrame) -> pd.DataFrame:
    """Each scenario's own stock path and shortfall for every capability with stock.

    ``loss`` is 1 − φ of the portfolio's deliveries (scenario_id, option_id, year,
    loss). Columns scenario_id, capability_id, year, stock, draw, shortfall.
    """
    cols = ["scenario_id", "capability_id", "year", "stock", "draw", "shortfall"]
    if d.stock.empty or d.scenario_probability.empty:
        return pd.DataFrame(columns=cols)
    dv = deliveries[deliveries["capability_id"].isin(d.stock.index)]
    demand = d.demand_of
    rows = []
    for k in d.scenario_probability.index:
        lk = loss[loss["scenario_id"] == k].set_index(["option_id", "year"])["loss"]
        kept = dv["units"] * (1.0 - pd.Series(list(zip(dv["option_id"], dv["year"],
                                                        strict=True)), index=dv.index,
                                               dtype=object).map(lk).fillna(0.0))
        arrived = kept.groupby([dv["capability_id"], dv["year"]]).sum()
        for r, st in d.stock.iterrows():
            got = np.array([float(arrived.get((r, t), 0.0)) for t in d.years])
            need = np.array([float(demand.get((r, t), 0.0)) for t in d.years])
            initial = float(st["initial_stock"])
            level, short = _stock_path(got, need, initial, float(st["stock_max"]))
            before = np.concatenate([[initial], level[:-1]])
            for t, lv, s, b in zip(d.years, level, short, before, strict=True):
                rows.append((k, r, t, lv, max(0.0, b - lv), s))
    return pd.DataFrame(rows, columns=cols)


def fleet_shortfall(d: ModelData, fleet: pd.DataFrame) -> pd.DataFrame:
    """Each scenario's units out of service below the requirement of every fleet
    capability: scenario_id, capability_id, year, available, shortfall."""
    cols = ["scenario_id", "capability_id", "year", "available", "shortfall"]
    fleet_caps = d.capabilities.index[d.capabilities.get("requirement", "deliveries")
                                      == "fleet"]
    need = d.demand[d.demand["capability_id"].isin(fleet_caps)]
    if need.empty or d.scenario_probability.empty:
        return pd.DataFrame(columns=cols)
    # a plan with no unit in service (nothing bought) has none available in any scenario
    avail = _available(d, fleet) if len(fleet) else pd.Series(dtype=float)
    out = pd.DataFrame({"scenario_id": d.scenario_probability.index.astype(object)}).merge(
        need[["capability_id", "year", "demand"]], how="cross")
    key = pd.MultiIndex.from_frame(out[["scenario_id", "capability_id", "year"]])
    out["available"] = avail.reindex(key).fillna(0.0).to_numpy()
    out["shortfall"] = np.maximum(0.0, out["demand"] - out["available"])
    return out[cols]


def _available(d: ModelData, fleet: pd.DataFrame) -> pd.Series:
    """Units of each fleet capability and year still in service in each scenario."""
    options = fleet.drop_duplicates("option_id").set_index("option_id")
    # a_f, a_h of the portfolio's own in-service pairs (an option the model never saw too)
    loss = fleet_survival_loss(d.case, options, fleet[["option_id", "year"]], d.years)
    grid = pd.DataFrame({"scenario_id": d.scenario_probability.index.astype(object)}).merge(
        fleet, how="cross")
    grid = grid.merge(loss, on=["scenario_id", "option_id", "year"], how="left").fillna(
        {"loss_foreign": 0.0, "loss_home": 0.0})
    grid["available"] = ((1 - grid["loss_foreign"]) * (grid["in_service"] - grid["home"])
                         + (1 - grid["loss_home"]) * grid["home"])
    return grid.groupby(["scenario_id", "capability_id", "year"])["available"].sum()


def fleet_table(d: ModelData, fleet: pd.DataFrame, shortfall: pd.DataFrame) -> pd.DataFrame:
    """Per fleet capability and year with a requirement: in service, of which supported
    at home, and the units available in the worst scenario (and that share of the need)."""
    fleet_caps = d.capabilities.index[d.capabilities.get("requirement", "deliveries")
                                      == "fleet"]
    need = d.demand[d.demand["capability_id"].isin(fleet_caps)]
    out = need[["capability_id", "year", "demand"]].rename(columns={"demand": "required"})
    out = out.reset_index(drop=True)
    key = pd.MultiIndex.from_frame(out[["capability_id", "year"]])
    sums = fleet.groupby(["capability_id", "year"])[["in_service", "home"]].sum()
    out["in_service"] = sums["in_service"].reindex(key).fillna(0.0).to_numpy()
    out["home_supported"] = sums["home"].reindex(key).fillna(0.0).to_numpy()
    if len(shortfall):
        worst = shortfall.sort_values(["available", "scenario_id"], kind="stable")
        worst = worst.drop_duplicates(["capability_id", "year"]).set_index(
            ["capability_id", "year"])
        out["worst_available"] = worst["available"].reindex(key).to_numpy(float)
        hit = out["worst_available"] < out["in_service"] - EPS  # name it only if it hurts
        out["worst_scenario"] = np.where(hit, worst["scenario_id"].reindex(key).to_numpy(),
                                         None)
    else:
        out["worst_available"] = out["in_service"]
        out["worst_scenario"] = None
    out["availability"] = np.minimum(1.0, out["worst_available"] / out["required"])
    return out[FLEET_COLUMNS]


def stock_table(d: ModelData, plan: pd.DataFrame, paths: pd.DataFrame) -> pd.DataFrame:
    """Per stock capability and year: planned stock, the largest draw on the stock in any
    scenario (and which), and the years of average demand the planned stock covers."""
    if plan.empty:
        return pd.DataFrame(columns=STOCK_COLUMNS)
    out = plan.copy()
    key = pd.MultiIndex.from_frame(out[["capability_id", "year"]])
    if len(paths):
        worst = paths.sort_values(["draw", "scenario_id"], ascending=[False, True],
                                  kind="stable")
        worst = worst.drop_duplicates(["capability_id", "year"]).set_index(
            ["capability_id", "year"])
        drawn = worst["draw"].reindex(key).to_numpy(float)
        out["worst_draw"] = np.maximum(drawn, out["draw"].to_numpy(float))
        # a scenario is named only where it draws more than the plan itself does
        out["worst_scenario"] = np.where(drawn > out["draw"].to_numpy(float) + EPS,
                                         worst["scenario_id"].reindex(key).to_numpy(), None)
    else:
        out["worst_draw"] = out["draw"]
        out["worst_scenario"] = None
    mean = d.demand.groupby("capability_id")["demand"].mean()
    per_year = out["capability_id"].map(mean).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["years_of_cover"] = np.where(per_year > 0, out["planned_stock"] / per_year, 0.0)
    return out[STOCK_COLUMNS].reset_index(drop=True)


def leverage(d: ModelData, options: pd.DataFrame, starts: pd.DataFrame,
             spend_origin: pd.DataFrame) -> pd.DataFrame:
    """Per foreign country and year: what the portfolio depends on it for (spending
    whose value originates there) and what it depends on the home country for."""
    home = d.home
    dep = spend_origin[spend_origin["country_id"] != home].groupby(
        ["country_id", "year"])["amount"].sum().rename("dependence_on")
    o = options.reindex(starts["option_id"])
    lines = pd.DataFrame({"country_id": o["supplier_country"].to_numpy(),
                          "from": (starts["start_year"].to_numpy()
                                   + o["lead_time_years"].to_numpy()),
                          "value": (o["local_content"] * o["unit_cost"]
                                    * o["offtake"]).to_numpy(float),
                          "mode": o["mode"].to_numpy()})
    lines = lines[lines["mode"].isin(("license", "coproduce")) & (lines["value"] > 0)
                  & (lines["country_id"] != home)]
    rows = [(c, t, v) for c, start, v in zip(lines["country_id"], lines["from"],
                                             lines["value"], strict=True)
            for t in d.years if t >= start]
    lev = pd.DataFrame(rows, columns=["country_id", "year", "leverage_over"]).groupby(
        ["country_id", "year"])["leverage_over"].sum()
    out = pd.concat([dep, lev], axis=1).fillna(0.0).reset_index()
    out = out.rename(columns={"level_0": "country_id", "level_1": "year"})
    if out.empty:
        return pd.DataFrame(columns=LEVERAGE_COLUMNS)
    out["year"] = out["year"].astype(int)
    return out.sort_values(["country_id", "year"], kind="stable")[LEVERAGE_COLUMNS].reset_index(
        drop=True)


def leverage_ratio(table: pd.DataFrame) -> pd.DataFrame:
    """Per country over the horizon: dependence on it, leverage over it, and their ratio
    (leverage / dependence; blank where nothing depends on it)."""
    if table.empty:
        return pd.DataFrame(columns=["country_id", "dependence_on", "leverage_over", "ratio"])
    t = table.groupby("country_id", as_index=False)[["dependence_on", "leverage_over"]].sum()
    t["ratio"] = np.where(t["dependence_on"] > 0,
                          t["leverage_over"] / t["dependence_on"].where(
                              t["dependence_on"] > 0, 1.0), np.nan)
    return t
