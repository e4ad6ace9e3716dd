"""``sovopt.solver`` gives what ``sovopt solve`` gives, and a stored API run is a run
like any other (``sovopt runs`` lists it, ``sovopt.open_store`` reads it back).

The case is the metrics hand case with a budget of 60 a year
(:func:`tests.builders.hand_case`), which HiGHS solves to proven optimality in
well under a second: both runs must report the same optimum."""

from __future__ import annotations

import json
import math

import pytest

import sovopt
from sovopt.cli import main
from sovopt.outputs import SUMMARY_KEYS, rounded_summary
from tests.builders import BUDGET, case_workbook, hand_case


def cli(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    return exit_.value.code, capsys.readouterr().out


@pytest.fixture(scope="module")
def case_path(tmp_path_factory):
    path, _ = case_workbook(hand_case(budget=BUDGET), tmp_path_factory.mktemp("case"))
    return path


def test_api_summary_is_the_cli_json(case_path, tmp_path, capsys):
    store = tmp_path / "store"
    code, out = cli(["solve", str(case_path), "--json", "--store", str(store),
                     "--out", str(tmp_path / "cli.results.xlsx")], capsys)
    assert code == 0
    by_cli = json.loads(out)
    result = sovopt.solve(sovopt.read_case(case_path), store=store, label="from python")
    summary = result.summary
    # --json: the Summary rounded as people write it, then the workbook written and the
    # diagnosis (none: the case is feasible)
    assert list(summary.index) == list(SUMMARY_KEYS) == list(by_cli)[:-2]
    assert list(by_cli)[-2:] == ["out", "diagnosis"] and by_cli["diagnosis"] == []
    assert result.status == by_cli["status"] == "optimal"
    gap = max(summary["mip_gap"], 1e-9)
    # the level objectives agree within the solver's gap; both are proven optimal
    cli_levels = sovopt.open_store(store).result(by_cli["run_id"]).levels
    assert cli_levels["name"].tolist() == result.levels["name"].tolist()
    assert cli_levels["status"].tolist() == result.levels["status"].tolist()
    solved = cli_levels["status"] == "optimal"
    assert solved.sum() >= 2  # unmet demand is skipped (the case allows none)
    for a, b in zip(cli_levels["value"][solved], result.levels["value"][solved], strict=True):
        assert b == pytest.approx(a, rel=gap, abs=1e-9)
    rounded = rounded_summary(dict(summary))
    for key in SUMMARY_KEYS:
        if key not in ("run_id", "solve_seconds"):
            assert rounded[key] == by_cli[key], key
    assert result.status_detail == by_cli["status_detail"]
    assert summary["budget_total"] == 120.0  # 60 + 60, by hand


def test_stored_api_run_appears_in_sovopt_runs(case_path, tmp_path, capsys):
    store = tmp_path / "store"
    result = sovopt.solve(sovopt.read_case(case_path), store=store, label="api run")
    assert result.run_id is not None and result.run_id.startswith("r0001")
    code, out = cli(["runs", "--json", "--store", str(store)], capsys)
    assert code in (0, None)
    listed = json.loads(out)["runs"]
    assert [(r["run_id"], r["label"], r["status"]) for r in listed] == \
        [(result.run_id, "api run", "optimal")]
    assert listed[0]["total_cost"] == pytest.approx(result.summary["total_cost"])
    assert listed[0]["input_name"] == "case.xlsx"
    # read back: the same Summary and tables as the fresh Result
    back = sovopt.open_store(store).result(result.run_id)
    assert back.summary["total_cost"] == result.summary["total_cost"]
    assert back.portfolio.equals(result.portfolio)
    # the stored input is the case itself: `sovopt runs export --input` gives a workbook
    # that reads back to the same options
    data = sovopt.open_store(store).input_bytes(result.run_id)
    again = tmp_path / "again.xlsx"
    again.write_bytes(data)
    assert sovopt.read_case(again).options["option_id"].tolist() == \
        hand_case().options["option_id"].tolist()


def test_store_runs_table_and_compare(case_path, tmp_path):
    """Two stored runs: as given, and with a budget of 0.9 x 60 = 54 a year."""
    store = sovopt.open_store(tmp_path / "store")
    case = sovopt.read_case(case_path)
    base = sovopt.solve(case, store=store, label="base")
    tight = sovopt.solve(case.scaled("budget", 0.9), store=store, label="tight")
    runs = store.runs()
    assert runs["label"].tolist() == ["tight", "base"]  # newest first
    assert runs.set_index("label").at["tight", "budget_total"] == pytest.approx(108.0)
    assert "total_cost" in runs.columns and "cvar" in runs.columns
    assert store.runs(label="tig")["run_id"].tolist() == [tight.run_id]
    spend = store.table("spend")
    assert spend.columns[0] == "run_id"
    assert set(spend["run_id"]) == {base.run_id, tight.run_id}
    for r in (base, tight):
        part = spend[spend["run_id"] == r.run_id]
        assert part["amount"].sum() == pytest.approx(r.summary["total_cost"])
    one = store.table("portfolio", runs=[base.run_id])
    assert set(one["run_id"]) == {base.run_id}
    kpis = sovopt.compare([base.run_id, tight.run_id], store=store)
    row = kpis[(kpis["metric"] == "budget_total") & (kpis["run_id"] == tight.run_id)]
    assert row["delta"].iloc[0] == pytest.approx(-12.0)
    assert row["delta_pct"].iloc[0] == pytest.approx(-0.1)
    inputs = sovopt.compare([base, tight], table="inputs")
    changed = inputs[inputs["sheet"] == "Budget"]
    assert len(changed) == 2  # both years' budget cells, 60 -> 54
    with pytest.raises(sovopt.SovoptError, match="expected one of"):
        sovopt.compare([base, tight], table="nope")


def test_infeasible_case_has_a_diagnosis():
    """A budget of 1 a year cannot buy 14 units of demand a year at unit costs >= 1."""
    tiny = [{"year": y, "budget": 1.0, "min_local_share": 0.0} for y in (2027, 2028)]
    result = sovopt.solve(hand_case(budget=tiny))
    assert result.status == "infeasible"
    diag = result.diagnosis
    assert len(diag) >= 1
    assert set(diag["sheet"]) <= {"Budget", "Demand", "Capabilities", "Options",
                                  "Countries", "Suppliers", "Settings"}
    assert (diag["needed"] != diag["current"]).all()
    assert math.isnan(result.summary["total_cost"] or math.nan)
    with pytest.raises(sovopt.SovoptError, match="no plan"):
        result.as_portfolio()


def test_stress_of_a_solved_plan_reports_the_same_kpis(case_path):
    case = sovopt.read_case(case_path)
    solved = sovopt.solve(case)
    stressed = sovopt.stress(case, solved)
    assert stressed.status == "feasible"
    for key in ("total_cost", "local_share", "cvar", "exposure"):
        assert stressed.summary[key] == pytest.approx(solved.summary[key], abs=1e-9)
    # a solve started from that plan finds the same optimum
    again = sovopt.solve(case, start=solved)
    assert again.status == "optimal"
    assert again.summary["total_cost"] == pytest.approx(solved.summary["total_cost"])
    # the same plan against a halved budget breaks the budget: every violation named
    halved = sovopt.stress(case.scaled("budget", 0.5), solved)
    assert halved.status == "violated"
    where = halved.tables["diagnostics"]
    assert where[where["severity"] == "violation"]["where"].str.startswith("Budget").any()


@pytest.mark.parametrize(("error", "status", "message"), [
    (RuntimeError("the solver broke"), "failed", "RuntimeError: the solver broke"),
    (KeyboardInterrupt(), "interrupted", "stopped by Ctrl-C before a portfolio was verified"),
])
def test_a_stored_solve_that_fails_is_recorded(tmp_path, monkeypatch, error, status, message):
    """As ``sovopt solve`` records it: the run stays in the store, failed or interrupted."""
    import sovopt.pipeline

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(sovopt.pipeline, "solve_and_report", broken)
    with pytest.raises(type(error)):
        sovopt.solve(hand_case(budget=BUDGET), store=tmp_path / "store", label="doomed")
    runs = sovopt.open_store(tmp_path / "store").runs()
    assert runs[["label", "status", "message"]].values.tolist() == [["doomed", status, message]]
