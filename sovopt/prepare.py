"""Derived model data: sparse index sets, value origin σ and survival φ (pandas only).

Everything the model needs that is not a raw workbook value is computed here,
vectorised over tables, so that the Pyomo builder only iterates over sparse
index sets that already exist:

- ``options``: the options kept for the model, with the assembly country,
  the remainder share that belongs to the supplier's country, the integer
  flag, the effective yearly cap ``qmax`` and the row it came from;
- ``excluded``: options dropped before the model is built and why (any value
  from a prohibited country; no delivery possible within the horizon);
- ``deliveries``: the (option, year) pairs that can deliver, each with its big-M
  ``cap`` = min(qmax, demand of its capability that year, the supplier's yearly
  capacity) and ``own_cap`` = min(qmax, demand), the bound without the supplier's
  capacity (which the infeasibility diagnosis may relax); pairs whose own_cap is 0
  are dropped, so x is never created for them;
- ``starts``: the (option, year) pairs in which an option can start (from
  available_from until the last year that still leaves a delivery year);
- ``origin``: σ[o,c], the share of option o's value that originates in country
  c: σ[o,h] = λ[o], each Inputs row adds its share to its source country, the
  remainder goes to the supplier's country;
- ``all_options``, ``all_origin``, ``survival``: the option table, σ and the
  makings of φ for every option of the case, kept or not (``kept``), so that the
  metrics of a hand-made portfolio use the same numbers as the model;
- ``loss``: 1 − φ[k,o,t] for every scenario k and deliverable (o,t) that loses
  anything, where φ is the survival fraction (critical inputs and the assembly
  country gate the whole option, Leontief; non-critical inputs and a licensor's
  or partner's remainder cost only their value share);
- ``demand``: D[r,t] > 0 with the capability's criticality weight w[r];
- ``scenario_probability``: π[k];
- ``sourcing``: the (capability, year) pairs in which dual sourcing can hold
  (see the dual_sourcing family).

For the sustainment families (each empty when the case does not use it, and then
nothing above changes):

- ``fleet``: the kept options of fleet capabilities, with their service life,
  support cost and support country (blank: the supplier's country for buy,
  home otherwise); their deliveries are possible in every horizon year from
  the first delivery (buying ahead of the years with a requirement), capped
  by qmax (blank: the largest fleet requirement);
- ``in_service``: the (option, year) pairs at which a fleet option can have
  units in service, with ``fleet_max`` = the most units that can be in
  service then (the sum of the delivery caps over the service-life window),
  the big-M of the home-supported fleet;
- ``fleet_loss``: 1 − a_f[k,o,t] and 1 − a_h[k,o,t], the share of the
  foreign-supported and of the home-supported fleet out of service in
  scenario k (rows with any loss only): a_f = clip(min(1 − α[k,support(o),t],
  min_critical (1 − α[k,c(i),t])), 0, 1), a_h the same with the home country
  in place of the support country (critical inputs, the spares, gate both);
- ``repair``: the repair lines of kept fleet options; ``repair_starts`` the
  (repair line, year) pairs it may start in (its lead time still leaves a
  supported year in the horizon);
- ``stock``: capabilities that may hold stock (stock_max > 0) with stock_max,
  holding_cost and initial_stock; their options may deliver in every horizon
  year up to min(qmax, D[r,t] + stock_max), qmax defaulting to the largest
  yearly demand plus stock_max (a year that builds stock delivers more than
  its demand).

Rules the contract leaves to the implementation, as this code has them:

- Years with zero demand are left out of every measure: no (r,t) pair, so no
  shortfall, HHI or unmet term, and the means of loss, HHI and unmet demand
  are taken over the (r,t) pairs with D[r,t] > 0 only.
- Two Scenarios rows of one scenario naming the same country and year do not
  add up: the larger loss counts (α = max over the rows).
- A country that already gates an option (its assembly country, or the source
  of a critical input) is not charged again through its value shares: a 50 %
  cut of the only country involved loses 50 %, not 60 %; a domestic option's
  home remainder is covered by the home assembly gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.exclusions import EPS, excluded_options
from sovopt.sourcing import sourcing_years


@dataclass
class ModelData:
    """Sparse data for one case, ready for the Pyomo builder and for metrics."""

    case: Case
    years: list[int]
    home: str
    options: pd.DataFrame  # indexed by option_id
    excluded: pd.DataFrame  # option_id, reason, row
    deliveries: pd.DataFrame  # option_id, year, capability_id, supplier_id, cap
    starts: pd.DataFrame  # option_id, year
    origin: pd.DataFrame  # option_id, country_id, share
    loss: pd.DataFrame  # scenario_id, option_id, year, loss
    demand: pd.DataFrame  # capability_id, year, demand, weight, row (demand > 0)
    suppliers: pd.DataFrame  # indexed by supplier_id (only those with kept options)
    capabilities: pd.DataFrame  # indexed by capability_id
    countries: pd.DataFrame  # indexed by country_id
    budget: pd.DataFrame  # indexed by year
    scenario_probability: pd.Series  # scenario_id -> π
    #: every option of the case (excluded ones too: a hand-made portfolio may use
    #: them), with the derived columns of :func:`option_table` and ``kept``
    all_options: pd.DataFrame = field(default_factory=pd.DataFrame)
    all_origin: pd.DataFrame = field(default_factory=pd.DataFrame)  # σ of every option
    survival: Survival | None = None  # φ of any (option, year), :class:`Survival`
    notes: list[str] = field(default_factory=list)
    fleet: pd.DataFrame = field(default_factory=pd.DataFrame)  # indexed by option_id
    in_service: pd.DataFrame = field(default_factory=pd.DataFrame)  # option_id, year, ...
    fleet_loss: pd.DataFrame = field(default_factory=pd.DataFrame)
    repair: pd.DataFrame = field(default_factory=pd.DataFrame)  # indexed by repair_id
    repair_starts: pd.DataFrame = field(default_factory=pd.DataFrame)  # repair_id, year
    stock: pd.DataFrame = field(default_factory=pd.DataFrame)  # indexed by capability_id

    @property
    def first_year(self) -> int:
        return self.years[0]

    @property
    def total_budget(self) -> float:
        return float(self.budget["budget"].sum())

    @property
    def total_weight(self) -> float:
        """Σ w[r] over the (r,t) pairs with demand: the normaliser of loss shares."""
        return float(self.demand["weight"].sum())

    # Index keys and lookups every constraint family needs, made once per case.

    @cached_property
    def delivery_keys(self) -> list[tuple[str, int]]:
        """The deliverable (option, year) pairs, in ``deliveries`` order."""
        return list(zip(self.deliveries["option_id"].tolist(),
                        self.deliveries["year"].tolist(), strict=True))

    @cached_property
    def start_keys(self) -> list[tuple[str, int]]:
        """The (option, year) pairs an option may start in, in ``starts`` order."""
        return list(zip(self.starts["option_id"].tolist(), self.starts["year"].tolist(),
                        strict=True))

    @cached_property
    def delivery_cap(self) -> dict[tuple[str, int], float]:
        """(option, year) -> the big-M / upper bound of x."""
        return dict(zip(self.delivery_keys, self.deliveries["cap"].tolist(), strict=True))

    @cached_property
    def share_reach(self) -> pd.Series:
        """option_id -> min over foreign c with σ[o,c] > 0 of θ[c]/σ[o,c] (inf when none).

        θ[c]·D[r,t]/σ[o,c] is the most option o can deliver in a year under country c's
        max share of its capability: σ[o,c]·x[o,t] ≤ Σ_o' σ[o',c]·x[o',t] ≤ θ[c]·D[r,t]
        (family country_share); this is the factor of D for the tightest such country.
        """
        foreign = self.origin[(self.origin["country_id"] != self.home)
                              & (self.origin["share"] > EPS)]
        theta = foreign["country_id"].map(self.countries["max_share"]).astype(float)
        reach = (theta / foreign["share"]).groupby(foreign["option_id"]).min()
        return reach.reindex(self.options.index).fillna(np.inf)

    @cached_property
    def sourcing(self) -> pd.DataFrame:
        """The dual-sourcing years, worked out once per case by the dual_sourcing
        family's rule (:func:`sovopt.sourcing.sourcing_years`)."""
        return sourcing_years(self)

    @cached_property
    def demand_of(self) -> dict[tuple[str, int], float]:
        """(capability, year) -> D[r,t] (> 0)."""
        return dict(zip(zip(self.demand["capability_id"].tolist(),
                            self.demand["year"].tolist(), strict=True),
                        self.demand["demand"].tolist(), strict=True))


def prepare(case: Case) -> ModelData:
    """Derive the sparse model data of ``case`` (see the module docstring)."""
    years = case.years
    home = case.settings.home_country
    countries = case.countries.set_index("country_id")
    suppliers = case.suppliers.set_index("supplier_id")
    capabilities = case.capabilities.set_index("capability_id")

    demand = case.demand[case.demand["demand"] > EPS].copy()
    demand = demand[demand["year"].isin(years)]
    demand["weight"] = demand["capability_id"].map(capabilities["criticality"]).astype(float)
    demand = demand.reset_index(drop=True)

    all_options = option_table(case)
    origin_all = value_origin(case, all_options)
    options = all_options

    starts = _start_pairs(options, years)
    excluded = excluded_options(case, options, origin_all, starts)

    keep = ~options.index.isin(excluded["option_id"])
    all_options = all_options.assign(kept=keep)
    options = options[keep]
    starts = starts[starts["option_id"].isin(options.index)].reset_index(drop=True)
    origin = origin_all[origin_all["option_id"].isin(options.index)].reset_index(drop=True)

    deliveries = _delivery_pairs(options, demand, suppliers, years,
                                 stock_table(capabilities))
    # An option that can deliver nothing needs no start, unless it is mandatory:
    # the planner's commitment stands (and costs its fixed cost) even then.
    useful = starts["option_id"].isin(deliveries["option_id"].unique()) | starts[
        "option_id"].map(options["mandatory"]).astype(bool)
    starts = starts[useful].reset_index(drop=True)

    used_suppliers = suppliers.loc[suppliers.index.isin(options["supplier_id"])]
    probability = (
        case.scenarios.groupby("scenario_id", sort=False)["probability"].first()
        if len(case.scenarios) else pd.Series(dtype=float)
    )
    phi = survival(case, all_options, years)
    loss = phi.loss(deliveries)
    budget = case.budget.set_index("year").reindex(years)

    d = ModelData(
        case=case, years=years, home=home, options=options, excluded=excluded,
        deliveries=deliveries, starts=starts, origin=origin, loss=loss, demand=demand,
        suppliers=used_suppliers, capabilities=capabilities, countries=countries,
        budget=budget, scenario_probability=probability.astype(float),
        all_options=all_options, all_origin=origin_all, survival=phi,
    )
    _add_sustainment(d)
    return d


def _add_sustainment(d: ModelData) -> None:
    """The fleet, repair and stock tables of the sustainment families (see the module docstring)."""
    d.stock = stock_table(d.capabilities)
    fleet = d.options[d.options["requirement"] == "fleet"]
    d.fleet = fleet[["capability_id", "life", "support_cost", "support_country"]].copy()
    d.in_service = in_service_pairs(d.fleet, d.deliveries, d.years)
    d.fleet_loss = fleet_survival_loss(d.case, fleet, d.in_service, d.years)
    repair = d.case.repair
    repair = repair[repair["option_id"].isin(fleet.index)].copy()
    if repair.empty:
        d.repair = pd.DataFrame(columns=["option_id", "fixed_cost", "lead_time_years",
                                         "support_cost_factor", "row"],
                                index=pd.Index([], name="repair_id"))
        d.repair_starts = pd.DataFrame({"repair_id": pd.Series(dtype=object),
                                        "year": pd.Series(dtype=int)})
        return
    repair["lead_time_years"] = repair["lead_time_years"].astype(int)
    for col in ("fixed_cost", "support_cost_factor"):
        repair[col] = repair[col].astype(float)
    d.repair = repair.set_index("repair_id")
    n, year = _year_ranges(np.full(len(d.repair), d.years[0]),
                           d.years[-1] - d.repair["lead_time_years"].to_numpy())
    d.repair_starts = pd.DataFrame({"repair_id": np.repeat(d.repair.index.to_numpy(), n),
                                    "year": year})


def stock_table(capabilities: pd.DataFrame) -> pd.DataFrame:
    """Capabilities that may hold stock (stock_max > 0), indexed by capability_id."""
    caps = capabilities
    if "stock_max" not in caps.columns:
        return pd.DataFrame(columns=["stock_max", "holding_cost", "initial_stock"])
    stock = caps.loc[(caps["stock_max"].astype(float) > EPS)
                     & (caps["requirement"] != "fleet"),
                     ["stock_max", "holding_cost", "initial_stock"]]
    return stock.astype(float)


def in_service_pairs(fleet: pd.DataFrame, deliveries: pd.DataFrame,
                     years: list[int]) -> pd.DataFrame:
    """(option, year) pairs where a fleet option can have units in service.

    A unit delivered in τ is in service in τ, …, τ + life − 1. ``fleet_max`` is
    the sum of the delivery caps over the window (t − life, t].
    """
    cols = ["option_id", "year", "capability_id", "fleet_max"]
    dv = deliveries[deliveries["option_id"].isin(fleet.index)]
    if dv.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("option_id", "capability_id")
                                          else float) for c in cols})
    life = dv["option_id"].map(fleet["life"]).astype(int).to_numpy()
    last = np.minimum(dv["year"].to_numpy() + life - 1, years[-1])
    n, year = _year_ranges(dv["year"].to_numpy(), last)
    pairs = pd.DataFrame({"option_id": np.repeat(dv["option_id"].to_numpy(), n),
                          "year": year, "cap": np.repeat(dv["cap"].to_numpy(float), n)})
    pairs = pairs.groupby(["option_id", "year"], as_index=False, sort=True)["cap"].sum()
    pairs = pairs.rename(columns={"cap": "fleet_max"})
    pairs["capability_id"] = pairs["option_id"].map(fleet["capability_id"])
    return pairs[cols]


