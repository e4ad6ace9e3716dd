"""The benchmark's sizes (:class:`SizeSpec`, :data:`SIZES`) and the constants the
generator draws from (:mod:`bench.generate` and :mod:`bench.generate_options`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
