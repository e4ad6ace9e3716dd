"""Stress tests: a portfolio read back from a results workbook, as is or edited by hand."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from sovopt.cli import main
from sovopt.errors import EXIT_VIOLATED
from sovopt.metrics import evaluate
from sovopt.outputs import rounded_summary
from sovopt.pipeline import stress_and_report
from sovopt.report import report_from_solve
from sovopt.runs import RunStore
from sovopt.solver import solve_case
from sovopt.workbook.portfolio_sheet import PortfolioError, header_key, read_portfolio
from sovopt.workbook.results import write_results
from tests.builders import Y1, Y2, case_workbook, hand_case

#: Keys of the Summary that describe the run rather than the portfolio.
RUN_KEYS = {"status", "objective", "mip_gap", "solve_seconds", "run_id", "status_detail"}


def fractional_case():
    """R in fractional units, A capped at 0.7 of R: the cheapest mix is not a round number.

    R-BUY-A (σ_A = 1, p 1) and R-LIC-B (σ_A = 0.3 here, p 2). min_cost buys as much
    from A as its cap allows: x_A + 0.3·(10 − x_A) ≤ 7 → x_A = 4/0.7 = 5.714285…
    """
    return hand_case(
        countries=[
            {"country_id": "H", "name": "Home", "tier": "home"},
            {"country_id": "A", "name": "Ally", "tier": "ally", "risk_score": 0.2,
             "max_share": 0.7},
            {"country_id": "B", "name": "Partner", "tier": "partner", "risk_score": 0.5},
        ],
        capabilities=[
            {"capability_id": "R", "name": "fuel", "unit": "kt", "criticality": 2.0,
             "integer_units": False},
            {"capability_id": "Q", "name": "radios", "criticality": 1.0},
        ],
        inputs=[{"option_id": "R-LIC-B", "input": "fuzes", "source_country_id": "A",
                 "value_share": 0.3, "critical": True}],
        budget=[{"year": Y1, "budget": 60.0}, {"year": Y2, "budget": 60.0}],
    )


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stress")
    path, case = case_workbook(fractional_case(), folder)
    result = solve_case(case, "min_cost")
    assert result.status == "optimal"
    metrics = evaluate(result.data, result.portfolio)
    report = report_from_solve(result, metrics, path)
    out = write_results(report, folder / "case.results.xlsx", case.settings.currency)
    return path, case, result, report, out


def test_the_optimum_is_fractional(solved):
    _, _, result, _, _ = solved
    units = result.portfolio.deliveries.set_index(["option_id", "year"])["units"]
    assert units[("R-BUY-A", Y1)] == pytest.approx(4 / 0.7)


def test_stress_of_the_optimised_portfolio_reproduces_the_solve(solved):
    path, case, _, report, out = solved
    portfolio = read_portfolio(out, case)
    again = stress_and_report(case, portfolio, case_path=path, source=out.name)
    metrics, again = again.metrics, again.report
    assert metrics.violations == []
    assert again.summary["status"] == "feasible" and again.summary["objective"] == "stress"
    for key, value in report.summary.items():
        if key not in RUN_KEYS:
            assert again.summary[key] == value, key  # exactly, not approximately
    for name in ("portfolio", "deliveries", "spend", "dependence", "scenarios"):
        pd.testing.assert_frame_equal(again.tables[name], report.tables[name], obj=name)
    assert again.run["portfolio_source"] == "case.results.xlsx"
    assert again.run["input_sha256"] == report.run["input_sha256"]


def _edit(out, edits: dict[tuple[str, str | int], object], delete: list[str] = ()):
    """Edit the Portfolio sheet as a planner would: cells by (option_id, column)."""
    wb = openpyxl.load_workbook(out)
    ws = wb["Portfolio"]
    header = {header_key(str(c.value)) if isinstance(c.value, str) else c.value: c.column
              for c in ws[1]}
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for (oid, column), value in edits.items():
        ws.cell(row=rows[oid], column=header[column]).value = value
    for oid in delete:
        ws.delete_rows(rows[oid])
    wb.save(out)
    return rows, header


def test_cutting_units_reports_the_demand_violation_with_its_cell(solved, tmp_path):
    path, case, result, _, out = solved
    edited = tmp_path / "edited.xlsx"
    edited.write_bytes(out.read_bytes())
    units = result.portfolio.deliveries.set_index(["option_id", "year"])["units"]
    _edit(edited, {("Q-DOM", Y2): 1})  # Q needs 4 in 2028
    outcome = stress_and_report(case, read_portfolio(edited, case))
    metrics, report = outcome.metrics, outcome.report
    assert report.summary["status"] == "violated"
    # Demand sheet: capability rows in order R (row 2), Q (row 3); 2028 is column C
    assert any(v.startswith("Demand of Q in 2028 (Demand!C3): 1 delivered, 4 required")
               for v in metrics.violations)
    diag = report.tables["diagnostics"]
    assert "Demand!C3" in diag.loc[diag["severity"] == "violation", "where"].tolist()
    assert report.summary["unmet_units"] == pytest.approx(3)
    assert units[("Q-DOM", Y2)] == 4


def test_hand_edits_start_years_text_numbers_and_deleted_rows(solved, tmp_path):
    _, case, _, _, out = solved
    edited = tmp_path / "edited.xlsx"
    edited.write_bytes(out.read_bytes())
    _edit(edited, {("Q-DOM", "start_year"): None, ("Q-DOM", Y1): " 4 ",
                   ("Q-DOM", Y2): "4"}, delete=["R-LIC-B"])
    p = read_portfolio(edited, case)
    assert "Q-DOM" not in p.starts["option_id"].tolist()
    assert "R-LIC-B" not in p.deliveries["option_id"].tolist()
    q = p.deliveries[p.deliveries["option_id"] == "Q-DOM"]
    assert q["units"].tolist() == [4.0, 4.0]
    metrics = stress_and_report(case, p).metrics
    text = "\n".join(metrics.violations)
    assert "Option Q-DOM (Options!A4) delivers 4 units in 2027 but is not started" in text
    assert "Demand of R in 2027 (Demand!B2)" in text


def test_unreadable_cells_are_all_reported_with_their_cell(solved, tmp_path):
    _, case, _, _, out = solved
    edited = tmp_path / "edited.xlsx"
    edited.write_bytes(out.read_bytes())
    rows, header = _edit(edited, {("Q-DOM", Y1): "four", ("Q-DOM", "start_year"): 2027.5,
                                  ("R-BUY-A", Y2): -1, ("R-LIC-B", "option_id"): "R-NEW"})
    col = openpyxl.utils.get_column_letter
    with pytest.raises(PortfolioError) as err:
        read_portfolio(edited, case)
    cells = {p.where for p in err.value.problems}
    assert cells == {f"Portfolio!{col(header[Y1])}{rows['Q-DOM']}",
                     f"Portfolio!{col(header['start_year'])}{rows['Q-DOM']}",
                     f"Portfolio!{col(header[Y2])}{rows['R-BUY-A']}",
                     f"Portfolio!A{rows['R-LIC-B']}"}
    assert err.value.exit_code == 1


def test_stress_command_exits_5_and_prints_json(solved, tmp_path, capsys):
    path, _, _, report, out = solved
    edited = tmp_path / "edited.xlsx"
    edited.write_bytes(out.read_bytes())
    _edit(edited, {("Q-DOM", Y2): 1})
    target = tmp_path / "stress.xlsx"
    with pytest.raises(SystemExit) as exit_:
        main(["stress", str(path), "--portfolio", str(edited), "--out", str(target),
              "--json"])
    assert exit_.value.code == EXIT_VIOLATED == 5
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["status"] == "violated" and summary["unmet_units"] == pytest.approx(3)
    assert summary["out"] == str(target)
    assert "Demand!C3" in captured.err
    assert target.exists()
    diag = pd.read_excel(target, sheet_name="Diagnostics")
    assert (diag["Severity"] == "violation").any()


def _stored(solved, tmp_path):
    """The fixture's solve recorded as run "baseline" in a new store: (store, run id)."""
    path, _, _, report, _ = solved
    store_dir = tmp_path / "store"
    with RunStore(store_dir) as store:
        run_id = store.begin(path, label="baseline")
        store.finish(run_id, report)
    return store_dir, run_id