def fleet_survival_loss(case: Case, fleet: pd.DataFrame, in_service: pd.DataFrame,
                        years: list[int]) -> pd.DataFrame:
    """1 − a_f and 1 − a_h for every scenario and in-service pair with a loss (sustainment).

    a_f = clip(min(1 − α[k,support(o),t], min_{critical i} (1 − α[k,c(i),t])), 0, 1)
    and a_h likewise with the home country in place of support(o): critical
    inputs (spares) gate both; the support country gates the foreign-supported
    part, the home country the part a repair line supports at home.
    """
    cols = ["scenario_id", "option_id", "year", "loss_foreign", "loss_home"]
    alpha = scenario_country_loss(case, years)
    if alpha.empty or in_service.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in cols[:2] else float)
                             for c in cols})
    home = case.settings.home_country
    inputs = case.inputs[case.inputs["option_id"].isin(fleet.index) & case.inputs["critical"]]
    spares = pd.DataFrame({"option_id": inputs["option_id"].to_numpy(),
                           "country_id": inputs["source_country_id"].to_numpy()})

    def gate(countries: pd.DataFrame, name: str) -> pd.Series:
        g = pd.concat([countries, spares], ignore_index=True).drop_duplicates()
        g = g.merge(alpha, on="country_id")
        return g.groupby(["scenario_id", "option_id", "year"], sort=False)["alpha"].max(
            ).rename(name)

    foreign = gate(pd.DataFrame({"option_id": fleet.index,
                                 "country_id": fleet["support_country"].to_numpy()}),
                   "loss_foreign")
    at_home = gate(pd.DataFrame({"option_id": fleet.index, "country_id": home}), "loss_home")
    loss = pd.concat([foreign, at_home], axis=1).fillna(0.0).clip(upper=1.0).reset_index()
    loss = loss.merge(in_service[["option_id", "year"]], on=["option_id", "year"])
    loss = loss[(loss["loss_foreign"] > EPS) | (loss["loss_home"] > EPS)]
    return loss[cols].sort_values(cols[:3]).reset_index(drop=True)


