"""The Leontief survival rule of sovopt/prepare.py, value by value.

φ[k,o,t] = clip(min(1 − α[assembly], min over critical inputs (1 − α[c(i)]))
                − Σ non-critical share·α − [mode ≠ buy]·remainder·α[c(s(o))], 0, 1)

prepare() stores the loss 1 − φ for every (scenario, option, year) that loses
anything. Here every entry of that table is worked out by hand for options
built to isolate one part of the rule, and two solves show that the
critical flag alone changes which option min_dependence picks.
"""

from __future__ import annotations

import pytest

from sovopt.prepare import prepare
from tests.checker import check_portfolio
from tests.model_cases import (
    input_row,
    level_value,
    make_case,
    objective,
    option,
    scenario,
    solve,
    totals,
)

YEARS = [2027, 2028]

#: Options of the loss-table case (capability R, all deliverable in both years):
#: dom_crit  domestic, 80 % local, a critical input from A worth 10 %, rest (10 %) home
#: dom_soft  the same with the input not critical
#: lic       licence of SB (country B), 70 % local, remainder 30 % from B
#: buy_b     bought from SB (assembled in B)
#: cop       co-production with SP (partner P), 50 % local, critical input from A 20 %,
#:           non-critical input from N 10 %, remainder 20 % from P
OPTIONS = [
    option("dom_crit", "SH", 2, local_content=0.8),
    option("dom_soft", "SH", 2, local_content=0.8),
    option("lic", "SB", 2, mode="license", local_content=0.7),
    option("buy_b", "SB", 2),
    option("cop", "SP", 2, mode="coproduce", local_content=0.5),
]
INPUTS = [
    input_row("dom_crit", "A", 0.1, critical=True, name="seeker"),
    input_row("dom_soft", "A", 0.1, critical=False, name="seeker"),
    input_row("cop", "A", 0.2, critical=True, name="engine"),
    input_row("cop", "N", 0.1, critical=False, name="chips"),
]
SCENARIOS = [
    scenario("cut_a", "A", 1.0, 0.1),
    scenario("cut_b", "B", 1.0, 0.1),
    scenario("half_a", "A", 0.5, 0.1),
    scenario("mix", "A", 0.5, 0.1), scenario("mix", "N", 1.0, 0.1),
    scenario("mix", "P", 0.5, 0.1),
    scenario("both", "A", 1.0, 0.1), scenario("both", "N", 1.0, 0.1),
    scenario("home", "H", 0.3, 0.1),
    scenario("late_a", "A", 1.0, 0.1, 2028, 2028),
]

#: 1 − φ by scenario and option, the same in both years (late_a: 2028 only)
EXPECTED_LOSS = {
    # A cut: the critical seeker stops dom_crit entirely (80 % local or not);
    # the non-critical one costs dom_soft its 10 %; cop's critical engine stops it
    "cut_a": {"dom_crit": 1.0, "dom_soft": 0.1, "cop": 1.0},
    # B cut: the licence loses its licensor's 30 % remainder, the purchase all
    "cut_b": {"lic": 0.3, "buy_b": 1.0},
    # half of A: gate 1 − 0.5; dom_soft 0.1·0.5
    "half_a": {"dom_crit": 0.5, "dom_soft": 0.05, "cop": 0.5},
    # cop: gate 0.5 (A) + chips 0.1·1 (N) + remainder 0.2·0.5 (P) = 0.7
    "mix": {"dom_crit": 0.5, "dom_soft": 0.05, "cop": 0.7},
    # cop: 1 (A) + 0.1 (N) = 1.1, clipped to 1
    "both": {"dom_crit": 1.0, "dom_soft": 0.1, "cop": 1.0},
    # home cut: licence and co-production are assembled at home too; buy_b is not.
    # The domestic options' 10 % remainder belongs to their home supplier, so it is
    # home value already gated by the assembly (1 − 0.3): not charged again, 0.3
    "home": {"dom_crit": 0.3, "dom_soft": 0.3, "lic": 0.3, "cop": 0.3},
}


def loss_case():
    """The loss-table case: the options, inputs and scenarios above, 10 units a year."""
    return make_case(OPTIONS, years=YEARS, inputs=INPUTS, scenarios=SCENARIOS)


