"""The GeoPolRisk method on the shipped extract agrees with geopolrisk-py itself.

``tests/data/geopolrisk_reference.json`` was written by
``tools/geopolrisk_reference.py``, which ran geopolrisk-py 2.0.1 (its own
``gprs_calc``, in a throwaway Python 3.11 environment) for 2 years x 8
economies (7 countries and the EU) x 8 raw materials: 128 triples of HHI,
import risk, GeoPolRisk score, characterization factor and price. sovopt
reproduces every one of them from its extract to 1e-9 relative.
"""

from __future__ import annotations

import functools
import json

import pytest

from sovopt.materials.data import load
from sovopt.materials.memberships import load_memberships
from sovopt.materials.profiles import make_profile
from tests.paths import TEST_DATA

REFERENCE = json.loads((TEST_DATA / "geopolrisk_reference.json")
                       .read_text(encoding="utf-8"))
#: The package's economy names as sovopt importers (its "EU" is the EU27 group).
IMPORTER = {"Poland": "POL", "Germany": "DEU", "France": "FRA", "India": "IND",
            "China": "CHN", "Japan": "JPN", "USA": "USA", "EU": "EU27"}
REL = 1e-9


@functools.cache
def _profile(economy: str, material: str, year: int):
    return make_profile(IMPORTER[economy], material, year, load_memberships(), load())[0]


def _close(got: float, expected: float) -> bool:
    return abs(got - expected) <= REL * abs(expected) if expected else got == 0.0


def test_the_reference_was_made_by_the_package():
    assert REFERENCE["package"] == "geopolrisk-py 2.0.1"
    assert len(REFERENCE["results"]) == 128


@pytest.mark.parametrize("ref", REFERENCE["results"],
                         ids=lambda r: f"{r['economy']}-{r['material']}-{r['year']}")
def test_triple_agrees_with_geopolrisk_py(ref):
    p = _profile(ref["economy"], ref["material"], ref["year"])
    got = {"hhi": p.hhi, "import_risk": p.import_risk, "geopolrisk_score": p.score,
           "characterization_factor": p.characterization_factor, "price": p.price}
    bad = {k: (v, ref[k]) for k, v in got.items() if not _close(v, ref[k])}
    assert not bad


def test_the_reference_covers_the_method_s_corners():
    """A region, an importer with no imports that year, and exporters without a WGI score
    (BACI's 490 'Other Asia, nes', Taiwan, has none) are all among the triples."""
    economies = {r["economy"] for r in REFERENCE["results"]}
    assert "EU" in economies
    assert any(r["import_risk"] == 0.0 and r["price"] == 0.0 for r in REFERENCE["results"])
    missing = 0
    for r in REFERENCE["results"]:
        p = _profile(r["economy"], r["material"], r["year"])
        missing += sum(1 for s in p.suppliers if s.wgi_missing and not s.member
                       and s.quantity > 0)
    assert missing > 0
