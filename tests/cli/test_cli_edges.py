"""What a new user meets in the first hour, each reproduced through the real entry point:
one JSON object on stdout under --json (errors included, HiGHS's banner never),
validate --json, Ctrl-C recorded as interrupted with exit 130, every file the
solve will write checked before solving, lock files beside a workbook, bounded
backups, the run store found upward like git, and the run list with labelled and
unlabelled runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sovopt.solver
from sovopt.cli import main
from sovopt.errors import EXIT_CODES
from sovopt.runs import RunStore, default_store
from sovopt.workbook.into_input import KEEP_TIMESTAMPED, prune_backups
from tests.builders import BUDGET, case_workbook, hand_case

ENTRY = "from sovopt.cli import main; main()"


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def run_process(args: list[str], cwd: Path, env: dict[str, str] | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``sovopt args`` in a fresh process: the only way to see what C code (HiGHS) writes
    to file descriptor 1."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-c", ENTRY, *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def case_path(tmp_path: Path) -> Path:
    path, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    return path


def no_solve(*args, **kwargs):
    raise AssertionError("the solve started although a check should have stopped it")


# --------------------------------------------------------------------------- runs list


def test_runs_lists_labelled_and_unlabelled_runs(case_path, capsys):
    """`sovopt runs` crashed (NotRenderableError) once a store held a labelled
    and an unlabelled run: the missing label is NaN in the DataFrame."""
    assert run(["solve", str(case_path), "--label", "demo"], capsys)[0] == 0
    assert run(["solve", str(case_path)], capsys)[0] == 0
    code, out, err = run(["runs"], capsys)
    assert code == 0, err
    assert "demo" in out and "internal error" not in err
    assert "nan" not in out.lower()
    assert "2 runs in" in err


# --------------------------------------------------------------------------- --json


def test_solve_json_stdout_is_one_object_even_with_highs_banner(case_path, tmp_path):
    """HiGHS prints its banner on file descriptor 1 when a Highs instance is
    made; under --json stdout must hold the one JSON object and nothing else."""
    proc = run_process(["solve", str(case_path), "--json"], tmp_path,
                       env={"SOVOPT_STORE": str(tmp_path / "store")})
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)  # raises if anything else reached stdout
    assert summary["status"] == "optimal"
    assert proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr


def test_invalid_case_json_is_the_error_object(tmp_path):
    """On invalid input stdout was empty; now it is {"error", "exit_code",
    "problems": [{"sheet", "cell", "message"}]} naming every bad cell."""
    path, _ = case_workbook(hand_case(budget=BUDGET), tmp_path)
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb["Budget"]["B2"] = "lots"
    wb.save(path)
    proc = run_process(["solve", str(path), "--json"], tmp_path,
                       env={"SOVOPT_STORE": str(tmp_path / "store")})
    assert proc.returncode == 1
    obj = json.loads(proc.stdout)
    assert obj["exit_code"] == 1 and "error" in obj
    cells = {(p["sheet"], p["cell"]) for p in obj["problems"] if p["severity"] == "error"}
    assert ("Budget", "B2") in cells
    assert all(set(p) >= {"sheet", "cell", "message"} for p in obj["problems"])


def test_validate_json_valid_and_invalid(case_path, tmp_path, capsys):
    """`validate` had no --json: a valid case gives its counts and warnings, an invalid
    one the error object, a missing file the error object naming the file."""
    code, out, _ = run(["validate", str(case_path), "--json"], capsys)
    assert code == 0
    obj = json.loads(out)
    assert obj["valid"] is True and obj["capabilities"] == 2 and obj["years"] == 2
    code, out, _ = run(["validate", str(tmp_path / "missing.xlsx"), "--json"], capsys)
    obj = json.loads(out)
    assert code == 1 and obj["exit_code"] == 1 and "missing.xlsx" in obj["error"]


@pytest.mark.parametrize("args", [
    ["runs", "--json"],
    ["runs", "show", "r1", "--json"],
    ["template", "{tmp}/t.xlsx", "--json"],
    ["example", "{tmp}/e.txt", "--json"],
    ["stress", "{tmp}/none.xlsx", "--portfolio", "r1", "--json"],
    ["solve", "{tmp}/none.xlsx", "--json", "--time-limit", "-1"],
    ["compare", "r1", "r2", "--json"],
    ["materials", "profile", "--json"],
    ["sweep", "{tmp}/none.xlsx", "--json"],
    ["frontier", "{tmp}/none.xlsx", "--json"],
    ["no-such-command", "--json"],
])
def test_every_command_prints_exactly_one_json_object(args, tmp_path, capsys):
    """With --json, success or failure (usage errors included), stdout holds one object."""
    code, out, _ = run([a.format(tmp=tmp_path) for a in args], capsys)
    assert code in EXIT_CODES
    obj = json.loads(out)
    assert isinstance(obj, dict)
    if code != 0:
        assert obj["exit_code"] == code and obj["error"]
        assert obj["problems"] and all("message" in p for p in obj["problems"])


# --------------------------------------------------------------------------- Ctrl-C


def test_ctrl_c_exits_130_records_interrupted_and_keeps_earlier_results(
        case_path, capsys, monkeypatch, isolated_run_store):
    """Ctrl-C exited 2 (click's Abort as a usage error) and recorded the run as
    failed with "KeyboardInterrupt"; earlier results must stay byte for byte."""
    assert run(["solve", str(case_path)], capsys)[0] == 0
    results = case_path.with_name("case.results.xlsx")
    before = results.read_bytes()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sovopt.solver, "solve_case", interrupted)
    code, _, err = run(["solve", str(case_path)], capsys)
    assert code == 130
    assert "interrupted" in err and "Traceback" not in err
    assert results.read_bytes() == before
    with RunStore(isolated_run_store) as st:
        listed = st.list()
    assert listed["status"].tolist()[0] == "interrupted"
    assert listed["status"].tolist()[1] == "optimal"


# --------------------------------------------------------------------------- up-front checks


def test_unwritable_out_is_refused_before_solving(case_path, tmp_path, capsys, monkeypatch):
    """An --out that cannot be written was found only after the solve."""
    monkeypatch.setattr(sovopt.solver, "solve_case", no_solve)
    for out in (tmp_path / "no" / "such" / "r.xlsx", tmp_path, case_path.with_suffix(".txt")):
        code, _, err = run(["solve", str(case_path), "--out", str(out)], capsys)
        assert code == 2, err
        assert "--out" in err and str(out.name) in err


def test_read_only_out_folder_is_refused_before_solving(case_path, tmp_path, capsys,
                                                        monkeypatch, read_only):
    monkeypatch.setattr(sovopt.solver, "solve_case", no_solve)
    folder = tmp_path / "locked"
    folder.mkdir()
    read_only(folder)
    code, _, err = run(["solve", str(case_path), "--out", str(folder / "r.xlsx")], capsys)
    assert code == 2
    assert "cannot write there" in err


@pytest.mark.parametrize("lock", [".~lock.case.xlsx#", "~$case.xlsx", "~$se.xlsx"])
def test_into_input_refused_while_the_workbook_is_open(case_path, capsys, monkeypatch, lock):
    """A lock file beside the case (LibreOffice .~lock.NAME#, Excel ~$NAME or ~$ over the
    first two characters) stops --into-input before solving; nothing is written."""
    monkeypatch.setattr(sovopt.solver, "solve_case", no_solve)
    (case_path.parent / lock).write_text("someone,host,2026")
    before = case_path.read_bytes()
    code, _, err = run(["solve", str(case_path), "--into-input"], capsys)
    assert code == 2
    assert lock in err and "open in a spreadsheet program" in err
    assert case_path.read_bytes() == before
    assert not list(case_path.parent.glob("*.bak"))


def test_into_input_backups_are_bounded(case_path, capsys):
    """Every --into-input left another timestamped .bak, without limit; now the first
    CASE.xlsx.bak and the newest KEEP_TIMESTAMPED timestamped ones stay."""
    folder = case_path.parent
    for n in range(KEEP_TIMESTAMPED + 3):
        (folder / f"case.xlsx.20260101-0000{n:02d}.bak").write_bytes(b"old")
    (folder / "case.xlsx.bak").write_bytes(b"first")
    code, _, err = run(["solve", str(case_path), "--into-input"], capsys)
    assert code == 0, err
    stamped = sorted(p.name for p in folder.glob("case.xlsx.*.bak"))
    assert len(stamped) == KEEP_TIMESTAMPED
    assert (folder / "case.xlsx.bak").read_bytes() == b"first"
    assert "case.xlsx.20260101-000000.bak" not in stamped
    assert prune_backups(case_path) == []


def test_read_only_store_is_refused_before_solving(case_path, tmp_path, capsys, monkeypatch,
                                                   read_only):
    monkeypatch.setattr(sovopt.solver, "solve_case", no_solve)
    store = tmp_path / "ro_store"
    RunStore(store).close()
    read_only(store)
    code, _, err = run(["solve", str(case_path), "--store", str(store)], capsys)
    assert code == 1
    assert str(store) in err and "read-only" in err


# --------------------------------------------------------------------------- store discovery


def test_store_is_found_upward_like_git(case_path, tmp_path, capsys, monkeypatch):
    """The store followed the current folder (`cd sub && sovopt runs` said
    "no runs yet"); the nearest .sovopt/ in the folder or a parent is used."""
    monkeypatch.delenv("SOVOPT_STORE")
    project = tmp_path / "project"
    sub = project / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(project)
    assert default_store() == project / ".sovopt"
    assert run(["solve", str(case_path), "--label", "top"], capsys)[0] == 0
    monkeypatch.chdir(sub)
    assert default_store() == project / ".sovopt"
    code, out, err = run(["runs"], capsys)
    assert code == 0
    assert "top" in out and str(project / ".sovopt") in err


# --------------------------------------------------------------------------- stress


def _edited_portfolio(results: Path, dest: Path, start_year: int | None = None,
                      extra_units: float = 0.0) -> Path:
    """The Portfolio sheet of ``results`` with the first option's start year changed
    and ``extra_units`` more delivered in its first delivery year."""
    import openpyxl

    wb = openpyxl.load_workbook(results)
    ws = wb["Portfolio"]
    header = [c.value for c in ws[1]]
    row = 2
    if start_year is not None:
        ws.cell(row, header.index("Start year") + 1).value = start_year
    if extra_units:
        years = [j for j, h in enumerate(header) if isinstance(h, int)]
        j = next(j for j in years if ws.cell(row, j + 1).value)
        ws.cell(row, j + 1).value = ws.cell(row, j + 1).value + extra_units
    wb.save(dest)
    return dest


def test_stress_runs_are_stored_like_solves(case_path, capsys, isolated_run_store):
    """Stress runs were not stored and had another id format although
    `runs --status stress` is offered."""
    assert run(["solve", str(case_path)], capsys)[0] == 0
    results = case_path.with_name("case.results.xlsx")
    code, out, err = run(["stress", str(case_path), "--portfolio", str(results), "--json",
                          "--label", "as solved"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["status"] == "feasible"
    import re

    assert re.fullmatch(r"r\d{4}-[0-9a-f]{4}", summary["run_id"])
    code, out, err = run(["runs", "--status", "stress", "--json"], capsys)
    listed = json.loads(out)["runs"]
    assert [r["run_id"] for r in listed] == [summary["run_id"]]
    assert listed[0]["label"] == "as solved" and listed[0]["preset"] == "stress"


def test_over_delivery_is_a_surplus_not_a_broken_limit(case_path, tmp_path, capsys):
    """Delivering more than the demand was reported as "broken" like a budget
    breach. Q-DOM delivers the 4 radios asked for in 2027; 5 more make 9 (5 surplus)."""
    assert run(["solve", str(case_path), "--objective", "min_cost"], capsys)[0] == 0
    results = case_path.with_name("case.results.xlsx")
    edited = _edited_portfolio(results, tmp_path / "more.xlsx", extra_units=5)
    code, out, err = run(["stress", str(case_path), "--portfolio", str(edited), "--json"],
                         capsys)
    assert code == 0
    assert "broken" not in err
    assert "surplus" in err and "5 more than the demand" in err
    import pandas as pd

    stressed = json.loads(out)
    assert stressed["status"] == "feasible"
    diag = pd.read_excel(case_path.with_name("case.stress.xlsx"), sheet_name="Diagnostics")
    assert "surplus" in set(diag["Severity"])
    assert "violation" not in set(diag["Severity"])


@pytest.mark.parametrize("year", [1990, 2026, 2040])
def test_start_year_outside_the_horizon_is_flagged(case_path, tmp_path, capsys, year):
    """A hand-edited start_year outside the horizon 2027-2028 is a broken limit."""
    assert run(["solve", str(case_path)], capsys)[0] == 0
    results = case_path.with_name("case.results.xlsx")
    edited = _edited_portfolio(results, tmp_path / "moved.xlsx", start_year=year)
    code, _, err = run(["stress", str(case_path), "--portfolio", str(edited)], capsys)
    assert code == 5  # the portfolio breaks a limit (EXIT_VIOLATED)
    assert f"starts in {year}, outside the years it can start" in err


def test_interrupted_solve_writes_its_best_portfolio_and_exits_130(
        case_path, capsys, monkeypatch, isolated_run_store):
    """The first Ctrl-C makes solve_case return its best verified portfolio with status
    "interrupted" (the solver loop's side); the command then writes the results workbook
    with that status and the gap, records the run as interrupted and exits 130."""
    real = sovopt.solver.solve_case

    def stopped_early(*args, **kwargs):
        result = real(*args, **kwargs)
        assert result.status == "optimal"
        result.status = "interrupted"
        return result

    monkeypatch.setattr(sovopt.solver, "solve_case", stopped_early)
    code, out, err = run(["solve", str(case_path), "--json"], capsys)
    assert code == 130, err
    summary = json.loads(out)
    assert summary["status"] == "interrupted"
    assert summary["mip_gap"] is not None and summary["total_cost"] > 0
    import pandas as pd

    sheet = pd.read_excel(case_path.with_name("case.results.xlsx"), sheet_name="Summary")
    values = dict(zip(sheet.iloc[:, 0], sheet.iloc[:, 1], strict=False))
    assert "interrupted" in {str(v) for v in values.values()}
    with RunStore(isolated_run_store) as st:
        assert st.list()["status"].tolist() == ["interrupted"]
        assert st.get(summary["run_id"]).tables["portfolio"].shape[0] > 0
