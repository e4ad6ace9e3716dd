"""Array-built rows equal the Pyomo reference blocks they stand for.

Each family that builds its rows as arrays (:mod:`sovopt.model.arrays`) also
has ``add_pyomo``, its reference definition. Both models of the same small
cases are compiled by :func:`sovopt.highs.to_highs` and compared row by row:
the same family, index, coefficients per variable name and bounds (a row may
come out with the opposite sign, which is the same row), and the same cost
row of every objective term (cost and exposure are array terms).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bench.generate import generate_case
from sovopt.example import example_case
from sovopt.highs import INF, to_highs
from sovopt.model import build_model
from sovopt.model.arrays import ArrayRowData
from sovopt.model.constraints import FAMILIES
from sovopt.model.constraints.country_share import volume_capabilities
from sovopt.prepare import prepare

ARRAY_FAMILIES = [name for name, fam in FAMILIES.items() if fam.reference is not None]


def canonical_rows(hm) -> dict[tuple[str, object], tuple]:
    """(row family, index) -> (((variable, coefficient), ...), lower, upper), sign-normalised."""
    A = hm.A.tocsr()
    names = [v.name for v in hm.columns]
    out = {}
    for i, (con, _kind) in enumerate(hm.rows):
        family = con.parent_component().local_name
        lo, up = float(hm.row_lower[i]), float(hm.row_upper[i])
        lo, up = (None if lo == -INF else lo), (None if up == INF else up)
        cells = sorted((names[j], float(a)) for j, a in zip(
            A.indices[A.indptr[i]:A.indptr[i + 1]], A.data[A.indptr[i]:A.indptr[i + 1]],
            strict=True) if a != 0)
        if cells and cells[0][1] < 0:
            cells = [(n, -a) for n, a in cells]
            lo, up = (None if up is None else -up), (None if lo is None else -lo)
        key = (family, con.index())
        assert key not in out, key
        out[key] = (tuple((n, round(a, 12)) for n, a in cells),
                    None if lo is None else round(lo, 12), None if up is None else round(up, 12))
    return out


def _cases():
    # the example has a fleet, a repair line and a stock (sustainment): their support, repair and
    # holding costs are Pyomo expressions folded into the budget, localization and cost
    yield "example", example_case(), frozenset()
    yield "bench S", generate_case("S", 0), frozenset()
    # without country_share the HHI family needs every tangent up to the largest share
    yield "bench S, no country_share", generate_case("S", 1), frozenset({"country_share"})
    # no budget or localization rows: the cost term still holds every year's spend
    yield "bench S, no budget or localization", generate_case("S", 2), frozenset(
        {"budget", "localization"})
    # the sustainment families switched off: the repair line's fixed cost and the stock's
    # holding cost leave the spend, the support cost stays
    yield "example, no repair line or stock", example_case(), frozenset(
        {"repair_line", "home_support", "stock_balance", "scenario_stock"})
    # unmet demand allowed: u in the demand rows and in every scenario's loss
    yield "example, unmet allowed", _with_unmet(example_case()), frozenset()
    yield "bench S, unmet allowed", _with_unmet(generate_case("S", 3)), frozenset()


def _with_unmet(case):
    case.settings = replace(case.settings, allow_unmet=True)
    return case


@pytest.mark.parametrize(("label", "case", "off"), list(_cases()),
                         ids=[c[0] for c in _cases()])
def test_array_rows_equal_the_pyomo_blocks(label, case, off) -> None:
    d = prepare(case)
    arrays = build_model(d, off)
    reference = build_model(d, off, pyomo_rows=True)
    expected = {"hhi_epigraph", "hhi_share", "country_share", "budget", "localization"} - off
    if volume_capabilities(d):  # a fleet or a stock (sustainment): those rows are built in Pyomo
        expected -= {"hhi_epigraph", "hhi_share", "country_share"}
    assert set(arrays.array_rows) >= expected
    a, r = to_highs(arrays, arrays.term_names), to_highs(reference, reference.term_names)
    rows_a, rows_r = canonical_rows(a), canonical_rows(r)
    assert rows_a.keys() == rows_r.keys()
    differ = [k for k in rows_a if rows_a[k] != rows_r[k]]
    assert differ == [], differ[:3]
    # the same columns, bounds, integrality and objective terms
    col = {v.name: j for j, v in enumerate(a.columns)}
    ref_col = [col[v.name] for v in r.columns]
    assert sorted(col) == sorted(v.name for v in r.columns)
    for arr in ("col_lower", "col_upper", "integrality"):
        assert np.array_equal(getattr(a, arr)[ref_col], getattr(r, arr)), arr
    for term in r.costs:
        assert np.allclose(a.costs[term][ref_col], r.costs[term]), term
    # every array family was built here, so the comparison covered it
    families = {c.parent_component().local_name for c, _ in a.rows
                if isinstance(c, ArrayRowData)}
    covered = {"hhi_share", "hhi_epigraph", "opened_link", "delivery_window",
               "scenario_shortfall", "budget", "localization", "one_start", "supplier_link",
               "supplier_used", "min_order", "demand", "worst_case_def", "cvar_def"} - off
    if volume_capabilities(d):  # the bench cases cover the HHI arrays
        covered -= {"hhi_share", "hhi_epigraph"}
    assert families >= covered
    if case.settings.allow_unmet:  # the u columns were compared too
        assert "unmet" in r.costs and any(v.name.startswith("u[") for v in a.columns)
    # these terms came from arrays, and were compared above
    array_terms = {"cost", "exposure", "hhi", "expected_shortfall"} - (
        set() if "hhi_epigraph" not in off else {"hhi"})
    assert set(arrays.array_costs) == array_terms
    assert array_terms <= set(r.costs)


def test_every_array_family_has_a_pyomo_reference() -> None:
    """The families that build arrays are the ones with a reference block, and the
    reference is what ``pyomo_rows`` builds (no array block left)."""
    assert set(ARRAY_FAMILIES) == {"budget", "country_share", "delivery_window",
                                   "demand", "hhi_epigraph", "localization", "min_order",
                                   "one_start", "scenario_shortfall", "supplier_link"}
    m = build_model(prepare(example_case()), pyomo_rows=True)
    assert getattr(m, "array_rows", {}) == {}
    assert getattr(m, "array_costs", {}) == {}