def option_table(case: Case) -> pd.DataFrame:
    """Every option of the case indexed by id, typed, with the derived columns
    supplier_country, assembly_country, input_share, remainder (the value share
    of the supplier's country), integer and qmax (the yearly cap, filled)."""
    suppliers = case.suppliers.set_index("supplier_id")
    capabilities = case.capabilities.set_index("capability_id")
    o = case.options.set_index("option_id").copy()
    for col in ("unit_cost", "fixed_cost", "local_content", "min_total_qty",
                "max_qty_per_year"):
        o[col] = o[col].astype(float)
    o["mandatory"] = o["mandatory"].astype(bool)
    o["lead_time_years"] = o["lead_time_years"].astype(int)
    o["available_from"] = o["available_from"].astype(int)
    o["supplier_country"] = o["supplier_id"].map(suppliers["country_id"])
    home = case.settings.home_country
    o["assembly_country"] = np.where(o["mode"] == "buy", o["supplier_country"], home)
    input_share = case.inputs.groupby("option_id")["value_share"].sum()
    o["input_share"] = input_share.reindex(o.index).fillna(0.0).astype(float)
    o["remainder"] = (1.0 - o["local_content"] - o["input_share"]).clip(lower=0.0)
    o["integer"] = o["capability_id"].map(capabilities["integer_units"]).astype(bool)
    peak = case.demand.groupby("capability_id")["demand"].max()
    stock = stock_table(capabilities)["stock_max"]
    peak = peak.add(stock.reindex(peak.index).fillna(0.0))  # a year may also fill the stock
    o["qmax"] = o["max_qty_per_year"].where(
        o["max_qty_per_year"].notna(), o["capability_id"].map(peak)
    ).fillna(0.0).astype(float)
    _sustainment_columns(o, capabilities, home)
    return o


