"""Objective presets: the lexicographic order, held tolerances and user preset files.

The main case: demand 10 in one year; buy (SA) at 1.8/unit is exposed to an
embargo of A (loss 1, π = 0.01); dom (SH) costs 10/unit; budget 100. With k
units bought from A (β = 0.9, so 1 − β = 0.1 > π):

- scenario loss = k/10; CVaR_0.9 = η + (0.01/0.1)·(loss − η)⁺ is least at
  η = 0: 0.1·k/10; worst case k/10; expected shortfall 0.01·k/10;
- HHI = (k/10)² (A's share; exact at the breakpoints since k is whole);
- cost = (1.8·k + 10·(10 − k))/100 = 1 − 0.082·k.

min_cost buys from A (k = 10, cost 0.18); min_dependence avoids the cut-off
(k = 0, cost 1.0); balanced weighs cvar 1, worst 0.1, expected 1, hhi 0.5,
cost 0.5, exposure 0.5 (no risk scores: 0):
0.01·k + 0.01·k + 0.001·k + 0.005·k² + 0.5 − 0.041·k = 0.005·k² − 0.02·k + 0.5,
least at k = 2: 0.48 (k = 1 or 3: 0.485). So balanced sits in between.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sovopt.errors import SovoptError
from sovopt.presets import BUILTIN, load_preset, parse_preset
from sovopt.solver import solve_case
from tests.checker import check_portfolio
from tests.model_cases import (
    countries,
    level_value,
    make_case,
    objective,
    option,
    scenario,
    solve,
    totals,
)


def embargo_case():
    """The module docstring's case."""
    return make_case([option("buy", "SA", 1.8), option("dom", "SH", 10)],
                     scenarios=[scenario("emb", "A", 1.0, 0.01)])


def test_bundled_presets_follow_the_formulation_table() -> None:
    """min_dependence, min_cost and balanced have the levels of docs/FORMULATION.md (Objective)."""
    levels = {name: [lv.terms for lv in load_preset(name).levels] for name in BUILTIN}
    assert levels["min_dependence"] == [{"unmet": 1}, {"cvar": 1, "worst_case": 0.1},
                                        {"exposure": 1, "hhi": 1}, {"cost": 1}]
    assert levels["min_cost"] == [{"unmet": 1}, {"cost": 1}]
    assert levels["balanced"][0] == {"unmet": 1} and len(levels["balanced"]) == 2
    assert set(levels["balanced"][1]) == {"cvar", "worst_case", "expected_shortfall",
                                          "exposure", "hhi", "cost"}
    for name in BUILTIN:
        p = load_preset(name)
        assert (p.relative_tolerance, p.absolute_tolerance) == (0.01, 1e-6)
        assert p.switch_off == frozenset()


def test_min_cost_takes_the_exposed_option() -> None:
    """min_cost: all 10 from A, cost 18/100; the embargo is ignored."""
    case = embargo_case()
    r = solve(case, "min_cost")
    assert check_portfolio(case, r.portfolio) == []
    assert [lv.name for lv in r.levels] == ["unmet demand", "cost"]
    assert objective(r) == pytest.approx(0.18, abs=1e-9)
    assert totals(r) == {"buy": 10}


def test_min_dependence_pays_to_avoid_the_cut_off() -> None:
    """min_dependence: scenario risk 0 first, so all 10 domestic, cost 100/100."""
    case = embargo_case()
    r = solve(case, "min_dependence")
    assert check_portfolio(case, r.portfolio) == []
    assert level_value(r, "scenario risk") == pytest.approx(0.0, abs=1e-9)
    assert level_value(r, "exposure and concentration") == pytest.approx(0.0, abs=1e-9)
    assert objective(r) == pytest.approx(1.0, abs=1e-9)
    assert totals(r) == {"dom": 10}


def test_balanced_sits_in_between() -> None:
    """balanced: k = 2 from A, 8 domestic; one weighted level worth 0.48."""
    case = embargo_case()
    r = solve(case, "balanced")
    assert check_portfolio(case, r.portfolio) == []
    assert level_value(r, "balanced") == pytest.approx(0.48, abs=1e-9)
    assert totals(r) == {"buy": 2, "dom": 8}
    # its cost, (2·1.8 + 8·10)/100 = 0.836, lies between min_cost's and min_dependence's
    assert r.term_values["cost"] == pytest.approx(0.836, abs=1e-9)


