"""``compare`` knows the gap: a KPI difference the two runs' gaps allow is marked
within the solver's tolerance; runs are named by label as well as by id."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sovopt.cli import main
from sovopt.comparison import compare
from sovopt.report import Report
from sovopt.run_names import resolve_run
from sovopt.runs import RunStore
from sovopt.studies.tasks import solve_report
from sovopt.tolerance import WITHIN, overlapping, proven_band
from tests.study_cases import two_capability_case


def _report(run_id: str, cost: float, bound: float, hhi: float) -> Report:
    """A min-cost run: its cost level proved ``bound`` (the level's units are cost over
    a budget of 200, so value cost/200 and bound bound/200)."""
    levels = pd.DataFrame([{"level": 1, "name": "cost", "status": "time_limit",
                            "value": cost / 200, "bound": bound / 200,
                            "gap": (cost - bound) / cost}])
    return Report(summary={"run_id": run_id, "status": "time_limit", "total_cost": cost,
                           "hhi_mean": hhi, "mip_gap": (cost - bound) / cost},
                  tables={"levels": levels},
                  run={"preset": {"name": "min_cost",
                                  "levels": [{"name": "cost", "terms": {"cost": 1.0}}]}})


def test_a_difference_within_the_runs_gaps_is_marked():
    """Base: cost 100, proven ≥ 90 (gap 10 %); A: cost 95, proven ≥ 93: the bands
    [90, 100] and [93, 95] overlap, so −5 cannot be told from noise. B: cost 80,
    proven ≥ 79: below 90, a real difference. Mean HHI 0.40 vs 0.42 (A): 0.02 is
    5 % of 0.40, within the gaps 10 % + 2.1 %; vs 0.60 (B): 50 %, beyond 10 % + 1.25 %."""
    base, a, b = _report("base", 100, 90, 0.40), _report("A", 95, 93, 0.42), \
        _report("B", 80, 79, 0.60)
    assert proven_band(base) == ("total_cost", pytest.approx(90.0), 100.0)
    k = compare([base, a, b]).kpis.set_index(["metric", "run_id"])
    assert k.at[("total_cost", "A"), "tolerance"] == WITHIN
    assert k.at[("total_cost", "B"), "tolerance"] == ""
    assert k.at[("hhi_mean", "A"), "tolerance"] == WITHIN
    assert k.at[("hhi_mean", "B"), "tolerance"] == ""
    assert k.at[("total_cost", "base"), "tolerance"] == ""  # no difference to mark


def test_proven_runs_differ_exactly():
    base, other = _report("base", 100, 100, 0.4), _report("A", 99.9, 99.9, 0.4)
    k = compare([base, other]).kpis.set_index(["metric", "run_id"])
    assert k.at[("total_cost", "A"), "tolerance"] == ""


def test_compare_takes_labels_and_heads_columns_by_them(isolated_run_store, capsys):
    """Least cost at budget 100 and at 50 is 20 both times (everything abroad):
    two runs labelled base and tight, named by label on the command line."""
    with RunStore(isolated_run_store) as store:
        ids = {}
        for label, budget in (("base", 100.0), ("tight", 50.0)):
            report = solve_report(two_capability_case(budget=budget), "min_cost")
            rid = store.begin(None, label, "two", {}, "min_cost")
            report.summary["run_id"] = report.run["run_id"] = rid
            report.run["label"] = label
            store.finish(rid, report)
            ids[label] = rid
        assert resolve_run(store, "tight") == (ids["tight"], None)
        assert resolve_run(store, ids["base"]) == (ids["base"], None)
    with pytest.raises(SystemExit) as exit_:
        main(["compare", "base", "tight", "--json"])
    out = capsys.readouterr()
    assert exit_.value.code == 0, out.err
    doc = json.loads(out.out)
    assert [r["run_id"] for r in doc["runs"]] == [ids["base"], ids["tight"]]
    cost = {r["run_id"]: r["value"] for r in doc["kpis"] if r["metric"] == "total_cost"}
    assert cost == pytest.approx({ids["base"]: 20.0, ids["tight"]: 20.0})
    with pytest.raises(SystemExit) as exit_:
        main(["compare", "base", "tight"])
    out = capsys.readouterr()
    assert exit_.value.code == 0, out.err
    assert "KPIs (base base)" in out.out and "tight" in out.out
    with pytest.raises(SystemExit) as exit_:
        main(["compare", "base", "nosuchlabel"])
    assert exit_.value.code != 0


def test_a_level_of_several_terms_has_its_band_in_its_own_units():
    """Scenario risk (CVaR + a tenth of the worst case) is no one KPI: its band is the
    level's own value and bound, so two sweep points of that preset whose bands
    overlap ([0.050, 0.060] and [0.055, 0.058]) cannot be told apart, while a point
    proven at [0.040, 0.040] can."""
    def run(value: float, bound: float) -> Report:
        levels = pd.DataFrame([{"level": 1, "name": "scenario risk", "status": "time_limit",
                                "value": value, "bound": bound, "gap": 0.0}])
        return Report(summary={"status": "time_limit"}, tables={"levels": levels},
                      run={"preset": {"name": "min_dependence", "levels": [
                          {"name": "unmet demand", "terms": {"unmet": 1.0}},
                          {"name": "scenario risk", "terms": {"cvar": 1.0, "worst_case": 0.1}}]}})

    a, b, c = run(0.060, 0.050), run(0.058, 0.055), run(0.040, 0.040)
    assert proven_band(a) == ("level: scenario risk", 0.050, 0.060)
    assert overlapping(proven_band(a), proven_band(b))
    assert not overlapping(proven_band(a), proven_band(c))