def test_loss_table_is_exactly_the_leontief_rule() -> None:
    """prepare()'s loss table holds exactly the hand-computed entries and no others."""
    d = prepare(loss_case())
    got = {(k, o, int(t)): float(v) for k, o, t, v in
           d.loss[["scenario_id", "option_id", "year", "loss"]].itertuples(index=False)}
    expected = {(k, o, t): v for k, per in EXPECTED_LOSS.items() for o, v in per.items()
                for t in YEARS}
    expected.update({("late_a", o, 2028): v for o, v in EXPECTED_LOSS["cut_a"].items()})
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-12), key


def test_value_origin_of_the_leontief_options() -> None:
    """σ: local content at home, inputs at their source, the remainder at the supplier's."""
    d = prepare(loss_case())
    got = {(o, c): float(s) for o, c, s in d.origin[["option_id", "country_id", "share"]]
           .itertuples(index=False)}
    assert got == pytest.approx({
        ("dom_crit", "H"): 0.9, ("dom_crit", "A"): 0.1,
        ("dom_soft", "H"): 0.9, ("dom_soft", "A"): 0.1,
        ("lic", "H"): 0.7, ("lic", "B"): 0.3,
        ("buy_b", "B"): 1.0,
        ("cop", "H"): 0.5, ("cop", "A"): 0.2, ("cop", "N"): 0.1, ("cop", "P"): 0.2,
    }, abs=1e-12)


@pytest.mark.parametrize(("critical", "chosen", "loss", "cost"), [
    # the seeker gates dom: losing A loses all of dom (1.0) vs buy_b's 0.5
    (True, "buy_b", 0.5, 30.0),
    # the seeker costs only its 10 %: dom loses 0.1 vs buy_b's 0.5
    (False, "dom", 0.1, 20.0),
])
def test_critical_input_decides_the_scenario_choice(critical: bool, chosen: str,
                                                    loss: float, cost: float) -> None:
    """80 % local content does not help when the one foreign input is critical.

    Demand 10. dom (SH) 2/unit, 80 % local, seeker from A (10 %); buy_b (SB)
    3/unit. One scenario, π = 0.3 ≥ 1 − β: A lost entirely and B half.
    min_dependence's scenario level is CVaR + 0.1·worst = 1.1·loss.
    """
    case = make_case(
        [option("dom", "SH", 2, local_content=0.8), option("buy_b", "SB", 3)],
        inputs=[input_row("dom", "A", 0.1, critical=critical, name="seeker")],
        scenarios=[scenario("war", "A", 1.0, 0.3), scenario("war", "B", 0.5, 0.3)])
    r = solve(case, "min_dependence")
    assert r.status == "optimal"
    assert check_portfolio(case, r.portfolio) == []
    assert totals(r) == {chosen: 10}
    assert level_value(r, "scenario risk") == pytest.approx(1.1 * loss, abs=1e-9)
    assert objective(r) == pytest.approx(cost / 100, abs=1e-9)


def test_licence_loses_only_its_licensor_share() -> None:
    """Against a cut of B, the dearer licence of B's design beats buying from B.

    Demand 10; lic (SB, 70 % local, remainder 30 % from B) 2.5/unit; buy_b
    (SB) 2/unit. Scenario: B lost, π = 0.5 ≥ 1 − β. lic loses 0.3 per unit,
    buy_b all of it: min_dependence takes lic, scenario level 1.1·0.3 = 0.33,
    cost 25/100; min_cost takes buy_b, cost 20/100.
    """
    case = make_case([option("lic", "SB", 2.5, mode="license", local_content=0.7),
                      option("buy_b", "SB", 2)],
                     scenarios=[scenario("cut_b", "B", 1.0, 0.5)])
    d = prepare(case)
    loss = {o: float(v) for o, v in zip(d.loss["option_id"], d.loss["loss"], strict=True)}
    assert loss == pytest.approx({"lic": 0.3, "buy_b": 1.0}, abs=1e-12)
    r = solve(case, "min_dependence")
    assert check_portfolio(case, r.portfolio) == []
    assert totals(r) == {"lic": 10}
    assert level_value(r, "scenario risk") == pytest.approx(0.33, abs=1e-9)
    assert objective(r) == pytest.approx(0.25, abs=1e-9)
    cheap = solve(case, "min_cost")
    assert totals(cheap) == {"buy_b": 10}
    assert objective(cheap) == pytest.approx(0.2, abs=1e-9)
