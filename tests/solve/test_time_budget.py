"""The time limit is the command's (#24 item 3): how each phase is paid from it.

Not wall-clock assertions: the accounting. A TimeBudget started 3 s before the
solve (as if reading had taken 3 s) with a 12 s limit and 2 s held back for
writing leaves the solve 7 s; the marginal values' share (a tenth of the
limit, 1.2 s) is held back from the levels, not added on top; the levels'
shares add up to no more than what was left for them; and the phases recorded
are the ones the terminal and the Run sheet show.
"""

from __future__ import annotations

import time

import pytest

from sovopt.example import example_case
from sovopt.solver import solve_case
from sovopt.time_budget import (
    DUALS_SHARE,
    WRITE_BASE,
    WRITE_MAX_SHARE,
    WRITE_PER_DELIVERY,
    TimeBudget,
    level_share,
    writing_reserve,
)


def test_the_rules_side_by_side() -> None:
    """A 100 s limit started now: duals 10 s held back; the levels get 90 s; the first
    level half of it (45) however light its weight; without a portfolio all 100; a
    crash start before 3 levels a quarter (22.5); a given start half (45), at most 120;
    relax-and-fix 30 % of its level's share."""
    b = TimeBudget(100.0, started=time.monotonic())
    assert b.duals() == pytest.approx(10.0)
    assert b.for_levels() == pytest.approx(90.0, abs=0.1)
    assert b.for_level([1.0, 2.0, 1.0], first=True, have_portfolio=True) == pytest.approx(
        45.0, abs=0.1)
    assert b.for_level([1.0, 1.0], first=False, have_portfolio=True) == pytest.approx(
        45.0, abs=0.1)
    assert b.for_level([1.0, 3.0], first=False, have_portfolio=False) == pytest.approx(
        100.0, abs=0.1)  # no portfolio yet: no marginal values to hold time back for
    assert b.for_crash_start(3) == pytest.approx(22.5, abs=0.1)
    assert b.for_start() == pytest.approx(45.0, abs=0.1)
    assert TimeBudget(1000.0).for_start() == 120.0
    assert TimeBudget.for_relax_and_fix(30.0) == pytest.approx(9.0)
    assert level_share(10.0, [1.0, 4.0], first=False, have_portfolio=True) == 2.0


def test_the_writing_reserve_and_what_is_already_spent_come_off_the_limit() -> None:
    """Limit 60, started 10 s ago, 4 s held back: 46 s left; the reserve for 2,000
    delivery variables is 3 + 2,000·0.0005 = 4 s, never above a quarter of the limit."""
    b = TimeBudget(60.0, started=time.monotonic() - 10.0)
    b.hold_back(4.0)
    assert b.left() == pytest.approx(46.0, abs=0.1)
    assert b.for_levels() == pytest.approx(46.0 - DUALS_SHARE * 60.0, abs=0.1)
    assert writing_reserve(2000, 60.0) == pytest.approx(WRITE_BASE + 2000 * WRITE_PER_DELIVERY)
    assert writing_reserve(10**7, 60.0) == pytest.approx(WRITE_MAX_SHARE * 60.0)
    late = TimeBudget(5.0, started=time.monotonic() - 9.0)
    assert late.left() == 0.0 and late.for_levels() == 0.0
    assert late.for_duals() == 1.0  # at least a moment, so a note can say why not


def test_a_solve_spends_its_limit_as_accounted() -> None:
    """The example with min_dependence: 12 s limit, 3 s already spent, 2 s held back."""
    budget = TimeBudget(12.0, started=time.monotonic() - 3.0)
    budget.hold_back(2.0)
    r = solve_case(example_case(), "min_dependence", budget=budget)
    assert r.has_portfolio
    assert r.budget is budget and r.time_limit == 12.0
    for phase in ("prepare", "build", "hand_off", "solve level 2"):
        assert phase in r.timings
    given = sum(lv.seconds_given or 0.0 for lv in r.levels)
    before = sum(r.timings.get(k, 0.0) for k in ("prepare", "build", "hand_off",
                                                 "crash start"))
    # what the levels were given fits in what was left for them: 12 − 3 − 2 − duals
    assert given <= 12.0 - 3.0 - 2.0 - budget.duals() - before + 1e-6 + len(r.levels)
    if not r.duals.empty:
        assert "duals" in r.timings
    # the solve ends by its deadline (a run may pass its share by HiGHS's next check)
    assert budget.elapsed() <= 12.0 - 2.0 + 2.0
    phases = budget.phases()
    assert phases["total"] == pytest.approx(budget.elapsed(), abs=0.5)


def test_the_command_shows_how_the_limit_was_spent(tmp_path, capsys, monkeypatch) -> None:
    """`sovopt solve --time-limit 20`: the terminal's last line and the Run sheet list the
    phases, reading and the KPIs included; the marginal values are one of them, inside
    the limit."""
    import pandas as pd

    from sovopt.cli.app import main
    from tests.paths import EXAMPLE

    case = tmp_path / "case.xlsx"
    case.write_bytes(EXAMPLE.read_bytes())
    monkeypatch.setenv("SOVOPT_STORE", str(tmp_path / "store"))
    with pytest.raises(SystemExit) as exit_:
        main(["solve", str(case), "--time-limit", "20"])
    err = capsys.readouterr().err
    assert exit_.value.code == 0, err
    line = next(ln for ln in err.splitlines() if ln.startswith("time: "))
    assert "of the 20 s limit (" in line
    assert "reading the workbook" in line and "writing" in line
    run = pd.read_excel(tmp_path / "case.results.xlsx", sheet_name="Run").set_index(
        "key")["value"]
    for phase in ("read", "prepare", "build", "hand_off", "duals", "evaluate"):
        assert float(run[f"timings.{phase}"]) >= 0.0, phase


def test_the_diagnosis_pays_from_what_is_left() -> None:
    """10 units at 1 each against a budget of 5: infeasible, found by HiGHS (no precheck
    covers money). With a 30 s limit of which 5 s were spent before the solve, the
    diagnosis's HiGHS clock is at most the 25 s left, not the full limit."""
    from tests.model_cases import make_case, option

    case = make_case([option("RA", "SA", 1.0)], budget=5.0)
    budget = TimeBudget(30.0, started=time.monotonic() - 5.0)
    r = solve_case(case, "min_cost", budget=budget, gap=0.0)
    assert r.status == "infeasible" and r.diagnosis
    assert "diagnose" in r.timings
    assert r.options["time_limit"] <= 25.0
    assert r.diagnosis_options()["time_limit"] <= r.options["time_limit"]
    assert {k: v for k, v in r.diagnosis_options().items() if k != "time_limit"} == {
        k: v for k, v in r.options.items() if k != "time_limit"}
