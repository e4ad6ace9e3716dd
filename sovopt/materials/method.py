"""The GeoPolRisk method (Koyamparambath et al., JOSS 2024) on the shipped extract.

For an importer (one country, or a group of countries M importing as one),
a raw material and a year:

- Trade: BACI flows of every HS code mapped to the material, summed per
  (exporter i, importer j); a missing quantity counts as 0 tonnes, its value
  still counts.
- Import risk, exactly as geopolrisk-py 2.0.1 computes it::

      IR = Σ_{j∈M} Σ_i q[i,j]·w[i]  /  ( Σ_{j∈M} Σ_i q[i,j] + Σ_{j∈M} P[j] )

  with w[i] the exporter's normalised WGI political-stability score in that
  year (0..1, higher is riskier), 0.5 when the WGI has no score for it, and 0
  when the exporter is itself a member of M (trade between members is
  risk-free); P[j] is j's own production (World Mining Data, in tonnes: kg are
  divided by 1000). A zero denominator gives IR = 0.
- HHI of world production: Σ p_c² / (Σ p_c)² over every producing country,
  with each p_c truncated to a whole number of the table's unit as the
  package does (``astype(int)``), a missing value counting as 0.
- Score = HHI × IR; price = Σ value / Σ quantity of the importer's imports
  (thousand USD per tonne, i.e. USD/kg; 0 without any quantity); the
  characterization factor CF = Score × price / 0.409412948 (the OECD copper
  average of 2017-2021 the method normalises by, eq. kg-Cu/kg).

The import risk's formula is :mod:`sovopt.import_risk`'s, shared with the KPI
``import_risk`` of every portfolio. ``tests/materials/test_materials_reference.py``
checks these against values computed by geopolrisk-py itself
(``tests/data/geopolrisk_reference.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sovopt.import_risk import import_risk, risk_terms
from sovopt.materials.data import KG_PER_TONNE, Material, MaterialsData

#: WGI score of an exporter the WGI has no value for.
MISSING_WGI = 0.5
#: The method's normalisation of the characterization factor (copper, OECD, 2017-2021).
CF_COPPER = 0.409412948
#: Producers listed in a profile.
TOP_PRODUCERS = 5


@dataclass(frozen=True)
class Supplier:
    """One exporting country's deliveries to the importer in the year."""

    code: int
    iso3: str
    name: str
    quantity: float  # tonnes
    value: float  # thousand USD
    wgi: float  # as the method weighs it (0 inside the importing group, 0.5 if missing)
    wgi_missing: bool
    member: bool  # the exporter belongs to the importing group

    @property
    def unit_value(self) -> float | None:
        """Thousand USD per tonne (USD/kg); None without a quantity."""
        return self.value / self.quantity if self.quantity > 0 else None


@dataclass(frozen=True)
class Producer:
    code: int
    iso3: str
    name: str
    quantity: float  # tonnes
    share: float  # of world production


@dataclass
class Profile:
    """Where an importer's supply of a material came from in a year, and its GeoPolRisk."""

    importer: str  # ISO3 or group name
    importer_name: str
    members: tuple[int, ...]  # BACI codes importing as one
    material: Material
    year: int
    suppliers: list[Supplier]
    producers: list[Producer]  # every producer, largest first
    hhi: float
    domestic_production: float  # tonnes
    world_production: float  # tonnes
    numerator: float = 0.0  # Σ q·w over the imports (tonnes at risk)
    imports: float = 0.0  # tonnes
    import_value: float = 0.0  # thousand USD
    extra: dict = field(default_factory=dict)

    @property
    def import_risk(self) -> float:
        """Σ q·w / (imports + domestic production) (:func:`sovopt.import_risk.import_risk`)."""
        return import_risk(self.numerator, self.apparent_consumption)

    @property
    def score(self) -> float:
        return self.hhi * self.import_risk

    @property
    def price(self) -> float:
        return self.import_value / self.imports if self.imports != 0 else 0.0

    @property
    def characterization_factor(self) -> float:
        return self.score * self.price / CF_COPPER

    @property
    def apparent_consumption(self) -> float:
        """Imports plus domestic production (tonnes): the supply the import risk divides by."""
        return self.imports + self.domestic_production

    def share(self, s: Supplier) -> float:
        """The supplier's share of the importer's imports (by quantity)."""
        return s.quantity / self.imports if self.imports > 0 else 0.0


