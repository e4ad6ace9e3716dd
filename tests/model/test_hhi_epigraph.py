"""Known answers for the hhi_epigraph constraint family
(sovopt/model/constraints/hhi_epigraph.py).

(How these tests are built: tests/model/__init__.py.)
"""

from __future__ import annotations

import pytest

from sovopt.solver import SolveResult
from tests.checker import value_origin
from tests.model_cases import (
    covers,
    feasible,
    level_value,
    make_case,
    objective,
    option,
    preset,
    solve,
    totals,
    units,
)


@covers("hhi_epigraph")
def test_hhi_epigraph_min_dependence_spreads_foreign_supply() -> None:
    """Import concentration makes min_dependence split the foreign part evenly.

    Demand 10. dom (SH) 3/unit, at most 2; a (SA) 1/unit; b (SB) 2/unit; no
    scenarios, no risk scores. Foreign shares s_A + s_B = 0.8 at best (dom
    counts for no one); Σ s² is least at 0.4/0.4: 0.32 (exact: 0.4 is a
    breakpoint). min_cost buys a only (HHI 1). Cost 2·3 + 4·1 + 4·2 = 18.
    """
    case = make_case([option("dom", "SH", 3, max_qty_per_year=2.0), option("a", "SA", 1),
                      option("b", "SB", 2)])
    r = solve(case, "min_dependence")
    feasible(case, r)
    assert level_value(r, "exposure and concentration") == pytest.approx(0.32, abs=1e-9)
    assert objective(r) == pytest.approx(0.18, abs=1e-9)
    assert totals(r) == {"dom": 2, "a": 4, "b": 4}
    cheap = solve(case, "min_cost")
    assert totals(cheap) == {"a": 10}


def exact_hhi(case, result: SolveResult) -> dict[tuple[str, int], float]:
    """Σ_{c ≠ h} s[r,c,t]² per (r,t), from the portfolio (σ from the checker)."""
    sigma = value_origin(case)
    opts = case.options.set_index("option_id")
    dem = {(r, int(t)): float(q) for r, t, q in case.demand[
        ["capability_id", "year", "demand"]].itertuples(index=False)}
    share: dict[tuple[str, str, int], float] = {}
    for (o, t), u in units(result).items():
        r = opts.loc[o, "capability_id"]
        for c, s in sigma[o].items():
            if c != case.settings.home_country:
                share[r, c, t] = share.get((r, c, t), 0.0) + s * u / dem[r, t]
    out: dict[tuple[str, int], float] = {}
    for (r, _c, t), s in share.items():
        out[r, t] = out.get((r, t), 0.0) + s * s
    return out


@covers("hhi_epigraph")
def test_hhi_epigraph_between_breakpoints_is_within_its_error_bound() -> None:
    """Off the breakpoints the tangent epigraph is low by at most 0.000625 a country.

    Continuous units, demand 10. dom (SH) 3/unit, at most 2; a (SA) 1/unit;
    b (SB) 2/unit, at most 3.7. HHI first (held exactly), then cost. The
    foreign 0.8 splits s_B = 0.37 (its cap), s_A = 0.43: the tangent
    model's slopes there are 0.9 (a = 0.45) and 0.7 (a = 0.35), so moving
    share from A to B helps until B's cap. Tangent values:
    h_A = 0.9·0.43 − 0.2025 = 0.1845, h_B = 0.7·0.37 − 0.1225 = 0.1365,
    sum 0.321; exact 0.43² + 0.37² = 0.1849 + 0.1369 = 0.3218.
    Cost 2·3 + 4.3·1 + 3.7·2 = 17.7; 0.177.
    """
    case = make_case([option("dom", "SH", 3, max_qty_per_year=2.0), option("a", "SA", 1),
                      option("b", "SB", 2, max_qty_per_year=3.7)],
                     capabilities=[{"capability_id": "R", "name": "R",
                                    "integer_units": False}])
    r = solve(case, preset([{"hhi": 1}, {"cost": 1}]))
    feasible(case, r)
    model_hhi = r.levels[1].value
    assert model_hhi == pytest.approx(0.321, abs=1e-7)
    assert totals(r)["a"] == pytest.approx(4.3, abs=1e-4)
    assert totals(r)["b"] == pytest.approx(3.7, abs=1e-4)
    assert objective(r) == pytest.approx(0.177, abs=1e-6)
    exact = exact_hhi(case, r)
    assert exact[("R", 2027)] == pytest.approx(0.3218, abs=1e-5)
    # two foreign countries in this (r,t): each term low by ≤ 0.000625
    assert 0.0 <= exact[("R", 2027)] - model_hhi <= 2 * 0.000625


@covers("hhi_epigraph")
def test_hhi_epigraph_stays_exact_when_country_share_is_off() -> None:
    """With country_share switched off the epigraph must still bound s² everywhere.

    Demand 10 from nbuy (SN, neutral) or abuy (SA), same price. Minimising
    HHI alone: s_N² + s_A² with s_N + s_A = 1 is least at 5/5: 0.5.
    Regression: the tangents of N used to stop at a = θ_N = 0.35 even without
    the country_share row, so the model saw 0.7·s − 0.1225 for s_N > 0.35 and
    preferred s_N = 0.6 (model 0.4575, true 0.52).
    """
    case = make_case([option("nbuy", "SN", 1), option("abuy", "SA", 1)])
    r = solve(case, preset([{"hhi": 1}], switch_off=["country_share"]))
    assert r.status == "optimal"
    assert totals(r) == {"nbuy": 5, "abuy": 5}
    assert r.levels[1].value == pytest.approx(0.5, abs=1e-9)
