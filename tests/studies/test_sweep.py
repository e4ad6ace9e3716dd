"""``sovopt sweep``: each point is the single solve of the edited workbook, in one group."""

from __future__ import annotations

import json

import openpyxl
import pytest
import yaml

from sovopt.cli import main
from sovopt.metrics import evaluate
from sovopt.presets import parse_preset
from sovopt.report import report_from_solve
from sovopt.runs import RunStore
from sovopt.solver import solve_case
from sovopt.studies.sweep import duals_in_words, sweep_tasks
from sovopt.studies.tasks import solve_report
from sovopt.variation import BadVary, apply_changes, parse_vary
from sovopt.workbook.case_reader import read_case
from tests.study_cases import (
    EXPOSURE_FIRST,
    two_capability_case,
    write_preset,
    write_two_capability_case,
)


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_budget_sweep_reproduces_single_solves_of_the_edited_workbook(tmp_path, capsys,
                                                                       isolated_run_store):
    """Exposure first, then cost, at budgets 50, 75 and 100 (two_capability_case).

    Exposure is Σ risk·price·units over the *total budget* B; spend 20 buys all
    abroad and each unit moved home costs 4, R1's units first (0.8 of risk each):
    - B = 100: everything home (spend 100): exposure 0;
    - B = 75: 55/4 = 13.75 units home: all 10 of R1, 3.75 of R2; left abroad
      6.25 units of R2: exposure 6.25·0.2/75 = 0.016667;
    - B = 50: 30/4 = 7.5 units of R1 home; left 2.5·0.8 + 10·0.2 = 4: 4/50 = 0.08.
    Spend is the whole budget each time (exposure falls with every unit moved).
    """
    case_path = write_two_capability_case(tmp_path)
    preset = write_preset(tmp_path)
    out = tmp_path / "sweep.xlsx"
    code, stdout, err = run(["sweep", str(case_path), "--vary", "budget=0.5:1:3",
                             "--objective", str(preset), "--workers", "2", "--out", str(out),
                             "--json"], capsys)
    assert code == 0, err
    doc = json.loads(stdout)
    assert doc["status"] == "complete"
    points = {p["point"]: p for p in doc["points"]}
    # the grid holds the case as given (×1), so it is solved once: 3 points, not 4
    assert [points[i]["budget (×)"] for i in range(3)] == [0.5, 0.75, 1.0]
    hand = {0: 0.08, 1: 6.25 * 0.2 / 75, 2: 0.0}
    for i, exposure in hand.items():
        assert points[i]["exposure"] == pytest.approx(exposure, abs=1e-7)
        assert points[i]["total_cost"] == pytest.approx(100 * points[i]["budget (×)"],
                                                        rel=1e-6)
    # each point equals `sovopt solve` of the workbook with the budget cell edited
    for i in (0, 1, 2):
        wb = openpyxl.load_workbook(case_path)
        wb["Budget"]["B2"] = 100.0 * points[i]["budget (×)"]
        edited = tmp_path / f"edited{i}.xlsx"
        wb.save(edited)
        case, _ = read_case(edited)
        single = solve_report(case, str(preset)).summary
        for key in ("total_cost", "exposure", "hhi_mean", "local_share"):
            assert points[i][key] == pytest.approx(single[key], rel=1e-9, abs=1e-12), key
    with RunStore(isolated_run_store) as store:
        runs = store.list(group=doc["group"])
        assert sorted(runs["point"]) == [0, 1, 2]
        assert set(runs["status"]) == {"optimal"}
        assert store.group_info(doc["group"])["status"] == "complete"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Sweep"]
    assert len(wb["Sweep"]._charts) == 1
    code, stdout, _ = run(["runs", "--group", doc["group"][:12], "--json"], capsys)
    listed = json.loads(stdout)
    assert code == 0 and [r["point"] for r in listed["runs"]] == [0, 1, 2]
    assert listed["group"]["status"] == "complete" and listed["group"]["done"] == 3
    code, stdout, _ = run(["compare", "--group", doc["group"], "--json"], capsys)
    assert code == 0 and "kpis" in json.loads(stdout)