def hhi(values: pd.Series) -> float:
    """Σ p² / (Σ p)² of whole-number productions (see the module docstring)."""
    whole = [int(v) for v in values.fillna(0.0)]
    total = sum(whole)
    if total == 0:
        raise ZeroDivisionError("no production")
    return sum(v * v for v in whole) / (total * total)


def production_tonnes(data: MaterialsData, material: Material, year: int) -> pd.Series:
    """Production by BACI code in tonnes (missing values as 0)."""
    rows = data.production_table(material, year)
    factor = rows["unit"].map(lambda u: 1.0 / KG_PER_TONNE if u == "kg" else 1.0)
    return pd.Series((rows["value"].fillna(0.0) * factor).to_numpy(),
                     index=rows["code"].to_numpy())


def profile(data: MaterialsData, material: Material, year: int, importer: str,
            importer_name: str, members: tuple[int, ...]) -> Profile:
    """The GeoPolRisk profile of ``members`` importing as one (see the module docstring).

    The caller has checked that the year has data (:meth:`MaterialsData.check_year`).
    """
    member_set = set(members)
    rows = data.production_table(material, year)
    tonnes = production_tonnes(data, material, year)
    world = float(tonnes.sum())
    producers = [
        Producer(code=int(c), iso3=_iso3(data, c), name=_name(data, c), quantity=float(q),
                 share=float(q) / world if world else 0.0)
        for c, q in sorted(tonnes.items(), key=lambda kv: (-kv[1], kv[0])) if q > 0
    ]
    domestic = float(sum(tonnes.get(c, 0.0) for c in members))

    trade = data.trade_table(material, year)
    trade = trade[trade["importer"].isin(member_set)]
    flows = (trade.assign(quantity=trade["quantity"].fillna(0.0))
             .groupby(["importer", "exporter"], sort=True)[["quantity", "value"]].sum())
    per_member: dict[int, list[tuple[int, float, float]]] = {}
    for (j, i), q, v in zip(flows.index, flows["quantity"], flows["value"], strict=True):
        per_member.setdefault(int(j), []).append((int(i), float(q), float(v)))
    quantities: list[float] = []
    weights: list[float] = []
    value = 0.0
    by_exporter: dict[int, list[float]] = {}
    for j in members:  # the method's order: member by member, then its partners
        for i, q, v in per_member.get(j, []):
            quantities.append(q)
            weights.append(_weight(data, year, i, member_set))
            value += v
            acc = by_exporter.setdefault(i, [0.0, 0.0])
            acc[0] += q
            acc[1] += v
    numerator, imports = risk_terms(pd.Series(quantities, dtype=float),
                                    pd.Series(weights, dtype=float))
    suppliers = []
    for i, (q, v) in by_exporter.items():
        score = data.wgi_score(year, i)
        suppliers.append(Supplier(code=i, iso3=_iso3(data, i), name=_name(data, i),
                                  quantity=q, value=v, wgi=_weight(data, year, i, member_set),
                                  wgi_missing=score is None, member=i in member_set))
    suppliers.sort(key=lambda s: (-s.quantity, -s.value, s.iso3))
    return Profile(importer=importer, importer_name=importer_name, members=tuple(members),
                   material=material, year=year, suppliers=suppliers, producers=producers,
                   hhi=hhi(rows["value"]), domestic_production=domestic,
                   world_production=world, numerator=numerator, imports=imports,
                   import_value=value)


def exporter_weight(data: MaterialsData, year: int, code: int) -> float:
    """The WGI risk the method gives an exporter outside the importing group."""
    score = data.wgi_score(year, code)
    return MISSING_WGI if score is None else score


def _weight(data: MaterialsData, year: int, code: int, members: set[int]) -> float:
    return 0.0 if code in members else exporter_weight(data, year, code)


def _iso3(data: MaterialsData, code: int) -> str:
    c = data.countries.get(int(code))
    return c.iso3 if c and c.iso3 else str(code)


def _name(data: MaterialsData, code: int) -> str:
    c = data.countries.get(int(code))
    return c.name if c else str(code)
