"""Country groups (EU27, NATO): regions that may import as one, and sovopt tiers.

The shipped table ``data/memberships.csv`` (group, iso3, name, since, role; lines
starting with ``#`` are comments) is meant to be edited: a planner may pass another
file with ``--memberships``. ``since`` is the year a membership or partnership began
(blank: always); ``role`` is ``member`` (the default) or ``partner``, a stated
partnership with the group that is not a membership. A group used as an importer
aggregates its members (partners never) the way the GeoPolRisk method does (see
:mod:`sovopt.materials.method`).

Tiers for a case built from the data (:func:`tier_of`), as of the data year (rows
whose ``since`` is later do not count):

- ``home``: the importer itself;
- ``ally``: a country that is a member of a group the importer (one of its members,
  for a group) is a member of: a treaty alliance (NATO, Art. 5) or union (EU,
  Art. 42(7) TEU) with a mutual-defence clause;
- ``partner``: a stated partner of a group the importer is a member of, or a member
  of a group the importer is a stated partner of (Japan, Australia, the Republic of
  Korea and New Zealand for NATO's members);
- ``neutral``: every other country.

``--ally/--partner/--adversary`` overrides win over the table.
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


#: The roles a row may give (blank: member).
ROLES = ("member", "partner")


@dataclass(frozen=True)
class Tie:
    """One row of the table: ``iso3`` is a member (or a partner) of ``group`` from
    ``since`` (None: always)."""

    group: str
    iso3: str
    role: str
    since: int | None

    def holds(self, year: int | None) -> bool:
        """The tie counts in ``year`` (every tie counts when the year is None)."""
        return year is None or self.since is None or self.since <= year

    def text(self) -> str:
        return f"{self.group} {self.role}" + (f" since {self.since}" if self.since else "")


@dataclass(frozen=True)
class Memberships:
    """group -> member ISO3 codes, and every tie with its role and year."""

    groups: dict[str, tuple[str, ...]]
    source: str
    ties: tuple[Tie, ...] = ()

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

    def ties_of(self, iso3: str, role: str, year: int | None) -> dict[str, Tie]:
        """group -> the tie of ``iso3`` in that role that holds in ``year``."""
        found = {t.group: t for t in self.ties if t.iso3 == iso3 and t.role == role
                 and t.holds(year)}
        if role == "member" and not self.ties:  # built in code, without ties
            found = {g: Tie(g, iso3, "member", None) for g in self.groups_of(iso3)}
        return found


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
    ties: list[Tie] = []
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):
        g, iso3 = (row.get("group") or "").strip(), (row.get("iso3") or "").strip().upper()
        role = (row.get("role") or "").strip().lower() or "member"
        since_text = (row.get("since") or "").strip()
        if not (g and iso3):
            continue
        if role not in ROLES:
            problems.append(f"row {line} ({g}, {iso3}): role {role!r}; expected "
                            f"{' or '.join(ROLES)} (blank: member)")
            continue
        if since_text and not since_text.isdigit():
            problems.append(f"row {line} ({g}, {iso3}): since {since_text!r}; expected a "
                            "year such as 2004 (blank: always)")
            continue
        ties.append(Tie(g, iso3, role, int(since_text) if since_text else None))
        if role == "member":
            groups.setdefault(g, []).append(iso3)
    if problems:
        raise MaterialsError(f"{source}: " + "; ".join(problems[:10]))
    return Memberships({g: tuple(sorted(set(m))) for g, m in groups.items()}, source,
                       tuple(ties))


def tier_of(iso3: str, importer_members: tuple[str, ...], importer: str,
            memberships: Memberships, overrides: dict[str, str],
            year: int | None = None) -> str:
    """The sovopt tier of ``iso3`` for a case of ``importer`` in ``year`` (see the
    module docstring)."""
    return tier_reason(iso3, importer_members, importer, memberships, overrides, year)[0]


def tier_reason(iso3: str, importer_members: tuple[str, ...], importer: str,
                memberships: Memberships, overrides: dict[str, str],
                year: int | None = None) -> tuple[str, str]:
    """The tier of ``iso3`` and why: ``("ally", "NATO member since 1952")``."""
    if iso3 in overrides:
        return overrides[iso3], "given on the command line"
    if iso3 == importer:
        return "home", "the importer"
    own = {g: t for m in importer_members
           for g, t in memberships.ties_of(m, "member", year).items()}
    as_member = memberships.ties_of(iso3, "member", year)
    shared = sorted(set(own) & set(as_member))
    if shared:
        return "ally", ", ".join(as_member[g].text() for g in shared)
    as_partner = memberships.ties_of(iso3, "partner", year)
    own_partner = {g: t for m in importer_members
                   for g, t in memberships.ties_of(m, "partner", year).items()}
    partnered = [as_partner[g].text() for g in sorted(set(own) & set(as_partner))]
    partnered += [f"{g} member ({importer} is a {own_partner[g].text()})"
                  for g in sorted(set(own_partner) & set(as_member))]
    if partnered:
        return "partner", ", ".join(partnered)
    return "neutral", "no shared group"