def test_set_one_cell_and_grid(tmp_path):
    """Two --vary make the full grid after the base: 1 + 2·2 points."""
    case = two_capability_case()
    a = parse_vary("option:F1.unit_cost=1,2", case)
    b = parse_vary("budget:2027.budget=80:100:2", case)
    tasks = sweep_tasks([a, b])
    assert [t.label for t in tasks] == [
        "base", "option:F1.unit_cost=1, budget:2027.budget=80",
        "option:F1.unit_cost=1, budget:2027.budget=100",
        "option:F1.unit_cost=2, budget:2027.budget=80",
        "option:F1.unit_cost=2, budget:2027.budget=100"]
    edited = apply_changes(case, tasks[3].changes)
    assert edited.options.set_index("option_id")["unit_cost"].to_dict() == {
        "F1": 2.0, "D1": 5.0, "F2": 1.0, "D2": 5.0}
    assert edited.budget["budget"].tolist() == [80.0]
    assert case.budget["budget"].tolist() == [100.0]  # the case itself is untouched


@pytest.mark.parametrize("spec, words", [
    ("budget", "expected NAME=LO:HI:N"),
    ("budget=1:2", "expected values as LO:HI:N"),
    ("nothing=1:2:2", "no sheet has a numeric column 'nothing'"),
    ("option:NOPE.unit_cost=1:2:2", "Options has no row 'NOPE'"),
    ("option:F1.mode=1:2:2", "Options has no numeric column 'mode'"),
    ("Countries.risk_score=1:3:2", "risk_score would be 2.4"),
    ("budget=-1:1:3", "scale factor must be ≥ 0"),
])
def test_bad_vary_is_refused_with_its_reason(spec, words):
    with pytest.raises(BadVary, match=words.replace("(", r"\(").replace(".", r"\.")):
        parse_vary(spec, two_capability_case())


def test_duals_in_words():
    """Min exposure with budget 75 (see the budget sweep): one more unit of money
    moves 1/4 unit of R2 home, lowering exposure by 0.25·0.2/75 = 0.000667 = 0.0667
    points (the total budget in the denominator moves too, which the dual of the
    budget row does not see: it prices the row, not the normalisation)."""
    case = two_capability_case(budget=75.0)
    preset = parse_preset(yaml.safe_load(EXPOSURE_FIRST))
    result = solve_case(case, preset)
    report = report_from_solve(result, evaluate(result.data, result.portfolio), None)
    currency = case.settings.currency
    words = duals_in_words(report, currency)
    assert words[0].startswith("one more ") and currency in words[0] and "2027" in words[0]
    assert words[0].endswith("lowers exposure by 0.0667 points")


class _StopsAfterOne:
    """An executor whose client is stopped (Ctrl-C) after the first point comes back."""

    workers = 1

    def run(self, fn, shared, tasks, on_done):
        on_done(0, fn(shared, tasks[0]), None)
        raise KeyboardInterrupt

    def close(self):
        pass


def test_a_sweep_stopped_early_is_recorded_incomplete(isolated_run_store):
    """Three points, stopped after the first: one run recorded, the group incomplete."""
    from sovopt.studies.record import run_study

    case = two_capability_case()
    tasks = sweep_tasks([parse_vary("budget=0.5:0.75:2", case)])  # the base and two
    with RunStore(isolated_run_store) as store:
        with pytest.raises(KeyboardInterrupt):
            run_study(_StopsAfterOne(), store, "sweep", case, None, tasks, {}, "stopped")
        info = store.group_info("stopped")
        assert (info["status"], info["done"], info["total"]) == ("incomplete", 1, 3)
        assert "KeyboardInterrupt" in info["message"]
        assert store.list(group="stopped")["point"].tolist() == [0]
