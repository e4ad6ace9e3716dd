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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.case_records import build_case

FIRST_YEAR = 2027

#: Tiers in schema order, with the short code used in country ids.
TIER_CODES = {"home": "H", "ally": "A", "partner": "P", "neutral": "N", "adversary": "X",
              "prohibited": "Z"}
#: Share of the foreign countries in each tier (at least one each).
TIER_FRACTIONS = {"ally": 0.20, "partner": 0.30, "neutral": 0.25, "adversary": 0.15,
                  "prohibited": 0.10}
#: Weight of a foreign country's tier when drawing supplier countries and input sources.
SUPPLIER_WEIGHT = {"ally": 3.0, "partner": 3.0, "neutral": 2.0, "adversary": 1.0}
INPUT_WEIGHT = {"ally": 2.0, "partner": 3.0, "neutral": 3.0, "adversary": 2.0}
#: Unit-cost factor range of a foreign buy, by the supplier's tier (cheaper = riskier).
BUY_FACTOR = {"ally": (1.0, 1.2), "partner": (0.9, 1.1), "neutral": (0.7, 0.9),
              "adversary": (0.5, 0.7)}
INPUT_NAMES = np.array(["seeker", "engine", "chips", "energetics", "optics", "propellant",
                        "radar", "software", "armour steel", "rare earths", "batteries",
                        "fuzes"])


@dataclass(frozen=True)
class SizeSpec:
    """The shape of one benchmark size."""

    name: str
    capabilities: int
    countries: int
    suppliers: int
    options: int
    years: int
    scenarios: int
    #: the benchmark builds and hands off this size but does not run it end to end
    build_only: bool = False
    #: few options per capability, all four modes in each and no supplier twice
    #: (a ministry's plan), rather than many near-identical imports
    distinct: bool = False
    #: the benchmark's default time limit for a solve of this size (s)
    time_limit: float = 120.0
    #: not generated: sovopt's own example case (its counts are given here)
    example: bool = False

    def describe(self) -> str:
        return (f"{self.capabilities:,} capabilities, {self.suppliers:,} suppliers, "
                f"{self.options:,} options, {self.countries} countries, {self.years} years, "
                f"{self.scenarios} scenarios")


SIZES: dict[str, SizeSpec] = {
    "S": SizeSpec("S", capabilities=8, countries=8, suppliers=12, options=30, years=10,
                  scenarios=4, time_limit=60.0),
    "M": SizeSpec("M", capabilities=50, countries=12, suppliers=60, options=1_000, years=10,
                  scenarios=20),
    "L": SizeSpec("L", capabilities=200, countries=30, suppliers=150, options=6_000,
                  years=15, scenarios=50, time_limit=300.0),
    "XL": SizeSpec("XL", capabilities=1_000, countries=60, suppliers=600, options=30_000,
                   years=20, scenarios=100, build_only=True),
    # after the first four, so that those keep their random streams
    "EX": SizeSpec("EX", capabilities=8, countries=8, suppliers=12, options=30, years=10,
                   scenarios=4, time_limit=60.0, example=True),
    "R": SizeSpec("R", capabilities=40, countries=14, suppliers=48, options=300, years=15,
                  scenarios=10, distinct=True, time_limit=60.0),
}
#: the sizes in the order the benchmark reports them
SIZE_ORDER = ("EX", "S", "R", "M", "L", "XL")


def size_spec(size: str) -> SizeSpec:
    """The :class:`SizeSpec` called ``size`` (case-insensitive)."""
    try:
        return SIZES[size.upper()]
    except KeyError:
        raise ValueError(f"unknown size {size!r}; expected one of {', '.join(SIZES)}") from None


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
    options, plan = _options(spec, countries, suppliers, caps, demand, rng)
    inputs = _inputs(countries, options, plan, rng)
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


# --- options ----------------------------------------------------------------------------------


