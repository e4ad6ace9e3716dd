"""``sovopt materials inputs``: a system's hidden raw-material dependence as Inputs rows.

A share ``s`` of an option's value that is a raw material (the tungsten in a
penetrator, the rare earths in a seeker's magnets) comes, at the end of the
chain, from the countries that mine it. :func:`tier2_rows` spreads ``s`` over
the producing countries by their shares of world production in the year
(World Mining Data): producer c gets ``s · p_c / Σ p``. Added to the
option's Inputs, these rows enter its value origin (the HHI and exposure
measures) and its survival factor in every scenario that hits a producer
(partially, or wholly where ``critical`` is yes: see
:class:`sovopt.prepare.Survival`).

The home country's own production share is local content, not an input: it
is left out (and reported). Producers missing from the case's Countries are
added with their WGI risk of the year (0.5 where the WGI has none) and the tier
the shipped membership table gives them for the home country in that year
(:func:`sovopt.materials.memberships.tier_of`; ``neutral`` for a home country the
table does not know). Rows this command wrote before for the same option and material
(same ``input`` text) are replaced, so running it again does not add twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from sovopt.case import Case
from sovopt.materials.data import MaterialsData, MaterialsError, load
from sovopt.materials.memberships import load_memberships, tier_of
from sovopt.materials.method import exporter_weight, production_tonnes
from sovopt.schema import tier_max_share
from sovopt.workbook import style
from sovopt.workbook.atomic import save_workbook_atomic, write_bytes_atomic
from sovopt.workbook.into_input import backup_path, prune_backups
from sovopt.workbook.open_safely import check_workbook_file
from sovopt.workbook.targets import check_target

#: Value shares below this are not written (a rounding speck, not a dependence).
MIN_SHARE = 1e-9
TOLERANCE = 1e-9


@dataclass
class Tier2Result:
    case: Case
    added_rows: pd.DataFrame  # the new Inputs rows
    added_countries: list[str]
    home_share: float  # share of world production that is the home country's (left out)
    year: int
    input_name: str


def input_name(material_name: str, year: int) -> str:
    return f"{material_name.lower()} (tier 2, World Mining Data {year})"


def tier2_rows(case: Case, option_id: str, material: str, share: float,
               critical: bool = False, year: int | None = None,
               data: MaterialsData | None = None) -> Tier2Result:
    """The case with the option's raw-material Inputs rows added (see the module docstring)."""
    data = data or load()
    options = case.options.set_index("option_id")
    if option_id not in options.index:
        raise MaterialsError(f"option {option_id!r} is not in the case; options: "
                             f"{', '.join(options.index.astype(str))}")
    if not 0 < share <= 1:
        raise MaterialsError(f"--share {share:g} must be in (0, 1]: the raw material's share "
                             "of the option's value")
    m = data.material(material)
    if year is None:
        years = data.years(m)
        year = years[-1]
    data.check_year(m, year)
    name = input_name(m.name, year)
    inputs = case.inputs
    keep = inputs[~((inputs["option_id"] == option_id) & (inputs["input"] == name))]
    used = float(options.at[option_id, "local_content"]) + float(
        keep.loc[keep["option_id"] == option_id, "value_share"].sum())
    if used + share > 1 + TOLERANCE:
        raise MaterialsError(f"option {option_id}: local_content and inputs already make up "
                             f"{used:.4g} of its value; adding {share:g} would pass 1")

    memberships = load_memberships()
    tonnes = production_tonnes(data, m, year)
    tonnes = tonnes[tonnes > 0]
    world = float(tonnes.sum())
    countries = case.countries.copy()
    home = case.settings.home_country
    ids = _country_ids(countries)
    rows, added, home_share = [], [], 0.0
    for code, q in sorted(tonnes.items(), key=lambda kv: (-kv[1], kv[0])):
        c = data.countries[int(code)]
        iso3 = c.iso3 or str(code)
        cid = ids.get(iso3) or ids.get(c.name.casefold())
        if cid == home:
            home_share += q / world
            continue
        if cid is None:
            cid = iso3
            tier = tier_of(iso3, memberships.members(home) if memberships.group(home)
                           else (home,), home, memberships, {}, year)
            countries = pd.concat([countries, pd.DataFrame([{
                "country_id": cid, "name": c.name, "tier": tier,
                "risk_score": exporter_weight(data, year, int(code)),
                "max_share": tier_max_share(tier), "row": None}])], ignore_index=True)
            ids[iso3] = cid
            added.append(cid)
        value_share = share * q / world
        if value_share >= MIN_SHARE:
            rows.append({"option_id": option_id, "input": name, "source_country_id": cid,
                         "value_share": value_share, "critical": bool(critical), "row": None})
    new = pd.DataFrame(rows, columns=list(inputs.columns))
    frames = [f for f in (keep, new) if len(f)]
    merged = pd.concat(frames, ignore_index=True) if frames else inputs.iloc[0:0]
    merged["critical"] = merged["critical"].astype(bool)
    countries["max_share"] = countries["max_share"].astype(float)
    out = Case(settings=case.settings, countries=countries, suppliers=case.suppliers,
               capabilities=case.capabilities, demand=case.demand, options=case.options,
               inputs=merged, budget=case.budget, scenarios=case.scenarios,
               source=case.source)
    return Tier2Result(case=out, added_rows=new, added_countries=added, home_share=home_share,
                       year=year, input_name=name)