def _sustainment_columns(o: pd.DataFrame, capabilities: pd.DataFrame, home: str) -> None:
    """requirement, life, support_cost, support_country, offtake of every option (sustainment)."""
    req = capabilities["requirement"] if "requirement" in capabilities.columns else None
    o["requirement"] = (o["capability_id"].map(req).fillna("deliveries") if req is not None
                        else "deliveries")
    life = o["service_life_years"] if "service_life_years" in o.columns else np.nan
    o["life"] = pd.Series(life, index=o.index, dtype=float)
    g = o["support_cost"] if "support_cost" in o.columns else 0.0
    o["support_cost"] = pd.Series(g, index=o.index, dtype=float).fillna(0.0)
    given = o["support_country_id"] if "support_country_id" in o.columns else None
    default = pd.Series(np.where(o["mode"] == "buy", o["supplier_country"], home),
                        index=o.index)
    o["support_country"] = default if given is None else given.where(given.notna(), default)
    off = o["partner_offtake_per_year"] if "partner_offtake_per_year" in o.columns else 0.0
    o["offtake"] = pd.Series(off, index=o.index, dtype=float).fillna(0.0)


def value_origin(case: Case, options: pd.DataFrame) -> pd.DataFrame:
    """σ[o,c]: share of each option's value originating in each country (long, > 0)."""
    home = case.settings.home_country
    local = pd.DataFrame({"option_id": options.index, "country_id": home,
                          "share": options["local_content"].to_numpy(float)})
    inp = case.inputs[case.inputs["option_id"].isin(options.index)]
    inputs = pd.DataFrame({"option_id": inp["option_id"].to_numpy(),
                           "country_id": inp["source_country_id"].to_numpy(),
                           "share": inp["value_share"].to_numpy(float)})
    rest = pd.DataFrame({"option_id": options.index,
                         "country_id": options["supplier_country"].to_numpy(),
                         "share": options["remainder"].to_numpy(float)})
    origin = pd.concat([local, inputs, rest], ignore_index=True)
    origin = origin.groupby(["option_id", "country_id"], as_index=False, sort=False)["share"].sum()
    return origin[origin["share"] > EPS].reset_index(drop=True)


