"""Outlier unit values: which of an importer's suppliers BACI prices implausibly, and a
robust price for them.

A BACI unit value (value / tonnes of one bilateral flow) can be far off the market:
a mislabelled product, scrap booked as ore, a few kilograms at a retail price. A case
that trusts such a value lets the optimiser "save" by buying from it. The rule, per
HS code of the material and year:

- the world reference is the median ``m`` of the log unit values of every bilateral
  flow of that HS code in the year that has a quantity (each flow one observation, so
  a few large flows do not set it), and their median absolute deviation ``MAD``;
- a flow into the importer is an **outlier** when its unit value ``u`` lies more than
  :data:`OUTLIER_MADS` MADs from ``m`` in log price (``|ln u − ln m| > 3·MAD``), or
  below ``m`` / :data:`OUTLIER_FACTOR` or above ``m`` × :data:`OUTLIER_FACTOR` (a
  share of the world median, for HS codes whose prices spread so widely that 3 MADs
  span a factor of 20 or more);
- except a flow that carries at least :data:`MARKET_SHARE` of the world's tonnes of
  its HS code: a flow that large is a market price of its own (Norway's ilmenite to
  Poland, 0.9 % of the world's titanium ore in 2023, at 0.26 USD/kg).

A supplier is flagged when any of its flows is; its **robust unit value** is its
flows' tonnes-weighted unit value with each outlier flow priced at the world median
``m`` of its HS code instead. Quantities in tonnes, values in thousand USD, so unit
values are USD/kg.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sovopt.materials.data import MaterialsData
from sovopt.materials.method import Profile

#: A flow is an outlier beyond this many median absolute deviations in log unit value.
OUTLIER_MADS = 3.0
#: ... or below the world median divided by this, or above it multiplied by this.
OUTLIER_FACTOR = 4.0
#: A flow with at least this share of the world's tonnes of its HS code is never one.
MARKET_SHARE = 0.005


#: The rule in one sentence, for the profile and the About sheet.
OUTLIER_RULE = (f"a unit value is an outlier when, for an HS code of the material and year, "
                f"it lies beyond {OUTLIER_MADS:g} median absolute deviations of the world's "
                f"log unit values from their median, or below 1/{OUTLIER_FACTOR:g} or above "
                f"{OUTLIER_FACTOR:g} times that median (a flow with {MARKET_SHARE:.1%} or more "
                "of the world's tonnes excepted); a case prices such a flow at the world median")


@dataclass(frozen=True)
class WorldPrice:
    """The world reference of one HS code in one year (see the module docstring)."""

    hs: int
    median: float  # USD/kg
    mad: float  # median absolute deviation of the log unit values
    flows: int
    tonnes: float

    def verdict(self, unit_value: float, tonnes: float) -> str | None:
        """Why a flow at ``unit_value`` (USD/kg) of ``tonnes`` is an outlier, or None."""
        if self.tonnes > 0 and tonnes >= MARKET_SHARE * self.tonnes:
            return None
        distance = abs(np.log(unit_value) - np.log(self.median))
        reference = f"the world median {self.median:.2f} USD/kg ({self.flows} flows)"
        if unit_value < self.median / OUTLIER_FACTOR:
            return f"below 1/{OUTLIER_FACTOR:g} of {reference}"
        if unit_value > self.median * OUTLIER_FACTOR:
            return f"above {OUTLIER_FACTOR:g} times {reference}"
        if self.mad > 0 and distance > OUTLIER_MADS * self.mad:
            where = "below" if unit_value < self.median else "above"
            return f"{distance / self.mad:.1f} MADs (in log price) {where} {reference}"
        return None


@dataclass(frozen=True)
class PriceCheck:
    """One supplier's unit value to the importer, judged flow by flow."""

    code: int
    iso3: str
    unit_value: float  # USD/kg, as BACI has it
    robust_unit_value: float  # USD/kg, outlier flows at their HS code's world median
    reasons: tuple[str, ...]  # one line per outlier flow; empty when none

    @property
    def outlier(self) -> bool:
        return bool(self.reasons)

    def text(self) -> str:
        """``HRV 1.07 USD/kg: HS 261100 ...; priced at 9.91 USD/kg``."""
        return (f"{self.iso3} {self.unit_value:.2f} USD/kg: {'; '.join(self.reasons)}; "
                f"priced at {self.robust_unit_value:.2f} USD/kg")


def world_prices(data: MaterialsData, profile: Profile) -> dict[int, WorldPrice]:
    """The world reference of each HS code of the profile's material and year."""
    trade = data.trade_table(profile.material, profile.year)
    trade = trade[trade["quantity"] > 0]
    out: dict[int, WorldPrice] = {}
    for hs, flows in trade.groupby("hs"):
        logs = np.log((flows["value"] / flows["quantity"]).to_numpy(float))
        logs = logs[np.isfinite(logs)]
        if logs.size == 0:
            continue
        centre = float(np.median(logs))
        out[int(hs)] = WorldPrice(hs=int(hs), median=float(np.exp(centre)),
                                  mad=float(np.median(np.abs(logs - centre))),
                                  flows=int(logs.size), tonnes=float(flows["quantity"].sum()))
    return out


def check_prices(data: MaterialsData, profile: Profile) -> dict[int, PriceCheck]:
    """Every supplier of the profile with a quantity, by BACI code (see the module
    docstring)."""
    world = world_prices(data, profile)
    trade = data.trade_table(profile.material, profile.year)
    trade = trade[trade["importer"].isin(set(profile.members)) & (trade["quantity"] > 0)]
    flows = trade.groupby(["exporter", "hs"])[["quantity", "value"]].sum()
    checks: dict[int, PriceCheck] = {}
    for s in profile.suppliers:
        if s.unit_value is None:
            continue
        reasons: list[str] = []
        change = 0.0  # thousand USD: outlier flows revalued at their world median
        if s.code in flows.index.get_level_values(0):
            for hs, row in flows.loc[s.code].iterrows():
                q, v = float(row["quantity"]), float(row["value"])
                ref = world.get(int(hs))
                why = ref.verdict(v / q, q) if ref is not None and v > 0 else None
                if why is not None and ref is not None:
                    reasons.append(f"HS {int(hs)} at {v / q:.2f} USD/kg is {why}")
                    change += q * ref.median - v
        checks[s.code] = PriceCheck(code=s.code, iso3=s.iso3, unit_value=s.unit_value,
                                    robust_unit_value=(s.value + change) / s.quantity,
                                    reasons=tuple(reasons))
    return checks


def outliers(checks: dict[int, PriceCheck]) -> list[PriceCheck]:
    """The flagged suppliers, in the profile's order."""
    return [c for c in checks.values() if c.outlier]
