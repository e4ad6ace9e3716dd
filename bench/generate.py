"""Seeded generator of synthetic, realistic planning cases at four sizes.

``generate_case(size, seed)`` returns a :class:`~sovopt.case.Case`;
``write_case(size, path, seed)`` writes it through sovopt's own case-workbook
writer, so that the benchmark measures reading a workbook too.

Every case is feasible by construction and not trivial:

- Every capability has a *bridge* option (buy from an ally, no lead time, no
  minimum order) and a *long-term* option (domestic development, or a licence
  from a second ally supplier) that starts in a random early year and
  delivers after a lead time of 1-4 years. Delivering all demand through the
  bridge until the long-term option's first delivery year and through the
  long-term option afterwards is the *reference plan*: it respects every
  limit of the case, so the case is feasible.
- The yearly budget is the reference plan's spending times 1.03-1.20: it
  binds, since cheaper (riskier) options and dearer (safer) ones both exist,
  and more local production or earlier starts cost more than it allows.
- The localization target ramps from 10 % to 45 % but never above 95 % of the
  reference plan's local share that year, so it binds where imports are cheap.
- Most options are cheap imports from partner, neutral and adversary
  suppliers, whose tier caps (65 %, 35 %, 10 %, some rows lower) bite, or
  licensed, co-produced and domestic lines with fixed costs, minimum orders
  and lead times 0-4. A quarter of the suppliers have a yearly capacity at
  1.0-1.4 times what the reference plan takes from them (or a fraction of
  their capabilities' demand). About 15 % of capabilities need two suppliers.
- Inputs (the bill of materials) come from several countries, critical or
  not; long-term options carry one critical partner input, a hidden
  dependency. About 1.5 % of options have an input from a prohibited country
  and are excluded before the model is built.
- Scenarios cycle through embargoes (a neutral or adversary country, a few
  years), blockades (two allies or partners, partial loss), partial losses (an
  ally's output committed elsewhere) and sanctions from a year N to the end.

Everything is drawn with numpy in a handful of vectorised steps, so even XL
(30,000 options) takes seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from bench.generate_options import Plan, draw_inputs, draw_options, uniform
from bench.sizes import (  # noqa: F401  (SIZE_ORDER, SizeSpec: imported from here too)
    FIRST_YEAR,
    SIZE_ORDER,
    SIZES,
    SUPPLIER_WEIGHT,
    TIER_CODES,
    TIER_FRACTIONS,
    SizeSpec,
    size_spec,
)
from sovopt.case import Case
from sovopt.case_records import build_case


def generate_case(size: str, seed: int = 0) -> Case:
    """A synthetic case of ``size`` (S, R, M, L or XL), the same for the same seed;
    EX is sovopt's example case."""
    spec = size_spec(size)
    if spec.example:
        from sovopt.example import example_case

        return example_case()
    rng = np.random.default_rng([seed, list(SIZES).index(spec.name)])
    years = np.arange(FIRST_YEAR, FIRST_YEAR + spec.years)
    countries = _countries(spec, rng)
    suppliers = _suppliers(spec, countries, rng)
    caps, demand = _capabilities(spec, rng)
    options, plan = draw_options(spec, countries, suppliers, caps, demand, rng)
    inputs = draw_inputs(countries, options, plan, rng)
    suppliers["capacity_per_year"] = _capacities(suppliers, caps, options, plan, demand, rng)
    budget = _budget(years, suppliers, options, plan, demand, rng)
    scenarios = _scenarios(spec, countries, years, rng)

    home = countries["country_id"].iloc[0]
    settings = {
        "case_name": f"Synthetic case {spec.name} (seed {seed})",
        "home_country": home, "first_year": int(years[0]), "last_year": int(years[-1]),
        "currency": "EUR m", "objective": "min_dependence", "allow_unmet": False,
        "time_limit_s": 120.0, "mip_gap": 0.01, "cvar_beta": 0.9,
    }
    n_r, n_t = demand.shape
    demand_long = pd.DataFrame({
        "capability_id": np.repeat(caps["capability_id"].to_numpy(), n_t),
        "year": np.tile(years, n_r),
        "demand": demand.ravel(),
    })
    return build_case(
        settings, countries=countries, suppliers=suppliers,
        capabilities=caps.drop(columns=["unit_cost", "value", "lumpy"]), demand=demand_long,
        options=options.drop(columns=[c for c in options.columns if c.startswith("_")]),
        inputs=inputs, budget=budget, scenarios=scenarios,
    )


