"""Marginal values that say what is true (#21 item 5): a limit used to the full binds.

The hand case (currency EUR): one year (2027), 10 units of R, budget 20, a localization
target of 0.2. Options: RH at home (SH) 3/unit; RA from the ally A (risk 0.2) 1/unit;
RN from the neutral N 1/unit, which a scenario (N loses everything, p 0.5)
makes risky. Levels: 1 unmet demand, 2 CVaR, 3 exposure, 4 cost.

- Level 2: nothing from N, CVaR 0; more budget cannot lower a zero CVaR, so
  its marginal value is 0.
- Level 3, exposure = Σ ρ·σ·p·x / ΣB = 0.2·1·1·a / 20 = a/100, with h + a = 10
  and 3h + a ≤ 20: as much at home as the budget allows, h = 5, a = 5,
  exposure 0.05, spend 3·5 + 5 = 20: the budget is used to the full.
- One more EUR: 3h + a = 21, h + a = 10, so h = 5.5, a = 4.5: exposure falls
  by 0.5/100 = 0.005 per EUR, "0.5 points". That is the marginal value
  given, for level 3, because level 2's is 0.
- The local share, home spend 15 of 20 = 0.75, is above its 0.2 target: the
  target does not bind. With a budget of 100 the budget has slack and does not bind either.
"""

from __future__ import annotations

import pytest

from sovopt.duals import budget_meaning, localization_meaning
from tests.model_cases import countries, make_case, option, preset, scenario, solve

LEVELS = preset([{"unmet": 1}, {"cvar": 1}, {"exposure": 1}, {"cost": 1}])


def hand_case(budget: float):
    return make_case([option("RH", "SH", 3), option("RA", "SA", 1), option("RN", "SN", 1)],
                     budget=budget, local_share=0.2, country_rows=countries(risk={"A": 0.2}),
                     scenarios=[scenario("S1", "N", 1.0, 0.5)])


def test_a_spent_budget_binds_and_is_priced_for_the_first_level_it_helps() -> None:
    r = solve(hand_case(20.0), LEVELS)
    assert r.status == "optimal"
    units = r.portfolio.deliveries.groupby("option_id")["units"].sum().to_dict()
    assert units == {"RH": pytest.approx(5.0), "RA": pytest.approx(5.0)}
    duals = r.duals.set_index("constraint")
    budget = duals.loc["budget"]
    assert budget["objective"] == "level 3"
    assert budget["marginal_value"] == pytest.approx(0.005, rel=1e-6)
    assert budget["meaning"] == ("one more EUR of budget in 2027 (it binds: all of it is "
                                 "spent) would not lower level 2, but lowers level 3 by "
                                 "0.5 points")
    assert "does not bind" not in budget["meaning"]
    local = duals.loc["localization"]
    assert local["marginal_value"] == pytest.approx(0.0, abs=1e-9)
    assert local["meaning"].endswith("the target does not bind that year")


def test_a_budget_with_slack_does_not_bind() -> None:
    """Budget 100: the same plan would cost 20 at the most; 80 left over."""
    r = solve(hand_case(100.0), LEVELS)
    assert r.status == "optimal"
    budget = r.duals.set_index("constraint").loc["budget"]
    assert budget["marginal_value"] == pytest.approx(0.0, abs=1e-9)
    assert budget["meaning"] == ("one more EUR of budget in 2027 would not improve "
                                 "level 2: the budget does not bind that year")


def test_the_words_for_each_case() -> None:
    """Budget 460 EUR m: the step is 1 EUR m (1 % of it, 4.6, rounded down to a power of
    ten); a value of 0.002 per EUR m is 0.2 points."""
    assert budget_meaning(0.002, 2027, "cost", "EUR m", 460.0, binding=True,
                          primary="scenario risk") == (
        "one more EUR m of budget in 2027 (it binds: all of it is spent) would not lower "
        "scenario risk, but lowers cost by 0.2 points")
    assert budget_meaning(0.0, 2027, "scenario risk", "EUR m", 460.0, binding=True) == (
        "one more EUR m of budget in 2027 would improve no level (not scenario risk, nor "
        "any after it), though the budget binds: all of it is spent")
    assert budget_meaning(0.002, 2027, "cost", "EUR m", 460.0, binding=True) == (
        "one more EUR m of budget in 2027 (it binds: all of it is spent) lowers cost by "
        "0.2 points")
    assert budget_meaning(0.0, 2027, "cost", "EUR m", 460.0) == (
        "one more EUR m of budget in 2027 would not improve cost: the budget does not bind "
        "that year")
    assert localization_meaning(0.003, 2030, "cost", binding=True,
                                primary="scenario risk") == (
        "one point more localization target in 2030 (it binds: the local share is exactly "
        "at it) would not change scenario risk, but worsens cost by 0.3 points")