@dataclass
class _Plan:
    """The reference plan: per capability its bridge and long-term option (row positions
    in the options table), the long-term option's start and first delivery year offsets."""

    bridge: np.ndarray
    long: np.ndarray
    start: np.ndarray
    first: np.ndarray

    def units(self, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Units delivered by the bridge and by the long-term option, [r, t]."""
        t = np.arange(demand.shape[1])
        late = t[None, :] >= self.first[:, None]
        return np.where(late, 0.0, demand), np.where(late, demand, 0.0)


def _uniform(rng: np.random.Generator, lo, hi, n: int) -> np.ndarray:
    return lo + (np.asarray(hi) - np.asarray(lo)) * rng.random(n)


def _options(spec: SizeSpec, countries: pd.DataFrame, suppliers: pd.DataFrame,
             caps: pd.DataFrame, demand: np.ndarray,
             rng: np.random.Generator) -> tuple[pd.DataFrame, _Plan]:
    n_r, n_t = demand.shape
    extra = max(0, spec.options - 2 * n_r)
    per_cap = 2 + rng.multinomial(extra, rng.dirichlet(np.full(n_r, 4.0)))
    if spec.distinct:  # an even spread: 5 to 10 options each
        per_cap = 2 + np.clip(rng.multinomial(extra, np.full(n_r, 1 / n_r)), 3, 8)
    cap_idx = np.repeat(np.arange(n_r), per_cap)
    n = len(cap_idx)
    offsets = np.cumsum(per_cap) - per_cap
    role = np.full(n, 2)
    role[offsets] = 0  # bridge
    role[offsets + 1] = 1  # long-term
    bridge_pos, long_pos = offsets, offsets + 1

    s_tier = suppliers["_tier"].to_numpy()
    home_s = np.flatnonzero(s_tier == "home")
    ally_s = np.flatnonzero(s_tier == "ally")
    supplier = rng.integers(0, len(suppliers), n)
    if spec.distinct:
        supplier, distinct_mode = _distinct_suppliers(suppliers, offsets, per_cap, rng)
    supplier[bridge_pos] = ally_s[rng.integers(0, len(ally_s), n_r)]
    licensed = (rng.random(n_r) < 0.3) & (len(ally_s) >= 2)
    other_ally = ally_s[rng.integers(0, len(ally_s), n_r)]
    clash = other_ally == supplier[bridge_pos]
    other_ally[clash] = ally_s[(np.searchsorted(ally_s, other_ally[clash]) + 1) % len(ally_s)]
    supplier[long_pos] = np.where(licensed, other_ally,
                                  home_s[rng.integers(0, len(home_s), n_r)])
    if spec.distinct:
        _no_repeats(supplier, s_tier, offsets, per_cap)
    tier = s_tier[supplier]

    foreign_mode = rng.choice(["buy", "license", "coproduce"], n, p=[0.55, 0.25, 0.2])
    if spec.distinct:
        foreign_mode = distinct_mode
    mode = np.where(tier == "home", "domestic", foreign_mode)
    mode[bridge_pos] = "buy"
    mode[long_pos] = np.where(licensed, "license", "domestic")

    lo = np.array([BUY_FACTOR.get(t, (1.2, 1.6))[0] for t in tier])
    hi = np.array([BUY_FACTOR.get(t, (1.2, 1.6))[1] for t in tier])
    factor = _uniform(rng, lo, hi, n)
    factor *= np.select([mode == "license", mode == "coproduce"],
                        [_uniform(rng, 1.05, 1.2, n), _uniform(rng, 1.1, 1.25, n)], 1.0)
    factor[bridge_pos] = _uniform(rng, 1.05, 1.25, n_r)
    base_cost = caps["unit_cost"].to_numpy()[cap_idx]
    unit_cost = np.round(base_cost * factor, 4)

    local = np.select(
        [mode == "buy", mode == "license", mode == "coproduce"],
        [np.where(rng.random(n) < 0.5, 0.0, _uniform(rng, 0.0, 0.1, n)),
         _uniform(rng, 0.35, 0.6, n), _uniform(rng, 0.3, 0.5, n)],
        _uniform(rng, 0.55, 0.85, n))
    local = np.round(local, 2)

    value = caps["value"].to_numpy()[cap_idx]
    fixed_share = np.select([mode == "buy", mode == "domestic"],
                            [_uniform(rng, 0.0, 0.05, n), _uniform(rng, 0.2, 0.8, n)],
                            _uniform(rng, 0.1, 0.4, n))
    fixed = np.round(value * fixed_share, 2)

    lead = np.select(
        [mode == "buy", mode == "domestic"],
        [rng.choice([0, 1], n, p=[0.7, 0.3]), rng.integers(1, 5, n)],
        rng.integers(1, 4, n))
    existing_line = (mode == "domestic") & (rng.random(n) < 0.15)  # small line, no lead
    lead = np.where(existing_line, 0, lead)
    lead[bridge_pos] = 0
    long_lead = np.minimum(rng.integers(1, 5, n_r), max(1, n_t - 3))
    lead[long_pos] = long_lead
    available = FIRST_YEAR + rng.choice([0, 0, 0, 0, 0, 1, 2, 3], n)
    available[bridge_pos] = FIRST_YEAR
    available[long_pos] = FIRST_YEAR

    # the reference plan: the long-term option starts in one of the first years
    room = np.maximum(0, np.minimum(3, n_t - 2 - long_lead))
    start = rng.integers(0, room + 1)
    plan = _Plan(bridge=bridge_pos, long=long_pos, start=start, first=start + long_lead)

    integer = caps["integer_units"].to_numpy()[cap_idx]
    peak = demand.max(axis=1)[cap_idx]
    mean = demand.mean(axis=1)[cap_idx]

    def qty(x: np.ndarray, minimum: float) -> np.ndarray:
        return np.where(integer, np.maximum(minimum, np.ceil(x)), np.round(x, 1))

    moq = np.where(mode == "buy",
                   np.where(rng.random(n) < 0.2, qty(_uniform(rng, 0.2, 1.0, n) * mean, 1), 0.0),
                   qty(_uniform(rng, 0.5, 2.0, n) * mean, 1))
    moq[bridge_pos] = 0.0
    _, long_units = plan.units(demand)
    moq[long_pos] = np.floor(_uniform(rng, 0.3, 0.8, n_r) * long_units.sum(axis=1))
    qmax = np.where(rng.random(n) < 0.4, np.nan, qty(_uniform(rng, 0.2, 1.0, n) * peak, 1))
    qmax = np.where(existing_line, qty(_uniform(rng, 0.1, 0.25, n) * peak, 1), qmax)
    qmax[bridge_pos] = np.nan
    qmax[long_pos] = np.nan

    mandatory = np.zeros(n, dtype=bool)
    n_mandatory = max(1, round(0.03 * n_r))
    mandatory[long_pos[rng.choice(n_r, n_mandatory, replace=False)]] = True

    ids = np.array([f"O{i:05d}" for i in range(1, n + 1)])
    cap_ids = caps["capability_id"].to_numpy()[cap_idx]
    notes = np.select([role == 0, role == 1], ["reference bridge", "reference long-term"], "")
    options = pd.DataFrame({
        "option_id": ids, "capability_id": cap_ids,
        "supplier_id": suppliers["supplier_id"].to_numpy()[supplier], "mode": mode,
        "unit_cost": unit_cost, "fixed_cost": fixed, "local_content": local,
        "lead_time_years": lead.astype(int), "available_from": available.astype(int),
        "min_total_qty": moq, "max_qty_per_year": qmax, "mandatory": mandatory,
        "notes": notes, "_supplier": supplier, "_cap": cap_idx, "_role": role,
    })
    return options, plan


def _no_repeats(supplier: np.ndarray, tiers: np.ndarray, offsets: np.ndarray,
                per_cap: np.ndarray) -> None:
    """Give an extra option that repeats its capability's bridge or long-term supplier
    the next unused supplier of the same kind (home or foreign), in place."""
    for first, k in zip(offsets, per_cap, strict=True):
        used = set(supplier[first:first + k].tolist())
        for i in range(first + 2, first + k):
            if supplier[i] in supplier[first:first + 2]:
                same = np.flatnonzero((tiers == "home") == (tiers[supplier[i]] == "home"))
                free = [j for j in same.tolist() if j not in used]
                if free:
                    supplier[i] = free[0]
                    used.add(free[0])


def _distinct_suppliers(suppliers: pd.DataFrame, offsets: np.ndarray, per_cap: np.ndarray,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Suppliers and foreign modes for size R, capability by capability.

    Each capability's extra options (after its bridge and long-term option,
    which the caller sets) have distinct suppliers: a quarter (at least one)
    at home, i.e. domestic lines, the rest foreign suppliers of every tier
    whose modes cycle coproduce, license, buy. With the buy bridge every
    capability then has all four modes, and no two options are alike.
    """
    tiers = suppliers["_tier"].to_numpy()
    home = np.flatnonzero(tiers == "home")
    foreign = np.flatnonzero(tiers != "home")
    n = int(per_cap.sum())
    supplier = np.empty(n, dtype=int)
    mode = np.full(n, "buy", dtype=object)
    cycle = np.array(["coproduce", "license", "buy"], dtype=object)
    for first, k in zip(offsets, per_cap, strict=True):
        extras = k - 2
        n_home = min(max(1, extras // 4), len(home))
        n_foreign = extras - n_home
        supplier[first:first + 2] = foreign[:2]  # replaced by the caller
        supplier[first + 2:first + 2 + n_home] = rng.choice(home, n_home, replace=False)
        supplier[first + 2 + n_home:first + k] = rng.choice(foreign, n_foreign, replace=False)
        mode[first + 2 + n_home:first + k] = cycle[np.arange(n_foreign) % 3]
    return supplier, mode.astype(str)


def _inputs(countries: pd.DataFrame, options: pd.DataFrame, plan: _Plan,
            rng: np.random.Generator) -> pd.DataFrame:
    """The bill of materials: 0-3 foreign inputs per option (reference options: safe ones)."""
    tiers = countries["tier"].to_numpy()
    cid = countries["country_id"].to_numpy()
    n = len(options)
    role = options["_role"].to_numpy()
    count = rng.choice([0, 1, 2, 3], n, p=[0.25, 0.35, 0.25, 0.15])
    count = np.where(role == 0, rng.integers(0, 2, n), count)
    count = np.where(role == 1, rng.integers(1, 3, n), count)
    owner = np.repeat(np.arange(n), count)
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    owner_role = role[owner]

    src_tiers = np.isin(tiers, list(INPUT_WEIGHT))
    src = np.flatnonzero(src_tiers)
    w = np.array([INPUT_WEIGHT[t] for t in tiers[src]])
    source = rng.choice(src, len(owner), p=w / w.sum())
    allies = np.flatnonzero(tiers == "ally")
    partners = np.flatnonzero(tiers == "partner")
    if len(partners) == 0:
        partners = allies
    ally_pick = allies[rng.integers(0, len(allies), len(owner))]
    partner_pick = partners[rng.integers(0, len(partners), len(owner))]
    # bridge: allied inputs only; long-term: a critical partner input, then allied ones
    source = np.where(owner_role == 0, ally_pick, source)
    source = np.where((owner_role == 1) & (rank == 0), partner_pick, source)
    source = np.where((owner_role == 1) & (rank > 0), ally_pick, source)
    critical = rng.random(len(owner)) < 0.6
    critical = np.where(owner_role == 0, False, critical)
    critical = np.where((owner_role == 1) & (rank == 0), True, critical)
    critical = np.where((owner_role == 1) & (rank > 0), False, critical)
    share = _uniform(rng, 0.03, 0.15, len(owner))
    share = np.where((owner_role == 1) & (rank == 0), _uniform(rng, 0.05, 0.12, len(owner)),
                     share)

    # a few ordinary options carry an input from a prohibited country: excluded
    prohibited = np.flatnonzero(tiers == "prohibited")
    bad = np.flatnonzero((role == 2) & (rng.random(n) < 0.015))
    if len(prohibited) and len(bad):
        owner = np.concatenate([owner, bad])
        source = np.concatenate([source, prohibited[rng.integers(0, len(prohibited),
                                                                 len(bad))]])
        critical = np.concatenate([critical, np.ones(len(bad), dtype=bool)])
        share = np.concatenate([share, _uniform(rng, 0.05, 0.1, len(bad))])

    # keep local content + inputs within 90 % of the value (the remainder stays >= 0)
    local = options["local_content"].to_numpy()
    total = np.bincount(owner, weights=share, minlength=n)
    room = 0.9 * (1.0 - local)
    scale = np.where(total > room, room / np.where(total > 0, total, 1.0), 1.0)
    share = np.floor(share * scale[owner] * 1000) / 1000
    keep = share > 0
    owner, source, critical, share = owner[keep], source[keep], critical[keep], share[keep]
    order = np.argsort(owner, kind="stable")
    owner, source, critical, share = owner[order], source[order], critical[order], share[order]
    return pd.DataFrame({
        "option_id": options["option_id"].to_numpy()[owner],
        "input": INPUT_NAMES[rng.integers(0, len(INPUT_NAMES), len(owner))],
        "source_country_id": cid[source], "value_share": share, "critical": critical,
    })


# --- capacities, budget and scenarios -----------------------------------------------------------


def _plan_units_by_supplier(suppliers: pd.DataFrame, options: pd.DataFrame, plan: _Plan,
                            demand: np.ndarray) -> np.ndarray:
    bridge, long = plan.units(demand)
    sup = options["_supplier"].to_numpy()
    units = np.zeros((len(suppliers), demand.shape[1]))
    np.add.at(units, sup[plan.bridge], bridge)
    np.add.at(units, sup[plan.long], long)
    return units


def _capacities(suppliers: pd.DataFrame, caps: pd.DataFrame, options: pd.DataFrame,
                plan: _Plan, demand: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """capacity_per_year: a quarter of the suppliers, tight on the reference plan."""
    n = len(suppliers)
    used = _plan_units_by_supplier(suppliers, options, plan, demand).max(axis=1)
    peak = demand.max(axis=1)[options["_cap"].to_numpy()]
    offered = np.bincount(options["_supplier"].to_numpy(), weights=peak, minlength=n)
    cap = np.where(used > 0, np.ceil(used * _uniform(rng, 1.0, 1.4, n)),
                   np.ceil(_uniform(rng, 0.2, 0.6, n) * offered))
    cap = np.maximum(cap, 1.0)
    has = rng.random(n) < 0.25
    return np.where(has, cap, np.nan)


def _budget(years: np.ndarray, suppliers: pd.DataFrame, options: pd.DataFrame, plan: _Plan,
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

    budget = np.ceil(spend * _uniform(rng, 1.03, 1.2, n_t) * 10) / 10
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
    prob = _uniform(rng, 0.03, 0.25, spec.scenarios)
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
