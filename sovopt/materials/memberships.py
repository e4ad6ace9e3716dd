"""Country groups (EU27, NATO): regions that may import as one, and sovopt tiers.

The shipped table ``data/memberships.csv`` (group, iso3, name; lines starting
with ``#`` are comments) is meant to be edited: a planner may pass another
file with ``--memberships``. A group used as an importer aggregates its
members the way the GeoPolRisk method does (see :mod:`sovopt.materials.method`).

Tiers for a case built from the data (:func:`tier_of`): the importer itself
is ``home``; a country sharing a group with the importer is ``ally``; every
other country is ``neutral``. ``--ally/--partner/--adversary`` overrides win
over the table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sovopt.materials.data import MaterialsError

#: Largest membership table read (a guard against a wrong or hostile file).
MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Memberships:
    """group -> member ISO3 codes."""

    groups: dict[str, tuple[str, ...]]
    source: str

    def members(self, group: str) -> tuple[str, ...]:
        return self.groups[group]

    def group(self, text: str) -> str | None:
        """The group called ``text`` (any case), or None."""
        for g in self.groups:
            if g.casefold() == text.strip().casefold():
                return g
        return None

    def groups_of(self, iso3: str) -> set[str]:
        return {g for g, members in self.groups.items() if iso3 in members}


def load_memberships(path: str | Path | None = None) -> Memberships:
    """The shipped table, or the one at ``path``."""
    if path is None:
        text = resources.files("sovopt.materials").joinpath("data").joinpath(
            "memberships.csv").read_text("utf-8")
        source = "memberships.csv (shipped)"
    else:
        try:
            if Path(path).stat().st_size > MAX_BYTES:
                raise MaterialsError(f"--memberships {path}: larger than {MAX_BYTES // 1024} "
                                     "KiB; a table of country groups is a few KiB")
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MaterialsError(f"--memberships {path}: cannot read it ({exc})") from exc
        source = str(path)
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if reader.fieldnames is None or not {"group", "iso3"} <= set(reader.fieldnames):
        raise MaterialsError(f"{source}: needs the columns group and iso3 (and optionally "
                             f"name); found {', '.join(reader.fieldnames or []) or 'none'}")
    groups: dict[str, list[str]] = {}
    for row in reader:
        g, iso3 = (row.get("group") or "").strip(), (row.get("iso3") or "").strip().upper()
        if g and iso3:
            groups.setdefault(g, []).append(iso3)
    return Memberships({g: tuple(sorted(set(m))) for g, m in groups.items()}, source)


def tier_of(iso3: str, importer_members: tuple[str, ...], importer: str,
            memberships: Memberships, overrides: dict[str, str]) -> str:
    """The sovopt tier of ``iso3`` for a case of ``importer`` (see the module docstring)."""
    if iso3 in overrides:
        return overrides[iso3]
    if iso3 == importer:
        return "home"
    shared = set().union(*(memberships.groups_of(m) for m in importer_members))
    return "ally" if memberships.groups_of(iso3) & shared else "neutral"
