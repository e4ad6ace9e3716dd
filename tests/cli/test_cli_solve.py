"""``sovopt solve``: results workbook, --json, --into-input, --label, exit codes 0/2/3/4."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

import sovopt.solver
from sovopt.cli import main
from sovopt.outputs import SUMMARY_KEYS
from sovopt.solver import solve_case
from tests.builders import BUDGET, Y1, Y2, case_workbook, hand_case


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


@pytest.fixture
def case_path(tmp_path):
    path, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    return path


def test_json_is_the_only_stdout_and_has_every_key(case_path, capsys):
    code, out, err = run(["solve", str(case_path), "--json", "--label", "baseline"], capsys)
    assert code == 0
    summary = json.loads(out)  # exactly one JSON object, nothing else
    assert list(summary) == [*SUMMARY_KEYS, "out", "diagnosis"]
    assert summary["out"] == str(case_path.with_name("case.results.xlsx"))
    assert summary["diagnosis"] == []
    assert summary["status"] == "optimal"
    for key in ("total_cost", "budget_total", "local_share", "exposure", "hhi_mean",
                "cvar", "unmet_units", "mip_gap", "solve_seconds"):
        assert isinstance(summary[key], float), key
    assert summary["budget_total"] == 120.0
    assert "Summary" in err and "results:" in err
    results = case_path.with_name("case.results.xlsx")
    assert results.exists()
    run_sheet = pd.read_excel(results, sheet_name="Run").set_index("key")["value"]
    assert run_sheet["label"] == "baseline"
    assert run_sheet["input_file"] == "case.xlsx"
    assert len(run_sheet["input_sha256"]) == 64


def test_into_input_and_out(case_path, tmp_path, capsys):
    out = tmp_path / "elsewhere.xlsx"
    code, stdout, err = run(["solve", str(case_path), "--out", str(out), "--into-input"],
                            capsys)
    assert code == 0 and stdout == ""
    assert out.exists() and not case_path.with_name("case.results.xlsx").exists()
    assert case_path.with_name("case.xlsx.bak").exists()
    assert "Result Summary" in openpyxl.load_workbook(case_path).sheetnames


def test_out_must_not_be_the_case(case_path, capsys):
    before = case_path.read_bytes()
    code, _, err = run(["solve", str(case_path), "--out", str(case_path)], capsys)
    assert code == 2 and "--into-input" in err
    assert case_path.read_bytes() == before


def test_infeasible_writes_the_diagnosis_and_exits_3(tmp_path, capsys):
    tight = [{"year": Y1, "budget": 10.0}, {"year": Y2, "budget": 60.0}]
    path, _ = case_workbook(hand_case(budget=tight), tmp_path)
    code, out, err = run(["solve", str(path), "--json"], capsys)
    assert code == 3
    summary = json.loads(out)
    assert summary["status"] == "infeasible"
    assert summary["out"] == str(path.with_name("case.results.xlsx"))
    assert "would become feasible if Budget 2027 (Budget!B2) rose" in err
    assert [(c["sheet"], c["cell"], c["current"]) for c in summary["diagnosis"]
            if c["cell"] == "B2"] == [("Budget", "B2", 10.0)]
    assert all(c["needed"] - c["current"] == pytest.approx(c["change"])
               for c in summary["diagnosis"])
    diag = pd.read_excel(path.with_name("case.results.xlsx"), sheet_name="Diagnostics")
    assert "Budget!B2" in diag.loc[diag["Severity"] == "infeasible", "Where"].tolist()


def test_no_solution_writes_nothing_and_exits_4(case_path, capsys, monkeypatch):
    results = case_path.with_name("case.results.xlsx")
    results.write_bytes(b"earlier results")

    def no_solution(*args, **kwargs):
        result = solve_case(*args, **kwargs)
        result.status = "no_solution"
        return result

    monkeypatch.setattr(sovopt.solver, "solve_case", no_solution)
    code, out, err = run(["solve", str(case_path), "--json"], capsys)
    assert code == 4
    assert json.loads(out)["status"] == "no_solution"
    assert "nothing was written" in err
    assert results.read_bytes() == b"earlier results"
    assert not case_path.with_name("case.xlsx.bak").exists()


def test_progress_names_phases_and_levels(case_path, capsys):
    _, _, err = run(["solve", str(case_path)], capsys)
    assert "preparing the data" in err
    assert "solving level 2/4: scenario risk" in err
    assert " s] " in err  # elapsed time on every line when stderr is not a terminal