def test_cvar_of_two_scenarios_follows_rockafellar_uryasev() -> None:
    """CVaR_0.9 over two embargoes: the less likely one is the better bet.

    Demand 10 from a (SA) or b (SB), both 1/unit. Scenarios: A cut (π 0.08),
    B cut (π 0.04); a units from A give L_A = a/10, L_B = (10 − a)/10.
    The 10 % tail: if L_A ≥ L_B it holds 0.08 of L_A and 0.02 of L_B,
    CVaR = 0.8·L_A + 0.2·L_B, level (0.7·a + 2)/10 ≥ 0.55 (a = 5);
    otherwise 0.04 of L_B and 0.06 of L_A, CVaR = 0.6·L_A + 0.4·L_B, level
    (0.1·a + 5)/10, least at a = 0: 0.4 + 0.1·1 = 0.5. So all from B.
    """
    case = make_case([option("a", "SA", 1), option("b", "SB", 1)],
                     scenarios=[scenario("kA", "A", 1.0, 0.08), scenario("kB", "B", 1.0, 0.04)])
    r = solve(case, "min_dependence")
    assert level_value(r, "scenario risk") == pytest.approx(0.5, abs=1e-9)
    assert totals(r) == {"b": 10}


def test_exposure_and_concentration_are_weighed_together() -> None:
    """Level 3 of min_dependence: exposure to a risky ally shifts the HHI-even split.

    Demand 10 from a (SA, risk score 1) or b (SB, risk 0), 1/unit; budget 20.
    exposure = 1·1·1·a/20, HHI = (a/10)² + ((10 − a)/10)²:
    a = 3: 0.15 + 0.58 = 0.73; a = 4: 0.2 + 0.52 = 0.72; a = 5: 0.25 + 0.5 = 0.75.
    """
    case = make_case([option("a", "SA", 1), option("b", "SB", 1)], budget=20.0,
                     country_rows=countries(risk={"A": 1.0}))
    r = solve(case, "min_dependence")
    assert level_value(r, "exposure and concentration") == pytest.approx(0.72, abs=1e-9)
    assert totals(r) == {"a": 4, "b": 6}
    assert objective(r) == pytest.approx(0.5, abs=1e-9)


def _write(path: Path, data: object) -> str:
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data,
                    encoding="utf-8")
    return str(path)


def tolerance_case():
    """Demand 1000; dom (SH) 2/unit ≤ 500; buy_b (SB) 3/unit ≤ 350; buy_a (SA) 1/unit.

    A is lost entirely with π = 0.5 (≥ 1 − β, so CVaR = loss). At least
    1000 − 500 − 350 = 150 units come from A: scenario level
    1.1·0.15 = 0.165. Budget 3000.
    """
    return make_case([option("dom", "SH", 2, max_qty_per_year=500.0),
                      option("buy_b", "SB", 3, max_qty_per_year=350.0),
                      option("buy_a", "SA", 1)],
                     demand={"R": 1000}, budget=3000.0,
                     scenarios=[scenario("emb", "A", 1.0, 0.5)])


@pytest.mark.parametrize(("relative", "from_a", "cost"), [
    # held at 0.165·1.01 = 0.16665: 1.1·k/1000 ≤ 0.16665 ⇔ k ≤ 151.5, so 151;
    # cost 151·1 + 500·2 + 349·3 = 2198
    (0.01, 151, 2198.0),
    # held exactly: k = 150, cost 150 + 1000 + 350·3 = 2200
    (0.0, 150, 2200.0),
])
def test_held_level_stays_within_its_tolerance(tmp_path: Path, relative: float, from_a: int,
                                               cost: float) -> None:
    """The cost level may use the scenario level's tolerance, and no more."""
    path = _write(tmp_path / "risk_then_cost.yaml", {
        "name": "risk then cost", "tolerance": {"relative": relative, "absolute": 1e-9},
        "levels": [{"name": "scenario risk", "terms": {"cvar": 1, "worst_case": 0.1}},
                   {"name": "cost", "terms": {"cost": 1}}]})
    case = tolerance_case()
    r = solve_case(case, path, gap=0.0, time_limit=30.0)
    assert r.status == "optimal"
    assert check_portfolio(case, r.portfolio) == []
    first = level_value(r, "scenario risk")
    assert first == pytest.approx(0.165, abs=1e-9)
    got = totals(r)
    assert got == {"buy_a": from_a, "dom": 500, "buy_b": 1000 - 500 - from_a}
    # the scenario measure of the final portfolio, recomputed: 1.1 · (units from A)/1000
    assert 1.1 * got["buy_a"] / 1000 <= first * (1 + relative) + 1e-9
    assert objective(r) == pytest.approx(cost / 3000, abs=1e-9)


def test_min_dependence_holds_each_level_in_the_later_ones() -> None:
    """In min_dependence, the final portfolio's scenario measure is within 1 % of level 2.

    On tolerance_case, level 2 is 0.165; the final portfolio's 1.1·(from A)/1000
    may not exceed 0.165·1.01, so at most 151 units come from A.
    """
    case = tolerance_case()
    r = solve(case, "min_dependence")
    assert check_portfolio(case, r.portfolio) == []
    assert level_value(r, "scenario risk") == pytest.approx(0.165, abs=1e-9)
    assert 150 <= totals(r)["buy_a"] <= 151


