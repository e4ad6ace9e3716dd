"""The benchmark: generated cases are valid, match their size and solve; the driver runs.

Timings are never asserted: they depend on the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import SIZES, case_counts, generate_case, write_case
from sovopt.prepare import prepare
from sovopt.solver import solve_case
from sovopt.workbook.case_reader import read_case

REPO = Path(__file__).resolve().parent.parent

#: how far the counts of a generated case may be from its size's spec
TOLERANCE = 0.05


def _read(path: Path):
    return read_case(path)


@pytest.mark.parametrize("size", ["S", "M"])
def test_generated_case_reads_back_without_errors_and_matches_its_size(size, tmp_path):
    path = tmp_path / f"{size}.xlsx"
    write_case(size, path, seed=0)
    case, warnings = _read(path)  # raises InvalidCase on any error
    assert warnings == []
    spec = SIZES[size]
    counts = case_counts(case)
    for key in ("capabilities", "countries", "suppliers", "years", "scenarios"):
        assert counts[key] == getattr(spec, key), key
    assert abs(counts["options"] - spec.options) <= TOLERANCE * spec.options
    assert counts["inputs"] > 0
    # the same tables as the generator's, up to the workbook row numbers
    generated = generate_case(size, seed=0)
    assert case.options["option_id"].tolist() == generated.options["option_id"].tolist()
    assert case.budget["budget"].tolist() == pytest.approx(generated.budget["budget"].tolist())


def test_small_size_has_every_tier_and_the_features_that_make_it_non_trivial():
    case = generate_case("S", seed=0)
    assert set(case.countries["tier"]) == {"home", "ally", "partner", "neutral", "adversary",
                                           "prohibited"}
    assert case.options["lead_time_years"].between(0, 4).all()
    assert (case.capabilities["min_suppliers"] == 2).any()
    assert case.suppliers["capacity_per_year"].notna().any()
    assert case.inputs["critical"].any() and (~case.inputs["critical"]).any()
    assert case.inputs["source_country_id"].nunique() >= 3
    assert (case.budget["min_local_share"] > 0).any()
    assert case.scenarios.groupby("scenario_id").size().max() == 2  # a blockade of two
    assert case.scenarios["to_year"].eq(case.settings.last_year).any()  # sanctions


def test_generation_is_seeded():
    a, b, c = generate_case("M", 3), generate_case("M", 3), generate_case("M", 4)
    assert a.options.equals(b.options) and a.inputs.equals(b.inputs)
    assert not a.options["unit_cost"].equals(c.options["unit_cost"])


def test_value_origin_is_complete_and_no_demand_is_out_of_reach():
    case = generate_case("M", seed=1)
    d = prepare(case)
    total = d.origin.groupby("option_id")["share"].sum()
    assert total.to_numpy() == pytest.approx(1.0)
    reach = d.deliveries.groupby(["capability_id", "year"])["cap"].sum()
    dem = d.demand.set_index(["capability_id", "year"])["demand"]
    assert (reach.reindex(dem.index).fillna(0) >= dem - 1e-9).all()
    assert 0 < len(d.excluded) < 0.05 * len(case.options)


def test_small_case_solves_feasibly():
    result = solve_case(generate_case("S", seed=0), "min_dependence", time_limit=60, gap=0.05)
    assert result.status in ("optimal", "feasible")
    assert len(result.portfolio.starts) > 0


def test_cheapest_plan_is_feasible_too():
    result = solve_case(generate_case("S", seed=2), "min_cost", time_limit=60, gap=0.05)
    assert result.status in ("optimal", "feasible")


def test_bench_command_runs_on_the_small_size(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--sizes", "S", "--repeat", "1", "--time-limit", "60",
         "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "== S:" in proc.stdout
    for phase in ("prepare", "build", "hand_off", "solve level", "end to end"):
        assert phase in proc.stdout
    assert "Budgets:" in proc.stdout
    latest = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    entry = latest["sizes"]["S"]
    assert "error" not in entry["summary"]
    assert entry["summary"]["status"] in ("optimal", "feasible")
    assert entry["summary"]["stats"]["variables"] > 0
    assert list(out.glob("bench-*.json"))


def test_size_r_has_few_genuinely_different_options_in_every_mode():
    """R is a ministry's plan: 40 capabilities, about 300 options, 15 years, 10
    scenarios; every capability has 5-10 options covering all four modes, each
    from a different supplier (not many near-identical imports as in M and L)."""
    case = generate_case("R", seed=0)
    counts = case_counts(case)
    assert (counts["capabilities"], counts["years"], counts["scenarios"]) == (40, 15, 10)
    assert abs(counts["options"] - 300) <= TOLERANCE * 300
    per_cap = case.options.groupby("capability_id")
    assert per_cap.size().between(5, 10).all()
    assert (per_cap["mode"].nunique() == 4).all()
    assert (per_cap["supplier_id"].nunique() == per_cap.size()).all()
    result = solve_case(case, "min_cost", time_limit=60, gap=0.05)
    assert result.status in ("optimal", "feasible")


def test_contract_formulation_has_the_same_optimum_as_sovopts_level(tmp_path):
    """The second yardstick writes docs/FORMULATION.md's rows literally (dense running
    sums, every tangent, every shortfall row); its optimum of the scenario-risk
    level must equal sovopt's reformulated one, both solved to a zero gap, on the
    generated S case (the example case gives 0.0781167 in both)."""
    import highspy

    from bench.contract import write_contract_level

    case = generate_case("S", seed=0)
    mps = tmp_path / "contract.mps"
    model = write_contract_level(case, "min_dependence", mps)
    assert model["level"] == "scenario risk"
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(mps))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("time_limit", 120.0)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    ours = solve_case(case, "min_dependence", time_limit=120, gap=0.0)
    level = next(lv for lv in ours.levels if lv.name == "scenario risk")
    assert level.status == "optimal"
    # equal up to HiGHS's default absolute gap (1e-6 of sovopt's scaled objective)
    assert h.getInfo().objective_function_value == pytest.approx(level.value, rel=1e-4)


def test_build_only_child_builds_and_hands_off_without_solving(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    out = tmp_path / "rec.json"
    subprocess.run([sys.executable, "-m", "bench.child", "pipeline", "--size", "S",
                    "--build-only", "--mps", str(tmp_path / "x.mps"), "--time-limit", "10",
                    "--gap", "0.01", "--json", str(out)],
                   cwd=REPO, env=env, check=True, timeout=300, capture_output=True)
    rec = json.loads(out.read_text(encoding="utf-8"))
    assert rec["status"] == "built" and rec["levels"] == []
    assert set(rec["timings"]) == {"prepare", "build", "hand_off"}
    assert rec["stats"]["constraints"] > 0 and not (tmp_path / "x.mps").exists()


def test_the_first_portfolio_is_the_end_of_a_start_the_solve_used():
    """A constructive start that the solve used (its note says so) is a verified
    portfolio when its phase ends, before HiGHS reports any incumbent: hand-off ends
    at 10 s, the start at 10 + 112 = 122 s, the first incumbent at 200 s, so the first
    portfolio is 112 s after the hand-off; without the note it is the incumbent's 190 s."""
    from types import SimpleNamespace

    from bench.child import first_portfolio

    events = [(0.0, 0.0, "prepare"), (7.0, 7.0, "hand_off"), (10.0, 10.0, "constructive start"),
              (122.0, 180.0, "solve level 2"),
              (200.0, 260.0, "level 2 scenario risk: improved, best 0.03, 78 s")]
    timings = {"hand_off": 3.0, "constructive start": 112.0, "solve level 2": 90.0}
    levels = [SimpleNamespace(value=None), SimpleNamespace(value=0.03)]
    used = ["The portfolio built capability by capability (26 blocks, 111.6 s) was used as "
            "the first MIP start (start completed)."]
    assert first_portfolio(events, timings, levels, used) == pytest.approx(112.0)
    assert first_portfolio(events, timings, levels, []) == pytest.approx(190.0)