def write_case(size: str, path: str | os.PathLike[str], seed: int = 0) -> Path:
    """Write ``generate_case(size, seed)`` to ``path`` with sovopt's case-workbook writer."""
    from sovopt.workbook.write_case import write_case_workbook

    return write_case_workbook(path, generate_case(size, seed))


def case_counts(case: Case) -> dict[str, int]:
    """Row counts of a case's tables (for checks and the benchmark's headline)."""
    return {
        "capabilities": len(case.capabilities), "countries": len(case.countries),
        "suppliers": len(case.suppliers), "options": len(case.options),
        "inputs": len(case.inputs), "years": len(case.years),
        "scenarios": int(case.scenarios["scenario_id"].nunique()),
    }


# --- countries and suppliers --------------------------------------------------------------


def _tier_counts(foreign: int) -> dict[str, int]:
    counts = {t: max(1, int(f * foreign)) for t, f in TIER_FRACTIONS.items()}
    order = ["ally", "partner", "neutral", "adversary"]
    i = 0
    while sum(counts.values()) < foreign:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts.values()) > foreign:  # tiny cases: trim the largest tiers
        big = max(order, key=lambda t: counts[t])
        counts[big] -= 1
    return counts


def _countries(spec: SizeSpec, rng: np.random.Generator) -> pd.DataFrame:
    counts = _tier_counts(spec.countries - 1)
    tiers = np.array(["home"] + [t for t, n in counts.items() for _ in range(n)])
    numbers = np.zeros(len(tiers), dtype=int)
    for t in counts:
        sel = tiers == t
        numbers[sel] = np.arange(1, sel.sum() + 1)
    ids = np.array(["HOM"] + [f"{TIER_CODES[t]}{k:02d}" for t, k in
                              zip(tiers[1:], numbers[1:], strict=True)])
    risk_range = {"home": (0.0, 0.0), "ally": (0.05, 0.2), "partner": (0.2, 0.4),
                  "neutral": (0.4, 0.65), "adversary": (0.8, 0.95), "prohibited": (1.0, 1.0)}
    lo = np.array([risk_range[t][0] for t in tiers])
    hi = np.array([risk_range[t][1] for t in tiers])
    risk = np.round(lo + (hi - lo) * rng.random(len(tiers)), 2)
    # a fifth of partner and neutral rows carry a tighter, overriding cap
    default = np.array([{"partner": 0.65, "neutral": 0.35}.get(t, np.nan) for t in tiers])
    override = ~np.isnan(default) & (rng.random(len(tiers)) < 0.2)
    cap = np.where(override, np.round(0.2 + (default - 0.2) * rng.random(len(tiers)), 2),
                   np.nan)
    names = np.array(["Homeland"] + [f"{t.title()} country {k}" for t, k in
                                     zip(tiers[1:], numbers[1:], strict=True)])
    return pd.DataFrame({"country_id": ids, "name": names, "tier": tiers,
                         "risk_score": risk, "max_share": cap})


def _suppliers(spec: SizeSpec, countries: pd.DataFrame,
               rng: np.random.Generator) -> pd.DataFrame:
    n = spec.suppliers
    n_home = max(1, round(0.3 * n))
    tiers = countries["tier"].to_numpy()
    eligible = np.flatnonzero(np.isin(tiers, list(SUPPLIER_WEIGHT)))
    n_foreign = n - n_home
    first = eligible[:n_foreign]  # one supplier in every eligible country first
    weights = np.array([SUPPLIER_WEIGHT[t] for t in tiers[eligible]])
    rest = rng.choice(eligible, size=n_foreign - len(first), p=weights / weights.sum())
    country_idx = np.concatenate([np.zeros(n_home, dtype=int), first, rest])
    ids = np.array([f"S{i:03d}" for i in range(1, n + 1)])
    cid = countries["country_id"].to_numpy()[country_idx]
    foreign = country_idx > 0
    activation = np.where(foreign, np.round(1.0 + 5.0 * rng.random(n), 1), 0.0)
    return pd.DataFrame({
        "supplier_id": ids,
        "name": [f"Supplier {i} ({c})" for i, c in zip(ids, cid, strict=True)],
        "country_id": cid, "activation_cost": activation,
        "capacity_per_year": np.nan, "_tier": tiers[country_idx],
    })


