"""Comparing runs: KPI deltas, option changes, spend shifts, dependence, input
cell differences, and the comparison workbook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from sovopt.comparison import compare, diff_workbooks, spend_shift_by_country
from sovopt.workbook.compare_sheets import write_comparison
from tests.builders import base_and_other, comparison_case_bytes, make_report
from tests.libreoffice import convert_to_pdf, needs_libreoffice


def kpi(comparison, metric: str, run_id: str, column: str = "delta") -> float:
    k = comparison.kpis
    return float(k.loc[(k["metric"] == metric) & (k["run_id"] == run_id), column].iloc[0])


def test_kpi_deltas_against_the_base() -> None:
    base, other = base_and_other()
    c = compare([base, other])
    assert c.run_ids == ["r0001-aaaa", "r0002-bbbb"] and c.base == "r0001-aaaa"
    assert kpi(c, "budget_total", "r0002-bbbb") == 200.0
    assert kpi(c, "budget_total", "r0002-bbbb", "delta_pct") == pytest.approx(0.2)
    assert kpi(c, "total_cost", "r0002-bbbb") == 70.0  # 310 - 240
    assert kpi(c, "total_cost", "r0002-bbbb", "value") == 310.0
    assert kpi(c, "local_share", "r0002-bbbb") == pytest.approx(0.1)
    assert kpi(c, "hhi_max", "r0002-bbbb") == pytest.approx(-0.2)
    assert kpi(c, "total_cost", "r0001-aaaa") == 0.0
    assert kpi(c, "unmet_units", "r0002-bbbb") == 0.0
    assert pd.isna(kpi(c, "unmet_units", "r0002-bbbb", "delta_pct"))  # base is 0
    assert set(c.kpis["metric"]) == {  # objective is the preset's name: in c.runs
        "total_cost", "budget_total", "local_share", "exposure", "hhi_mean",
        "hhi_max", "max_country_share", "expected_shortfall", "worst_case_shortfall", "cvar",
        "unmet_units", "mip_gap", "solve_seconds"}
    assert len(c.kpis) == 2 * 13
    assert c.runs["base"].tolist() == [True, False]
    assert c.runs["objective"].tolist() == ["min_dependence", "min_dependence"]
    assert c.runs["input_name"].tolist() == ["case.xlsx", "case.xlsx"]


def test_options_started_dropped_changed() -> None:
    base, other = base_and_other()
    c = compare([base, other])
    o = c.options
    mine = o[o["run_id"] == "r0002-bbbb"].set_index("option_id")
    assert mine["change"].to_dict() == {"O1": "same", "O2": "changed", "O3": "dropped",
                                        "O4": "started"}
    assert mine.at["O2", "units_delta"] == 2.0 and mine.at["O2", "cost_delta"] == 40.0
    assert mine.at["O3", "cost_delta"] == -60.0 and not mine.at["O3", "in_portfolio"]
    assert mine.at["O4", "cost_delta"] == 90.0 and mine.at["O4", "start_year"] == 2029
    based = o[o["run_id"] == "r0001-aaaa"].set_index("option_id")["change"].to_dict()
    assert based == {"O1": "base", "O2": "base", "O3": "base", "O4": "absent"}
    assert o.loc[o["option_id"] == "O4", "mode"].tolist() == ["domestic", "domestic"]


def test_spend_shift_and_dependence() -> None:
    base, other = base_and_other()
    c = compare([base, other])
    s = c.spend.set_index(["country_id", "year", "run_id"])
    assert s.at[("DE", 2028, "r0002-bbbb"), "amount"] == 0.0
    assert s.at[("DE", 2028, "r0002-bbbb"), "delta"] == -60.0
    assert s.at[("US", 2027, "r0002-bbbb"), "delta"] == 40.0
    assert s.at[("HOME", 2029, "r0001-aaaa"), "amount"] == 0.0
    shifts = spend_shift_by_country(c)
    assert shifts["country_id"].tolist() == ["HOME", "DE", "US"]  # +90, -60, +40
    assert shifts["delta"].tolist() == [90.0, -60.0, 40.0]
    d = c.dependence.set_index(["capability_id", "run_id"])
    assert d.at[("AD", "r0002-bbbb"), "hhi_max"] == 0.3
    assert d.at[("AD", "r0002-bbbb"), "hhi_max_delta"] == pytest.approx(-0.2)
    assert d.at[("AD", "r0002-bbbb"), "top_foreign_share_delta"] == pytest.approx(0.1)
    assert d.at[("AD", "r0001-aaaa"), "top_foreign_country"] == "US"
    assert d.at[("ART", "r0001-aaaa"), "single_source_years"] == 1


def test_three_runs_one_table_each() -> None:
    base, other = base_and_other()
    third = make_report(budget=800.0)
    third.summary["run_id"] = "r0003-cccc"
    c = compare([base, other, third])
    assert c.kpis["run_id"].unique().tolist() == ["r0001-aaaa", "r0002-bbbb", "r0003-cccc"]
    assert kpi(c, "budget_total", "r0003-cccc") == -200.0
    assert len(c.options) == 4 * 3


def test_same_run_twice_gets_distinct_ids() -> None:
    base, _ = base_and_other()
    c = compare([base, base])
    assert c.run_ids == ["r0001-aaaa", "r0001-aaaa#2"]
    assert (c.kpis["delta"] == 0).all()
    assert set(c.options.loc[c.options["run_id"] == "r0001-aaaa#2", "change"]) == {"same"}


def test_compare_needs_two_runs() -> None:
    with pytest.raises(ValueError):
        compare([make_report()])


# --------------------------------------------------------------------------- input workbooks


def test_input_diff_names_the_changed_cell() -> None:
    base, other = base_and_other()
    c = compare([base, other], [comparison_case_bytes(), comparison_case_bytes(budget_2028=650.0)])
    assert c.inputs.to_dict("records") == [{
        "run_id": "r0002-bbbb", "sheet": "Budget", "id": "2028", "column": "budget",
        "change": "changed", "base_value": 500.0, "other_value": 650.0,
        "base_cell": "Budget!B3", "cell": "Budget!B3"}]


def test_input_diff_rows_settings_and_column_order() -> None:
    diffs = diff_workbooks(comparison_case_bytes(),
                           comparison_case_bytes(extra_country=True, swap_columns=True,
                                                 case_name="Air defence v2"))
    assert [(d["sheet"], d["id"], d["column"], d["change"], d["cell"]) for d in diffs] == [
        ("Settings", "case_name", "value", "changed", "Settings!B2"),
        ("Countries", "DE", None, "row added", "Countries!A4"),
    ]
    assert diffs[0]["base_value"] == "Air defence"
    assert diffs[0]["other_value"] == "Air defence v2"


def test_identical_or_missing_inputs() -> None:
    base, other = base_and_other()
    same = comparison_case_bytes()
    assert compare([base, other], [same, same]).inputs.empty
    c = compare([base, other], [same, None])
    assert c.inputs.empty and "has no stored input workbook" in c.notes[0]
    c = compare([base, other], [same, b"not a workbook"])
    assert c.inputs.empty and "could not be compared" in c.notes[0]


# --------------------------------------------------------------------------- workbook


def test_comparison_workbook(tmp_path: Path) -> None:
    base, other = base_and_other()
    base.tables["portfolio"].loc[0, "supplier_id"] = "=HYPERLINK(\"http://x\")"
    c = compare([base, other], [comparison_case_bytes(), comparison_case_bytes(budget_2028=650.0)])
    path = write_comparison(c, tmp_path / "cmp.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["KPIs", "Options", "Spend", "Dependence", "Inputs"]
    kpis = wb["KPIs"]
    assert len(kpis._charts) == 1
    values: dict = {}
    for r in kpis.iter_rows(values_only=True):
        values.setdefault(r[0], r[1:])  # the KPI table comes before the chart data
    # column A: the output schema's labels for people; the comparison's kpis keep the keys
    assert values["Total cost"][:3] == (240.0, 310.0, 70.0)
    assert "total_cost" not in values and "Import concentration (HHI), worst" in values
    assert "total_cost" in set(c.kpis["metric"])
    opts = wb["Options"]
    header = [c.value for c in opts[1]]
    assert header[:5] == ["Option", "Capability", "Supplier", "Country", "Mode"]
    injected = [c for c in opts["C"] if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert injected and all(c.data_type == "s" and c.quotePrefix for c in injected)
    inputs = list(wb["Inputs"].iter_rows(values_only=True))
    assert inputs[1][-1] == "Budget!B3"
    assert wb["Inputs"].freeze_panes == "A2"


def test_comparison_workbook_with_empty_tables(tmp_path: Path) -> None:
    a, b = make_report(), make_report()
    for r in (a, b):
        r.tables = {}
    path = write_comparison(compare([a, b]), tmp_path / "empty.xlsx")
    wb = load_workbook(path)
    assert wb["Inputs"]["A3"].value == "The input workbooks do not differ."


@needs_libreoffice
@pytest.mark.libreoffice
def test_comparison_workbook_opens_in_libreoffice(tmp_path: Path) -> None:
    base, other = base_and_other()
    c = compare([base, other], [comparison_case_bytes(), comparison_case_bytes(budget_2028=650.0)])
    path = write_comparison(c, tmp_path / "cmp.xlsx")
    convert_to_pdf(path, tmp_path / "pdf")


def test_run_without_result_is_not_all_dropped() -> None:
    """An infeasible run has no portfolio: its options read 'no result', not 'dropped'."""
    base, _ = base_and_other()
    infeasible = make_report(status="infeasible")
    infeasible.summary.update({k: None for k in ("total_cost", "hhi_max", "local_share")})
    infeasible.summary["run_id"] = "r0002-bbbb"
    for name in ("portfolio", "spend", "dependence"):
        infeasible.tables[name] = infeasible.tables[name].iloc[0:0]
    c = compare([base, infeasible])
    mine = c.options[c.options["run_id"] == "r0002-bbbb"]
    assert set(mine["change"]) == {"no result"} and mine["cost_delta"].isna().all()
    assert c.spend.loc[c.spend["run_id"] == "r0002-bbbb", "amount"].isna().all()
    assert spend_shift_by_country(c)["delta"].isna().all()
    assert pd.isna(kpi(c, "total_cost", "r0002-bbbb"))
    back = compare([infeasible, base])
    theirs = back.options[back.options["run_id"] == "r0001-aaaa"]
    assert set(theirs["change"]) == {"no base result"}


def test_comparison_workbook_heads_runs_by_label(tmp_path: Path) -> None:
    """The KPI table is headed Metric, then each run by its label and short id (a run
    without a label by its id), then the changes against the base under the same names."""
    base, other = base_and_other()
    base.run["label"], other.run["label"] = "base", None
    c = compare([base, other])
    path = write_comparison(c, tmp_path / "cmp.xlsx")
    rows = list(load_workbook(path)["KPIs"].iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "Metric")
    base_id, other_id = c.run_ids
    assert header[1:5] == (f"base ({base_id.split('-')[0]})", other_id, f"Change, {other_id}",
                           f"Change %, {other_id}")
    assert header[5] == f"Note, {other_id}"