def _country_ids(countries: pd.DataFrame) -> dict[str, str]:
    """ISO3 code or name (case-folded) -> the case's country_id."""
    ids: dict[str, str] = {}
    for cid, name in countries[["country_id", "name"]].itertuples(index=False):
        ids.setdefault(str(cid).upper(), str(cid))
        ids.setdefault(str(name).casefold(), str(cid))
    return ids


def write_tier2_rows(path: str | Path, result: Tier2Result, option_id: str) -> Path:
    """Add the rows of ``result`` to the workbook at ``path`` in place; return its backup.

    A workbook open in a spreadsheet program (a lock file beside it) is refused. A
    byte-for-byte backup is written first (``CASE.xlsx.bak``, never overwriting an
    earlier one; old timestamped ones are pruned as ``--into-input`` does). Only cells
    are written: the Inputs rows this command wrote before for the option and material
    are emptied (the reader skips blank rows), the new Inputs rows and any added
    Countries rows go below the sheet's last row with data, so the sheets' styles,
    notes, drop-downs and the About sheet stay as they were. The save is atomic.
    Content the workbook library cannot keep (Excel-extension drop-downs, sparklines)
    on a hand-made workbook would be lost on saving: the backup keeps the original.
    """
    path = check_workbook_file(path)
    check_target(path, "materials inputs")
    backup = backup_path(path)
    write_bytes_atomic(path.read_bytes(), backup)
    prune_backups(path)
    wb = openpyxl.load_workbook(path)
    countries = result.case.countries.set_index("country_id")
    for sheet_name in ("Inputs", "Countries"):
        if sheet_name not in wb.sheetnames:
            raise MaterialsError(f"{path.name} has no {sheet_name} sheet")
    ws_in, ws_c = wb["Inputs"], wb["Countries"]
    cols_in, cols_c = _header_columns(ws_in), _header_columns(ws_c)
    for r in range(2, ws_in.max_row + 1):
        if (ws_in.cell(r, cols_in["option_id"]).value == option_id
                and ws_in.cell(r, cols_in["input"]).value == result.input_name):
            for c in cols_in.values():
                ws_in.cell(r, c).value = None
    row = _last_row(ws_in, cols_in.values()) + 1
    for rec in result.added_rows.to_dict("records"):
        for name in ("option_id", "input", "source_country_id", "value_share"):
            style.write_cell(ws_in, row, cols_in[name], rec[name])
        if "critical" in cols_in:
            style.write_cell(ws_in, row, cols_in["critical"], "yes" if rec["critical"] else "no")
        row += 1
    row = _last_row(ws_c, cols_c.values()) + 1
    for cid in result.added_countries:
        rec = countries.loc[cid]
        style.write_cell(ws_c, row, cols_c["country_id"], cid)
        for name in ("name", "tier", "risk_score"):
            if name in cols_c:
                style.write_cell(ws_c, row, cols_c[name], rec[name])
        row += 1
    save_workbook_atomic(wb, path)
    return backup


def _header_columns(ws) -> dict[str, int]:
    """Header text (lower case, trimmed) -> column number, from row 1."""
    out = {}
    for cell in ws[1]:
        if isinstance(cell.value, str) and cell.value.strip():
            out.setdefault(cell.value.strip().lower(), cell.column)
    return out


def _last_row(ws, columns) -> int:
    """The last row with a value in one of ``columns`` (1 = only the header)."""
    columns = list(columns)
    for r in range(ws.max_row, 1, -1):
        if any(ws.cell(r, c).value not in (None, "") for c in columns):
            return r
    return 1