def _year_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand rows with years lo..hi (inclusive) into one entry per year, vectorised.

    Returns the number of years of each row (for ``np.repeat`` of its other
    columns; 0 where hi < lo) and the years themselves, row after row.
    """
    n = np.clip(hi - lo + 1, 0, None)
    offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    return n, np.repeat(lo, n) + offsets


def _start_pairs(options: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """(option, year) pairs in which a start still leaves a delivery year in the horizon."""
    lo = options["available_from"].clip(lower=years[0]).to_numpy()
    n, year = _year_ranges(lo, years[-1] - options["lead_time_years"].to_numpy())
    return pd.DataFrame({"option_id": np.repeat(options.index.to_numpy(), n), "year": year})


def _delivery_pairs(options: pd.DataFrame, demand: pd.DataFrame, suppliers: pd.DataFrame,
                    years: list[int], stock: pd.DataFrame | None = None) -> pd.DataFrame:
    """(option, year) pairs that can deliver, with their big-M ``cap`` (> 0).

    A deliveries capability delivers in the years it has demand, at most that
    demand; a fleet or stock capability (sustainment) in every horizon year, at most
    qmax (a fleet) or its demand plus stock_max (a stock).
    """
    first_delivery = (options["available_from"].clip(lower=years[0])
                      + options["lead_time_years"])
    o = options[["capability_id", "supplier_id", "qmax"]].assign(first=first_delivery)
    o = o.reset_index()
    stock_max = (stock["stock_max"] if stock is not None and len(stock)
                 else pd.Series(dtype=float))
    fleet = set(options.loc[options["requirement"] == "fleet", "capability_id"])
    every_year = fleet | set(stock_max.index)
    dem = demand[["capability_id", "year", "demand"]]
    if every_year:
        grid = pd.DataFrame({"capability_id": sorted(every_year)}).merge(
            pd.DataFrame({"year": years}), how="cross")
        grid = grid.merge(dem, on=["capability_id", "year"], how="left").fillna(
            {"demand": 0.0})
        room = np.where(grid["capability_id"].isin(fleet), np.inf,
                        grid["demand"] + grid["capability_id"].map(stock_max).fillna(0.0))
        dem = pd.concat([dem[~dem["capability_id"].isin(every_year)],
                         grid.assign(demand=room)], ignore_index=True)
    pairs = o.merge(dem, on="capability_id")
    pairs = pairs[pairs["year"] >= pairs["first"]]
    supplier_cap = pairs["supplier_id"].map(suppliers["capacity_per_year"]).astype(float)
    own_cap = np.fmin(pairs["qmax"].to_numpy(float), pairs["demand"].to_numpy(float))
    cap = np.fmin(own_cap, supplier_cap.fillna(np.inf).to_numpy())
    pairs = pairs.assign(cap=cap, own_cap=own_cap)
    pairs = pairs[pairs["own_cap"] > EPS]
    cols = ["option_id", "year", "capability_id", "supplier_id", "cap", "own_cap"]
    return pairs[cols].sort_values(["option_id", "year"]).reset_index(drop=True)


def scenario_country_loss(case: Case, years: list[int]) -> pd.DataFrame:
    """α[k,c,t]: loss of supply from country c in year t under scenario k (> 0 only).

    Several rows naming the same country and year in one scenario combine by
    their largest loss.
    """
    sc = case.scenarios
    if sc.empty:
        return pd.DataFrame({"scenario_id": [], "country_id": [], "year": [], "alpha": []})
    lo = sc["from_year"].fillna(years[0]).astype(int).clip(lower=years[0]).to_numpy()
    hi = sc["to_year"].fillna(years[-1]).astype(int).clip(upper=years[-1]).to_numpy()
    n, year = _year_ranges(lo, hi)
    alpha = pd.DataFrame({
        "scenario_id": np.repeat(sc["scenario_id"].to_numpy(), n),
        "country_id": np.repeat(sc["country_id"].to_numpy(), n),
        "year": year,
        "alpha": np.repeat(sc["loss"].to_numpy(float), n),
    })
    alpha = alpha[alpha["alpha"] > EPS]
    return alpha.groupby(["scenario_id", "country_id", "year"], as_index=False,
                         sort=False)["alpha"].max()


@dataclass(frozen=True)
class Survival:
    """What survival φ is made of, for every option of the case (made once by prepare).

    ``gates``: (option_id, country_id) pairs whose loss takes the whole option (the
    assembly country and the sources of critical inputs); ``partial``: (option_id,
    country_id, share) value shares that cost only themselves (non-critical inputs,
    a licensor's or partner's remainder), leaving out a country that also gates the
    option; ``alpha``: α[k,c,t] (:func:`scenario_country_loss`).
    """

    gates: pd.DataFrame
    partial: pd.DataFrame
    alpha: pd.DataFrame

    def loss(self, deliveries: pd.DataFrame) -> pd.DataFrame:
        """1 − φ[k,o,t] for the (option_id, year) pairs of ``deliveries`` and every
        scenario k with a loss (> 0 only): scenario_id, option_id, year, loss.

        φ = clip(1 − max(α[assembly], α[critical inputs]) − Σ_noncritical share·α
                 − [mode ≠ buy]·remainder·α[supplier country], 0, 1)
        """
        cols = ["scenario_id", "option_id", "year", "loss"]
        if self.alpha.empty or deliveries.empty:
            return pd.DataFrame({"scenario_id": pd.Series(dtype=object),
                                 "option_id": pd.Series(dtype=object),
                                 "year": pd.Series(dtype=int), "loss": pd.Series(dtype=float)})
        key = ["scenario_id", "option_id", "year"]
        gate = self.gates.merge(self.alpha, on="country_id")
        gate = gate.groupby(key, sort=False)["alpha"].max()
        partial = self.partial.merge(self.alpha, on="country_id")
        partial = (partial.assign(part=partial["share"] * partial["alpha"])
                   .groupby(key, sort=False)["part"].sum())
        loss = pd.concat([gate.rename("gate"), partial.rename("part")], axis=1).fillna(0.0)
        loss["loss"] = (loss["gate"] + loss["part"]).clip(upper=1.0)
        loss = loss[loss["loss"] > EPS].reset_index()
        loss = loss.merge(deliveries[["option_id", "year"]], on=["option_id", "year"])
        return loss[cols].sort_values(cols[:3]).reset_index(drop=True)


def survival(case: Case, options: pd.DataFrame, years: list[int]) -> Survival:
    """The :class:`Survival` of every option in ``options`` (see its docstring).

    A share-weighted term is left out when its country also gates the option
    (the gate already takes that country's whole loss): a domestic option's home
    remainder is not charged twice when the home country is hit.
    """
    inputs = case.inputs[case.inputs["option_id"].isin(options.index)]
    critical = inputs[inputs["critical"]]
    gates = pd.concat([
        pd.DataFrame({"option_id": options.index,
                      "country_id": options["assembly_country"].to_numpy()}),
        pd.DataFrame({"option_id": critical["option_id"].to_numpy(),
                      "country_id": critical["source_country_id"].to_numpy()}),
    ], ignore_index=True).drop_duplicates()
    other = inputs[~inputs["critical"]]
    not_buy = options[options["mode"] != "buy"]
    partial = pd.concat([
        pd.DataFrame({"option_id": other["option_id"].to_numpy(),
                      "country_id": other["source_country_id"].to_numpy(),
                      "share": other["value_share"].to_numpy(float)}),
        pd.DataFrame({"option_id": not_buy.index,
                      "country_id": not_buy["supplier_country"].to_numpy(),
                      "share": not_buy["remainder"].to_numpy(float)}),
    ], ignore_index=True)
    partial = partial.merge(gates.assign(gated=True), on=["option_id", "country_id"],
                            how="left")
    partial = partial[(partial["share"] > EPS) & partial["gated"].isna()].drop(
        columns="gated").reset_index(drop=True)
    return Survival(gates=gates.reset_index(drop=True), partial=partial,
                    alpha=scenario_country_loss(case, years))
