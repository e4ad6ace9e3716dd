"""share_window: the delivery window's big-M from the share limits (worked by hand), and
that its rows cut off no integer-feasible point (random cases, with and without it)."""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from sovopt.highs import to_highs
from sovopt.model import build_model
from sovopt.model.constraints.share_window import tighter_caps
from sovopt.prepare import prepare
from sovopt.solver import level_cost
from tests.model_cases import (
    countries,
    covers,
    level_value,
    make_case,
    option,
    preset,
    solve,
    totals,
)
from tests.random_cases import random_case

OFF = frozenset({"share_window"})


def lp_bound(case, terms: dict[str, float], off: frozenset[str] = frozenset()) -> float:
    """The LP relaxation of one level (every integer relaxed) of the model of ``case``."""
    d = prepare(case)
    m = build_model(d, off)
    hm = to_highs(m, m.term_names)
    cost, scale = level_cost(hm, terms)
    hm.highs.changeColsCost(hm.num_col, np.arange(hm.num_col, dtype=np.int32), cost)
    ints = np.flatnonzero(hm.integrality == 1).astype(np.int32)
    hm.highs.changeColsIntegrality(len(ints), ints,
                                   np.full(len(ints), highspy.HighsVarType.kContinuous))
    hm.highs.run()
    assert hm.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(hm.highs.getInfo().objective_function_value) * scale


def _neutral_case():
    """Demand 10 (continuous units); nbuy (SN, neutral: θ = 0.35) 1/unit with fixed
    cost 2; abuy (SA) 2/unit."""
    return make_case([option("nbuy", "SN", 1, fixed_cost=2.0), option("abuy", "SA", 2)],
                     capabilities=[{"capability_id": "R", "name": "R",
                                    "integer_units": False}])


@covers("share_window")
def test_country_share_caps_the_window_and_closes_the_lp_bound() -> None:
    """The row x[nbuy] ≤ 3.5·opened[nbuy] makes the LP bound the integer optimum.

    Integer optimum: nbuy may hold 0.35·10 = 3.5 units; each saves 2 − 1 = 1
    against abuy, 3.5 in all, for the fixed cost 2: cost 3.5 + 2 + 2·6.5 = 18.5,
    0.185 of the budget 100 (without nbuy: 20).
    LP without the family: x ≤ 10·opened (delivery window), x ≤ 3.5 (country
    share), so opened = 0.35 carries x = 3.5 and pays 0.35·2 = 0.7:
    3.5 + 0.7 + 13 = 17.2 → 0.172.
    LP with it: opened ≥ x/3.5, cost 20 − x + 2·x/3.5 = 20 − 0.43·x, least at
    x = 3.5, opened = 1: 18.5 → 0.185, the integer optimum.
    """
    case = _neutral_case()
    d = prepare(case)
    tight = tighter_caps(d)
    assert tight[["option_id", "limit"]].values.tolist() == [["nbuy", 3.5]]
    assert lp_bound(case, {"cost": 1}, OFF) == pytest.approx(0.172, abs=1e-9)
    assert lp_bound(case, {"cost": 1}) == pytest.approx(0.185, abs=1e-9)
    r = solve(case)
    assert level_value(r, "cost") == pytest.approx(0.185, abs=1e-9)
    assert totals(r) == {"nbuy": 3.5, "abuy": 6.5}
    off = solve(case, preset([{"cost": 1}], switch_off=["share_window"]))
    assert level_value(off, "level 1") == pytest.approx(0.185, abs=1e-9)


@covers("share_window")
def test_whole_units_round_the_window_down() -> None:
    """With whole units the neutral option's M' is ⌊3.5⌋ = 3.

    Integer optimum: nbuy delivers 3 (3.5 is not a whole unit): 3 + 2 + 2·7 = 19
    → 0.19. LP with the family: opened ≥ x/3, cost 20 − x + 2x/3 = 20 − x/3,
    least at x = 3: 19 → 0.19. Without it: x = 3.5 at opened 0.35, 17.2 → 0.172.
    """
    case = make_case([option("nbuy", "SN", 1, fixed_cost=2.0), option("abuy", "SA", 2)])
    assert tighter_caps(prepare(case))["limit"].tolist() == [3.0]
    assert lp_bound(case, {"cost": 1}, OFF) == pytest.approx(0.172, abs=1e-9)
    assert lp_bound(case, {"cost": 1}) == pytest.approx(0.19, abs=1e-9)
    r = solve(case)
    assert level_value(r, "cost") == pytest.approx(0.19, abs=1e-9)
    assert totals(r) == {"nbuy": 3, "abuy": 7}