def test_user_preset_switching_off_country_share_changes_the_answer(tmp_path: Path) -> None:
    """Without country_share, the neutral supplier may supply all 20 units.

    Demand 20; nbuy (SN, neutral, cap 0.35·20 = 7) 1/unit; abuy (SA) 2/unit.
    min_cost: 7 + 13·2 = 33; the user file switching country_share off:
    20·1 = 20.
    """
    case = make_case([option("nbuy", "SN", 1), option("abuy", "SA", 2)], demand={"R": 20})
    with_cap = solve(case, "min_cost")
    assert objective(with_cap) == pytest.approx(0.33, abs=1e-9)
    path = _write(tmp_path / "no_share_cap.yaml", {
        "name": "no share cap", "switch_off": ["country_share"],
        "levels": [{"name": "cost", "terms": {"cost": 1}}]})
    preset = load_preset(path)
    assert preset.switch_off == frozenset({"country_share"})
    assert [lv.name for lv in preset.levels] == ["unmet demand", "cost"]
    r = solve_case(case, path, gap=0.0)
    assert objective(r) == pytest.approx(0.2, abs=1e-9)
    assert totals(r) == {"nbuy": 20}
    assert any(v.startswith("country_share") for v in check_portfolio(case, r.portfolio))


@pytest.mark.parametrize(("content", "message"), [
    ({"levels": [{"name": "x", "terms": {"speed": 1}}]}, "unknown term 'speed'"),
    ({"levels": [{"name": "x", "terms": {"cost": -1}}]},
     "levels[1].terms.cost: -1 is not a finite number >= 0"),
    ({"switch_off": ["demand"], "levels": [{"name": "x", "terms": {"cost": 1}}]},
     "'demand' cannot be switched off"),
    ({"switch_off": ["no_such_family"], "levels": [{"name": "x", "terms": {"cost": 1}}]},
     "'no_such_family' cannot be switched off"),
    ({"switch_off": "budget", "levels": [{"name": "x", "terms": {"cost": 1}}]},
     "switch_off must be a list"),
    ({"switch_off": ["scenario_shortfall"], "levels": [{"name": "x", "terms": {"cvar": 1}}]},
     "uses cvar, but switch_off removes scenario_shortfall"),
    ({"levels": []}, "levels must be a non-empty list"),
    ({"levels": [{"name": "x", "terms": {"cost": 1}}], "weights": 1}, "unknown key 'weights'"),
    ({"tolerance": {"relative": -0.1}, "levels": [{"name": "x", "terms": {"cost": 1}}]},
     "tolerance.relative: -0.1 is not a finite number >= 0"),
    ("levels: [unclosed", "not valid YAML"),
    ("- just\n- a list\n", "a preset is a mapping"),
])
def test_invalid_preset_file_is_a_clear_error(tmp_path: Path, content: object,
                                              message: str) -> None:
    """Each broken preset file raises one SovoptError naming the file and the problem."""
    path = _write(tmp_path / "mine.yaml", content)
    with pytest.raises(SovoptError) as err:
        load_preset(path)
    assert message in str(err.value)
    assert "mine.yaml" in str(err.value)


def test_preset_problems_are_reported_together() -> None:
    """An unknown term and a negative weight in one file: both in one message."""
    with pytest.raises(SovoptError) as err:
        parse_preset({"levels": [{"name": "a", "terms": {"speed": 1, "cost": -2}}]},
                     source="two.yaml")
    text = str(err.value)
    assert "unknown term 'speed'" in text and "cost: -2 is not a finite number >= 0" in text


def test_missing_preset_file_is_a_clear_error(tmp_path: Path) -> None:
    """A preset path that does not exist, or that is not .yaml, is named in the error."""
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(SovoptError, match="objective preset file .*nowhere.yaml not found"):
        load_preset(str(missing))
    with pytest.raises(SovoptError, match="unknown objective 'fastest'"):
        load_preset("fastest")
    with pytest.raises(SovoptError, match="not found"):
        solve_case(embargo_case(), str(missing))


def test_preset_without_unmet_level_gets_it_first() -> None:
    """Unmet demand is always the first level, even when a user file leaves it out."""
    p = parse_preset({"levels": [{"name": "cost", "terms": {"cost": 1}}]})
    assert [lv.terms for lv in p.levels] == [{"unmet": 1.0}, {"cost": 1.0}]