def test_a_crash_start_the_first_level_began_from_is_the_first_portfolio():
    """The cost-only crash start is verified before use: hand-off ends at 10 s, the
    crash start at 10 + 9 = 19 s, the level that began from it reports its first plan
    at 40 s, so the first portfolio is 9 s after the hand-off."""
    from types import SimpleNamespace

    from bench.child import first_portfolio

    events = [(7.0, 7.0, "hand_off"), (10.0, 10.0, "crash start"),
              (19.0, 25.0, "solve level 2"),
              (40.0, 50.0, "level 2 scenario risk: improved, best 0.03, 21 s")]
    timings = {"hand_off": 3.0, "crash start": 9.0, "solve level 2": 30.0}
    levels = [SimpleNamespace(value=None, method=""),
              SimpleNamespace(value=0.03, method="MIP from the crash start")]
    assert first_portfolio(events, timings, levels, []) == pytest.approx(9.0)


def test_seconds_to_a_proven_gap_from_the_level_heartbeats():
    """Level 2 begins at 10 s; its heartbeats say 12 %, 4.5 %, then 0.9 %: 5 % is
    reached 5 s in, 1 % 10 s in. Level 3's heartbeats never reach 1 %, but it ended
    at 0.5 % (a bound from another method): its end counts. Level 1 never got there."""
    from types import SimpleNamespace

    from bench.child import seconds_to_gap

    events = [(1.0, 0.0, "solve level 1"), (3.0, 0.0, "level 1 cvar: improved, best 1, "
                                                     "bound 0.5, gap 50.00%, 2 s"),
              (10.0, 0.0, "solve level 2"),
              (12.0, 0.0, "level 2 exposure: improved, best 2, bound 1.76, gap 12.00%, 2 s"),
              (15.0, 0.0, "level 2 exposure: working, best 2, bound 1.91, gap 4.50%, 5 s"),
              (20.0, 0.0, "level 2 exposure: working, best 2, bound 1.982, gap 0.90%, 10 s"),
              (30.0, 0.0, "solve level 3"),
              (31.0, 0.0, "level 3 cost: improved, best 1, bound 0.97, gap 3.00%, 1 s")]
    one = SimpleNamespace(value=1.0, gap=0.5, seconds=9.0)
    two = SimpleNamespace(value=2.0, gap=0.009, seconds=12.0)
    three = SimpleNamespace(value=1.0, gap=0.005, seconds=6.5)
    assert seconds_to_gap(events, 2, two, 0.05) == pytest.approx(5.0)
    assert seconds_to_gap(events, 2, two, 0.01) == pytest.approx(10.0)
    assert seconds_to_gap(events, 3, three, 0.05) == pytest.approx(1.0)
    assert seconds_to_gap(events, 3, three, 0.01) == pytest.approx(6.5)
    assert seconds_to_gap(events, 1, one, 0.05) is None