def test_stress_a_stored_run_by_its_id(solved, tmp_path, capsys):
    path, _, _, report, _ = solved
    store_dir, run_id = _stored(solved, tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["stress", str(path), "--portfolio", run_id[:5], "--store", str(store_dir),
              "--out", str(tmp_path / "s.xlsx"), "--json"])
    assert exit_.value.code == 0
    summary = json.loads(capsys.readouterr().out)
    for key, value in rounded_summary(report.summary).items():  # as people write them
        if key not in RUN_KEYS:
            assert summary[key] == value, key
    assert summary["status"] == "feasible"


# --- the same portfolio as the start of a solve (sovopt solve --start) -------------------


def _solve_json(args: list[str], capsys) -> tuple[int, dict, str]:
    with pytest.raises(SystemExit) as exit_:
        main(["solve", *args, "--json"])
    captured = capsys.readouterr()
    return exit_.value.code, json.loads(captured.out), captured.err


@pytest.mark.parametrize("edits", [{}, {("Q-DOM", Y2): 1}], ids=["as written", "cut by hand"])
def test_a_results_workbook_starts_the_solve_at_the_same_optimum(solved, tmp_path, capsys,
                                                                 edits):
    """The optimum's own Portfolio sheet, and the same sheet with Q's units cut below
    its demand (a start that breaks a limit and must be repaired), both lead to the
    cheapest plan: x_A = 4/0.7 (see fractional_case), the fixture's cost."""
    path, _, _, report, out = solved
    start = tmp_path / "start.xlsx"
    start.write_bytes(out.read_bytes())
    if edits:
        _edit(start, edits)
    code, summary, _ = _solve_json([str(path), "--objective", "min_cost", "--start", str(start),
                                    "--out", str(tmp_path / "r.xlsx"),
                                    "--store", str(tmp_path / "store")], capsys)
    assert code == 0 and summary["status"] == "optimal"
    assert summary["total_cost"] == pytest.approx(report.summary["total_cost"], rel=1e-6)
    notes = pd.read_excel(tmp_path / "r.xlsx", sheet_name="Diagnostics")
    assert notes.astype(str).apply(lambda c: c.str.contains("given start")).any().any()


def test_a_stored_run_starts_the_solve(solved, tmp_path, capsys):
    path, _, _, report, _ = solved
    store_dir, run_id = _stored(solved, tmp_path)
    code, summary, _ = _solve_json([str(path), "--objective", "min_cost", "--start", run_id[:5],
                                    "--store", str(store_dir),
                                    "--out", str(tmp_path / "r.xlsx")], capsys)
    assert code == 0
    assert summary["total_cost"] == pytest.approx(report.summary["total_cost"], rel=1e-6)


def test_a_start_that_names_nothing_is_refused_before_the_solve(solved, tmp_path, capsys):
    path, *_ = solved
    code, summary, _ = _solve_json([str(path), "--start", "nosuchrun",
                                    "--store", str(tmp_path / "none"),
                                    "--out", str(tmp_path / "r.xlsx")], capsys)
    assert code != 0
    assert "--start nosuchrun" in json.dumps(summary)
    assert not (tmp_path / "r.xlsx").exists()