@covers("share_window")
def test_dual_sourcing_leaves_the_other_supplier_its_share() -> None:
    """Two suppliers needed (β = 0.1 of 10 = 1 unit each): one option delivers ≤ 9.

    a (SA) 1/unit with fixed cost 3, b (SB) 2/unit, both allies (no share cap).
    Integer optimum: both must deliver ≥ 1, a the rest: 9 + 3 + 2 = 14 → 0.14.
    LP without the family: used = 1 for both (Σ used ≥ 2), x_a = 9 needs only
    opened_a = 0.9: 9 + 2.7 + 2 = 13.7 → 0.137. With it: x_a ≤ 9·opened_a,
    opened_a = 1: 14 → 0.14.
    """
    case = make_case([option("a", "SA", 1, fixed_cost=3.0), option("b", "SB", 2)],
                     capabilities=[{"capability_id": "R", "name": "R",
                                    "min_suppliers": 2}])
    tight = tighter_caps(prepare(case))
    assert sorted(tight[["option_id", "limit"]].values.tolist()) == [["a", 9.0], ["b", 9.0]]
    assert lp_bound(case, {"cost": 1}, OFF) == pytest.approx(0.137, abs=1e-9)
    assert lp_bound(case, {"cost": 1}) == pytest.approx(0.14, abs=1e-9)
    r = solve(case)
    assert level_value(r, "cost") == pytest.approx(0.14, abs=1e-9)
    assert totals(r) == {"a": 9, "b": 1}
    # without dual sourcing the rule's bound goes too: a alone, 10 + 3 = 13
    no_rule = tighter_caps(prepare(case), frozenset({"dual_sourcing"}))
    assert no_rule.empty
    alone = solve(case, preset([{"cost": 1}], switch_off=["dual_sourcing"]))
    assert level_value(alone, "level 1") == pytest.approx(0.13, abs=1e-9)


def test_no_rows_without_the_families_they_follow_from() -> None:
    """The rows follow from country_share: with it switched off there is nothing to
    tighten, and the model has no share_window block."""
    case = _neutral_case()
    d = prepare(case)
    assert tighter_caps(d, frozenset({"country_share"})).empty
    m = build_model(d, frozenset({"country_share"}))
    assert m.find_component("share_window") is None
    assert build_model(d).find_component("share_window") is not None


def test_the_diagnosis_leaves_the_rows_out() -> None:
    """An infeasible case whose cure is a larger country share: the diagnosis relaxes
    the country_share row (the share_window row, implied by it, would block that).

    Demand 10, only nbuy (SN, θ = 0.35) and budget 100: 10 units need N's share
    to rise from 3.5 to 10, a relaxation of 6.5 units.
    """
    case = make_case([option("nbuy", "SN", 1)])
    r = solve(case)
    assert r.status == "infeasible"
    assert [rel.family for rel in r.diagnosis] == ["country_share"]


def _values(result) -> list[float]:
    """Each level's value (−1 for a level with none: skipped for lack of data)."""
    return [-1.0 if lv.value is None else lv.value for lv in result.levels]


#: random cases compared with and without the family (seeded)
CASES, SEED = 24, 20261202


def test_no_integer_point_is_cut_off_on_random_cases() -> None:
    """On random small cases (every family, tight budgets, dual sourcing, shares) the
    optimum of the model without share_window satisfies every share_window row (so the
    rows cut off no optimum), and the optima with and without it are equal, for the
    cost and for the exposure and concentration objectives (gap 0)."""
    rng = np.random.default_rng(SEED)
    compared = 0
    for i in range(CASES):
        case = random_case(rng)
        terms = [{"cost": 1.0}, {"exposure": 1.0, "hhi": 1.0}][i % 2]
        without = solve(case, preset([terms], switch_off=["share_window"]))
        if without.status == "infeasible":
            continue
        assert without.status == "optimal", (i, without.status)
        d = without.data
        tight = tighter_caps(d)
        got = without.portfolio.deliveries.set_index(["option_id", "year"])["units"]
        for o, t, limit in zip(tight["option_id"], tight["year"], tight["limit"],
                               strict=True):
            assert float(got.get((o, t), 0.0)) <= limit + 1e-6, (i, o, t, limit)
        with_rows = solve(case, preset([terms]))
        assert with_rows.status == "optimal", (i, with_rows.status)
        assert _values(with_rows) == pytest.approx(_values(without), rel=1e-7, abs=1e-9), i
        compared += 1
    assert compared >= CASES // 3, compared


def test_no_integer_point_is_cut_off_by_enumeration() -> None:
    """Every integer point of a small case (enumerated over its deliveries) that keeps
    demand, the country share and dual sourcing also keeps the share_window rows.

    Demand 6 of whole units in one year, two suppliers needed (β = 0.1: 1 unit
    each), options n (SN, neutral θ = 0.35 → ≤ 2.1), a (SA) and b (SB): every
    split (x_n, x_a, x_b) of 6 with x_n ≤ 2.1 and at least two suppliers with
    ≥ 1 unit has x_n ≤ 2 = ⌊2.1⌋ and x_a, x_b ≤ 5 = 6 − 1.
    """
    case = make_case([option("n", "SN", 1), option("a", "SA", 2), option("b", "SB", 3)],
                     demand={"R": 6},
                     capabilities=[{"capability_id": "R", "name": "R", "min_suppliers": 2}],
                     country_rows=countries())
    limit = tighter_caps(prepare(case)).set_index("option_id")["limit"].to_dict()
    assert limit == {"n": 2.0, "a": 5.0, "b": 5.0}
    points = 0
    for xn in range(7):
        for xa in range(7 - xn):
            xb = 6 - xn - xa
            if xn > 0.35 * 6 + 1e-9 or sum(v >= 1 for v in (xn, xa, xb)) < 2:
                continue
            points += 1
            assert xn <= limit["n"] and xa <= limit["a"] and xb <= limit["b"]
    assert points == 16  # x_n = 0: x_a ∈ 1..5; x_n = 1: x_a ∈ 0..5; x_n = 2: x_a ∈ 0..4