def test_best_known_compares_only_where_its_plan_is_open_to_the_run():
    """Level 1 compares like for like. Level 2 compares when the run held level 1 at
    least as loosely as the best known run (its plan then meets the run's hold):
    1 % above 0.20 is 0.202. Held tighter, no comparison. A new file's better level 2
    replaces the old one only when found under a hold as tight or tighter."""
    from bench.best_known import against, merge

    best = {"how": "a", "levels": [
        {"name": "risk", "value": 0.10, "held": []},
        {"name": "exposure", "value": 0.20, "held": [0.10]}]}
    looser = against([{"name": "risk", "value": 0.11}, {"name": "exposure", "value": 0.202}],
                     best)
    assert looser[0]["above"] == pytest.approx(0.1)
    assert looser[1]["above"] == pytest.approx(0.01)
    tighter = against([{"name": "risk", "value": 0.09}, {"name": "exposure", "value": 0.3}],
                      best)
    assert "above" not in tighter[1] and "tighter" in tighter[1]["why"]
    assert against([{"name": "risk", "value": 1.0}], None)[0]["why"] == "no best known"
    new_tight = {"how": "b", "levels": [{"name": "risk", "value": 0.10, "held": []},
                                        {"name": "exposure", "value": 0.19, "held": [0.10]}]}
    merged = merge(best, new_tight)
    assert [lv["value"] for lv in merged["levels"]] == [0.10, 0.19]
    assert merged["levels"][1]["how"] == "b" and merged["levels"][1]["held"] == [0.10]
    new_loose = {"how": "c", "levels": [{"name": "risk", "value": 0.12, "held": []},
                                        {"name": "exposure", "value": 0.15, "held": [0.12]}]}
    assert [lv["value"] for lv in merge(best, new_loose)["levels"]] == [0.10, 0.20]


