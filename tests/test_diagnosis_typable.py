"""A diagnosis you can type in: the Diagnostics sheet's sheet, cell, current,
needed and change columns, ``needed`` rounded in the safe direction, every listed
change typed in together makes the case feasible (the tests do exactly that and
solve again), "would become feasible if" wording, and after a budget cut the
diagnosis names the budget that was cut."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sovopt.cli import main
from sovopt.diagnose import safe_needed
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.outputs import TABLES
from tests.builders import Y1, Y2, case_workbook, hand_case

EXAMPLE = Path(__file__).resolve().parent.parent / "inputs" / "example_case.xlsx"


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def budget(b1: float, b2: float, local: float) -> list[dict]:
    return [{"year": Y1, "budget": b1, "min_local_share": local},
            {"year": Y2, "budget": b2, "min_local_share": local}]


def rel(family: str, current: float, needed: float, integer: bool = False) -> Relaxation:
    return Relaxation(family, "limit", "Budget!B2", current, needed, "", integer=integer)


def test_needed_is_rounded_in_the_safe_direction() -> None:
    """The reported case: the budget must reach 242.807; rounded to the nearest it read
    242.8 (the current value, still infeasible); rounded up it is 242.9."""
    assert fmt(242.807) == "242.8"  # the old, nearest rounding
    assert safe_needed(rel("budget", 242.8, 242.807)) == 242.9
    assert safe_needed(rel("budget", 30.0, 50.0)) == 50.0  # exact figures stay
    assert safe_needed(rel("budget", 30.0, 50.0000000001)) == 50.0  # solver noise
    assert safe_needed(rel("budget", 5000.0, 5173.32)) == 5174.0
    assert safe_needed(rel("localization", 0.6, 0.53337)) == 0.533  # falls: down
    assert safe_needed(rel("country_share", 0.35, 0.65012)) == 0.651  # rises: up
    assert safe_needed(rel("country_share", 0.35, 0.99995)) == 1.0
    assert safe_needed(rel("demand", 10.0, 6.7, integer=True)) == 6.0
    assert safe_needed(rel("supplier_capacity", 6.0, 7.2)) == 7.2
    assert safe_needed(rel("dual_sourcing", 3.0, 1.2, integer=True)) == 1.0
    assert safe_needed(rel("dual_sourcing", 0.6, 0.33337)) == 0.3333  # a minimum share


def infeasible_rows(results: Path) -> pd.DataFrame:
    diag = pd.read_excel(results, sheet_name="Diagnostics")
    diag = diag.rename(columns={q.heading(): q.key for q in TABLES["diagnostics"]})
    rows = diag[diag["severity"] == "infeasible"]
    assert not rows.empty
    return rows


def apply(case_path: Path, rows: pd.DataFrame) -> None:
    """Type every ``needed`` into its ``sheet``!``cell``, as a planner or a script would."""
    wb = openpyxl.load_workbook(case_path)
    for r in rows.itertuples():
        wb[r.sheet][r.cell] = float(r.needed)
    wb.save(case_path)


def solve_apply_resolve(case_path: Path, capsys, *extra: str) -> pd.DataFrame:
    code, _, err = run(["solve", str(case_path), *extra], capsys)
    assert code == 3, err
    assert "would become feasible" in err
    rows = infeasible_rows(case_path.with_name(case_path.stem + ".results.xlsx"))
    for r in rows.itertuples():
        assert r.message.startswith("The case would become feasible if")
        assert r.change == pytest.approx(r.needed - r.current)
        assert f"{r.sheet}!{r.cell}" == r.where
    apply(case_path, rows)
    code, _, err = run(["solve", str(case_path), *extra], capsys)
    assert code == 0, err
    return rows


@pytest.mark.parametrize("b1, b2, local, family", [
    (60.0, 20.0, 0.2, "budget"),         # 2028 spending needs 22
    (60.0, 25.0, 0.5, "localization"),   # the cheap mix is not local enough
    (60.0, 60.0, 0.6, "localization"),   # 0.593 is the most local mix there is
    (15.0, 15.0, 0.55, None),            # several limits at once
])
def test_typing_in_every_listed_change_makes_the_case_feasible(tmp_path, capsys, b1, b2,
                                                               local, family) -> None:
    path, _ = case_workbook(hand_case(budget=budget(b1, b2, local)), tmp_path)
    rows = solve_apply_resolve(path, capsys, "--objective", "min_cost", "--gap", "0")
    if family is not None:  # Budget sheet: budget in column B, min_local_share in C
        column = {"budget": "B", "localization": "C"}[family]
        assert any(r.sheet == "Budget" and r.cell.startswith(column) for r in rows.itertuples())


def test_typing_in_the_diagnosis_of_the_example_makes_it_feasible(tmp_path, capsys) -> None:
    """The example with every budget cut to a third and a 0.7 localization target."""
    path = tmp_path / "case.xlsx"
    shutil.copy(EXAMPLE, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Budget"]
    header = [c.value for c in ws[1]]
    jb, jl = header.index("budget") + 1, header.index("min_local_share") + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, jb).value is not None:
            ws.cell(r, jb).value = float(ws.cell(r, jb).value) / 3
            ws.cell(r, jl).value = 0.7
    wb.save(path)
    solve_apply_resolve(path, capsys, "--objective", "min_cost", "--time-limit", "30")


def test_after_a_budget_cut_the_diagnosis_names_the_cut_budget(tmp_path, capsys) -> None:
    """Solved with budgets 60/60 and a 0.5 localization target; then Budget 2028 is cut
    to 25. Alone, the elastic diagnosis finds lowering the 2028 target to 0.48 the
    cheaper repair and never mentions the budget; after the cut it names Budget 2028:
    26 is enough (by hand: the 0.5-local mix of 2028 costs 26)."""
    path, _ = case_workbook(hand_case(budget=budget(60.0, 60.0, 0.5)), tmp_path)
    code, _, err = run(["solve", str(path), "--objective", "min_cost", "--gap", "0"], capsys)
    assert code == 0, err
    wb = openpyxl.load_workbook(path)
    ws = wb["Budget"]
    ws["B3"] = 25.0
    wb.save(path)
    code, _, err = run(["solve", str(path), "--objective", "min_cost", "--gap", "0"], capsys)
    assert code == 3
    rows = infeasible_rows(path.with_name("case.results.xlsx"))
    cut = rows[(rows["sheet"] == "Budget") & (rows["cell"] == "B3")]
    assert len(cut) == 1, rows
    assert cut["current"].iloc[0] == 25.0 and cut["needed"].iloc[0] == 26.0
    assert "changed since run r0001" in cut["message"].iloc[0]
    assert "was 60" in cut["message"].iloc[0]
    apply(path, rows)
    assert run(["solve", str(path), "--objective", "min_cost", "--gap", "0"], capsys)[0] == 0


def test_the_largest_criticality_still_blames_the_budget(tmp_path, capsys) -> None:
    """A huge criticality made the diagnosis blame Demand; criticality is now bounded
    (1000 at most, the schema's sanity bound) and at that bound the budget cut of the
    first test (2028 needs 22, has 20) is still what the diagnosis names."""
    from sovopt.schema import sheet as schema_sheet

    bound = schema_sheet("Capabilities").column("criticality").bound
    assert bound == 1000
    caps = [{"capability_id": "R", "name": "rounds", "criticality": bound},
            {"capability_id": "Q", "name": "radios", "criticality": bound}]
    path, _ = case_workbook(hand_case(budget=budget(60.0, 20.0, 0.2), capabilities=caps),
                            tmp_path)
    rows = solve_apply_resolve(path, capsys, "--objective", "min_cost", "--gap", "0")
    assert set(rows["sheet"]) == {"Budget"}
    wb = openpyxl.load_workbook(path)
    wb["Capabilities"]["D2"] = 1e300
    wb.save(path)
    code, _, err = run(["validate", str(path)], capsys)
    assert code == 1 and "Capabilities!D2" in err