def test_min_cost_sees_a_one_percent_price_difference_at_a_large_budget() -> None:
    """Demand 1; cheap (SA) 1000, dear (SB) 1010; budget 1e8: min_cost must pay 1000.

    Regression: the cost term is normalised by the total budget, so the two
    coefficients were 1e-5 and 1.01e-5, a difference at HiGHS's dual
    feasibility tolerance (1e-7); presolve returned the dearer option as
    optimal until each level's cost vector was scaled to unit size.
    """
    case = make_case([option("dear", "SB", 1010.0), option("cheap", "SA", 1000.0)],
                     demand={"R": 1}, budget=1e8)
    r = solve(case, "min_cost")
    assert totals(r) == {"cheap": 1}
    assert objective(r) * 1e8 == pytest.approx(1000.0, rel=1e-9)


def test_each_level_has_an_absolute_gap_in_its_own_units() -> None:
    """A level's default absolute gap is the weighted sum of its terms' defaults:
    scenario risk (cvar 1, worst_case 0.1) 2e-4 + 0.1 × 2e-4 = 2.2e-4 of weighted
    demand; balanced 2e-4 + 0.1·2e-4 + 2e-4 + 0.5·1e-3 + 0.5·1e-3 + 0.5·1e-3
    = 1.92e-3. A level's own ``gap`` replaces both defaults."""
    dep = {lv.name: lv for lv in load_preset("min_dependence").levels}
    assert dep["scenario risk"].stop_gap == pytest.approx(2.2e-4)
    assert dep["exposure and concentration"].stop_gap == pytest.approx(2e-3)
    assert dep["cost"].stop_gap == pytest.approx(1e-3)
    assert dep["unmet demand"].stop_gap == 0.0
    balanced = load_preset("balanced").levels[-1]
    assert balanced.absolute_gap is None and balanced.stop_gap == pytest.approx(1.92e-3)
    own = parse_preset({"levels": [{"name": "c", "terms": {"cost": 1},
                                    "gap": {"absolute": 0.05, "relative": 0.2}}]})
    assert (own.levels[-1].stop_gap, own.levels[-1].relative_gap) == (0.05, 0.2)
    assert own.as_dict()["levels"][-1]["gap"] == {"relative": 0.2, "absolute": 0.05}


def test_a_bad_level_gap_is_reported_with_the_others() -> None:
    with pytest.raises(SovoptError) as err:
        parse_preset({"levels": [{"terms": {"cost": 1}, "gap": {"absolute": -1}},
                                 {"terms": {"cvar": 1}, "gap": 0.1, "colour": "red"}]})
    text = str(err.value)
    assert "levels[1].gap.absolute: -1 is not a finite number >= 0" in text
    assert "levels[2]: gap must map relative and/or absolute to numbers" in text
    assert "levels[2]: unknown key 'colour'" in text


def test_each_level_claims_time_by_its_hardest_term() -> None:
    """Defaults (presets.DEFAULT_TIME_WEIGHT): scenario risk and exposure and
    concentration 2, cost and unmet demand 1; a level's own ``time_weight`` wins;
    0, a negative or a non-finite weight is refused with the level named."""
    dep = {lv.name: lv.weight for lv in load_preset("min_dependence").levels}
    assert dep == {"unmet demand": 1.0, "scenario risk": 2.0,
                   "exposure and concentration": 2.0, "cost": 1.0}
    assert load_preset("balanced").levels[-1].weight == 2.0  # it mixes in risk terms
    own = parse_preset({"levels": [{"terms": {"cost": 1}, "time_weight": 5}]})
    assert own.levels[-1].weight == 5.0
    for bad, said in ((0, "must be above 0"), (-1, "is not a finite number >= 0"),
                      (float("nan"), "is not a finite number >= 0"),
                      (float("inf"), "is not a finite number >= 0")):
        with pytest.raises(SovoptError) as err:
            parse_preset({"levels": [{"terms": {"cost": 1}, "time_weight": bad}]})
        assert "levels[1].time_weight" in str(err.value) and said in str(err.value)


@pytest.mark.parametrize(("remaining", "weights", "first", "portfolio", "share"), [
    (100.0, [2.0, 2.0, 1.0], False, True, 40.0),   # 100 × 2/5
    (100.0, [2.0, 2.0, 1.0], True, True, 50.0),    # the first level may take half
    (100.0, [2.0, 8.0], True, True, 50.0),
    (100.0, [1.0], False, True, 100.0),            # the last level: all that is left
    (100.0, [1.0, 9.0], False, False, 100.0),      # no portfolio yet: all of it
    (0.5, [1.0, 1.0], False, True, 1.0),           # at least a second
])
def test_the_time_left_is_shared_by_weight(remaining, weights, first, portfolio,
                                           share) -> None:
    from sovopt.solver import level_share

    assert level_share(remaining, weights, first, portfolio) == pytest.approx(share)