def test_a_frontiers_points_are_compared_with_the_best_known_plan_at_their_bound():
    """Known plans (measure, cost): (1, 100), (2, 60), (3, 50), and (2.5, 70), which
    (2, 60) dominates and the merge drops. A point with bound 2.2, measure 1.9 and cost
    61: the best known at 2.2 is 60, so 1/60 = 1.67 % above, within 2 %, and no known
    plan dominates it (less dependence than (2, 60)). A point with bound 3.5 and
    measure 2.9 costing 55: best known at 3.5 is 50, 10 % above, and (3, 50) does not
    dominate it (more dependence), but (2, 60) does not either (dearer); a point at
    measure 3.2 costing 55 is dominated by (3, 50). The least-cost end has no bound
    (best 50); the least-dependence end at measure 1.01 costing 99 is 1 % above the
    least known measure 1 and 1 % below the best known cost at its own measure. A
    bound below every known plan is not compared. Two points of one frontier, (1.9,
    61) and (2.0, 61.5): the second is dominated by the first, so the budget fails
    although both are within 2.5 % of the best known."""
    from bench.best_frontier import against, best_at, dominated_within, merge, verdict

    plans = merge([{"measure": 2.5, "cost": 70.0}, {"measure": 1.0, "cost": 100.0},
                   {"measure": 2.0, "cost": 60.0}, {"measure": 3.0, "cost": 50.0},
                   {"measure": 3.0, "cost": 50.0}])
    assert [(p["measure"], p["cost"]) for p in plans] == [(1.0, 100.0), (2.0, 60.0),
                                                          (3.0, 50.0)]
    assert best_at(plans, 2.2)["cost"] == 60.0 and best_at(plans, 0.5) is None

    def point(k, role, level, measure, cost):
        return {"point": k, "role": role, "measure_level": level, "measure": measure,
                "cost": cost}

    rows = against([point(0, "least cost", None, 3.0, 50.0),
                    point(1, "level 1", 2.2, 1.9, 61.0),
                    point(2, "least cvar", None, 1.01, 99.0)], plans)
    assert [r["above"] for r in rows] == pytest.approx([0.0, 1 / 60, -0.01])
    assert rows[0]["bound"] is None and rows[1]["bound"] == 2.2
    assert rows[2]["measure_above"] == pytest.approx(0.01)
    table = [point(0, "least cost", None, 3.0, 50.0), point(1, "level 1", 2.2, 1.9, 61.0),
             point(2, "least cvar", None, 1.01, 99.0)]
    assert not any(r["beaten"] for r in rows)
    ok, text = verdict(rows, table)
    assert ok and "point 1" in text
    far = against([point(3, "level 3", 3.5, 2.9, 55.0), point(4, "level 4", 3.5, 3.2, 55.0),
                   point(5, "level 5", 0.5, 0.5, 500.0)], plans)
    assert far[0]["above"] == pytest.approx(0.1) and not far[0]["beaten"]
    assert far[1]["beaten"]
    assert far[2]["why"] == "no known plan within the bound"
    assert not verdict(far, [])[0]
    # within the frontier: a point at more dependence and more cost than another
    # is dominated; the budget fails on it even when every point is near the best
    twins = [point(6, "level 6", 2.2, 1.9, 61.0), point(7, "level 7", 2.3, 2.0, 61.5)]
    near = against(twins, plans)
    assert all(r["above"] <= 0.026 for r in near)
    assert dominated_within(twins) == [7]
    assert not verdict(near, twins)[0] and "within the frontier: [7]" in verdict(near, twins)[1]