# --- capabilities and demand ----------------------------------------------------------------


def _capabilities(spec: SizeSpec, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """Capabilities (with hidden base unit cost and yearly value) and demand[r, t]."""
    n, n_t = spec.capabilities, spec.years
    lumpy = rng.random(n) < 0.1
    lumpy[0] = False
    if n >= 5:
        lumpy[-1] = True  # at least one big-ticket capability (vessels, aircraft)
    integer = lumpy | (rng.random(n) < 0.7)
    unit_cost = np.where(lumpy, np.exp(rng.uniform(np.log(50), np.log(150), n)),
                         np.exp(rng.uniform(np.log(0.1), np.log(10), n)))
    value = np.exp(rng.uniform(np.log(15), np.log(150), n))  # EUR m a year at full demand
    base = value / unit_cost
    base = np.where(integer, np.maximum(2, np.round(base)), np.maximum(1, np.round(base, 1)))
    start = rng.uniform(0.4, 0.8, n)
    grow = rng.integers(3, max(4, n_t // 2 + 1), n)
    t = np.arange(n_t)
    ramp = np.minimum(1.0, start[:, None] + (1 - start[:, None]) * t[None, :] / grow[:, None])
    demand = base[:, None] * ramp
    demand = np.where(integer[:, None], np.maximum(1, np.round(demand)),
                      np.maximum(0.5, np.round(demand, 1)))
    # big-ticket items: one to two units in about half the years, none in the first two
    lumpy_demand = (rng.random((n, n_t)) < 0.5) * rng.integers(1, 3, (n, n_t))
    lumpy_demand[:, :2] = 0
    lumpy_demand[:, -1] = np.maximum(lumpy_demand[:, -1], 1)
    demand = np.where(lumpy[:, None], lumpy_demand, demand).astype(float)

    min_suppliers = np.where(rng.random(n) < 0.15, 2, 1)
    if n >= 5:
        min_suppliers[1] = 2
    ids = np.array([f"R{i:04d}" for i in range(1, n + 1)])
    units = np.where(lumpy, "platform", np.where(integer, "system", "1000 rounds"))
    caps = pd.DataFrame({
        "capability_id": ids, "name": [f"Capability {i}" for i in range(1, n + 1)],
        "unit": units, "criticality": rng.choice([1.0, 1.5, 2.0, 3.0], n),
        "min_suppliers": min_suppliers, "integer_units": integer,
        "unit_cost": unit_cost, "value": value, "lumpy": lumpy,
    })
    return caps, demand


# --- capacities, budget and scenarios -----------------------------------------------------------


def _plan_units_by_supplier(suppliers: pd.DataFrame, options: pd.DataFrame, plan: Plan,
                            demand: np.ndarray) -> np.ndarray:
    bridge, long = plan.units(demand)
    sup = options["_supplier"].to_numpy()
    units = np.zeros((len(suppliers), demand.shape[1]))
    np.add.at(units, sup[plan.bridge], bridge)
    np.add.at(units, sup[plan.long], long)
    return units


def _capacities(suppliers: pd.DataFrame, caps: pd.DataFrame, options: pd.DataFrame,
                plan: Plan, demand: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """capacity_per_year: a quarter of the suppliers, tight on the reference plan."""
    n = len(suppliers)
    used = _plan_units_by_supplier(suppliers, options, plan, demand).max(axis=1)
    peak = demand.max(axis=1)[options["_cap"].to_numpy()]
    offered = np.bincount(options["_supplier"].to_numpy(), weights=peak, minlength=n)
    cap = np.where(used > 0, np.ceil(used * uniform(rng, 1.0, 1.4, n)),
                   np.ceil(uniform(rng, 0.2, 0.6, n) * offered))
    cap = np.maximum(cap, 1.0)
    has = rng.random(n) < 0.25
    return np.where(has, cap, np.nan)


def _budget(years: np.ndarray, suppliers: pd.DataFrame, options: pd.DataFrame, plan: Plan,
            demand: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Budget and localization per year, set just above the reference plan's."""
    n_t = len(years)
    bridge, long = plan.units(demand)
    price = options["unit_cost"].to_numpy()
    local = options["local_content"].to_numpy()
    fixed = options["fixed_cost"].to_numpy()
    unit_spend = price[plan.bridge, None] * bridge + price[plan.long, None] * long
    local_spend = (local[plan.bridge, None] * price[plan.bridge, None] * bridge
                   + local[plan.long, None] * price[plan.long, None] * long)
    spend = unit_spend.sum(axis=0)
    spend[0] += fixed[plan.bridge].sum()
    np.add.at(spend, plan.start, fixed[plan.long])
    sup = options["_supplier"].to_numpy()
    engaged = np.unique(np.concatenate([sup[plan.bridge], sup[plan.long]]))
    spend[0] += suppliers["activation_cost"].to_numpy()[engaged].sum()

    budget = np.ceil(spend * uniform(rng, 1.03, 1.2, n_t) * 10) / 10
    share = local_spend.sum(axis=0) / np.maximum(unit_spend.sum(axis=0), 1e-9)
    ramp = np.linspace(0.10, 0.45, n_t)
    target = np.floor(np.minimum(ramp, 0.95 * share) * 100) / 100
    return pd.DataFrame({"year": years.astype(int), "budget": budget,
                         "min_local_share": np.maximum(target, 0.0)})


def _scenarios(spec: SizeSpec, countries: pd.DataFrame, years: np.ndarray,
               rng: np.random.Generator) -> pd.DataFrame:
    """Embargoes, blockades of two countries, partial losses and sanctions from year N."""
    tiers = countries["tier"].to_numpy()
    cid = countries["country_id"].to_numpy()
    pools = {
        "embargo": cid[np.isin(tiers, ["neutral", "adversary"])],
        "blockade": cid[np.isin(tiers, ["ally", "partner"])],
        "partial": cid[np.isin(tiers, ["ally", "partner"])],
        "sanctions": cid[tiers == "adversary"],
    }
    kinds = np.array(list(pools))[np.arange(spec.scenarios) % 4]
    rng.shuffle(kinds)
    n_t = len(years)
    prob = uniform(rng, 0.03, 0.25, spec.scenarios)
    prob = np.floor(prob * min(1.0, 0.9 / prob.sum()) * 10_000) / 10_000
    rows = []
    for k, kind in enumerate(kinds, start=1):
        pool = pools[kind]
        sid = f"K{k:03d}-{kind[:3].upper()}"
        if kind == "sanctions":
            c = [rng.choice(pool)]
            lo, hi, loss = int(years[rng.integers(1, max(2, n_t // 2))]), None, 1.0
            name = f"Sanctions on {c[0]} from {lo}"
        else:
            span = {"embargo": (2, 4), "blockade": (2, 3), "partial": (2, 4)}[kind]
            length = int(rng.integers(span[0], span[1] + 1))
            first = int(rng.integers(0, max(1, n_t - length + 1)))
            lo, hi = int(years[first]), int(years[min(n_t - 1, first + length - 1)])
            if kind == "embargo":
                c, loss = [rng.choice(pool)], 1.0
                name = f"Export embargo by {c[0]}"
            elif kind == "blockade":
                c = list(rng.choice(pool, 2, replace=False))
                loss = round(float(rng.uniform(0.6, 0.9)), 2)
                name = f"Blockade of {c[0]} and {c[1]}"
            else:
                c, loss = [rng.choice(pool)], round(float(rng.uniform(0.3, 0.6)), 2)
                name = f"{c[0]} output committed to its own forces"
        for country in c:
            rows.append((sid, name, float(prob[k - 1]), str(country), loss, lo, hi))
    return pd.DataFrame(rows, columns=["scenario_id", "name", "probability", "country_id",
                                       "loss", "from_year", "to_year"])
