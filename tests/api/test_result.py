"""``sovopt.Result`` of a stress test of the metrics hand case (tests/builders.py): the
Summary with labels, units and formatted values from the output schema, the tables,
the plan back as a Portfolio, the results workbook and the plot accessor.

By hand: the plan spends 32 in 2027 and 28 in 2028 (60 of a budget of 65)."""

from __future__ import annotations

import pandas as pd
import pytest

import sovopt
from sovopt.outputs import SUMMARY_KEYS
from tests.builders import hand_case, hand_portfolio


@pytest.fixture(scope="module")
def result():
    return sovopt.stress(hand_case(), hand_portfolio(), label="hand plan")


def test_summary_labels_and_describe(result):
    s = result.summary
    assert isinstance(s, pd.Series) and list(s.index) == list(SUMMARY_KEYS)
    assert s["total_cost"] == 60.0 and s["budget_total"] == 65.0
    assert s.labels["total_cost"] == "Total cost"
    assert s.labels["hhi_max"] == "Import concentration (HHI), worst"
    d = s.describe()
    assert list(d.columns) == ["label", "value", "shown", "unit", "meaning"]
    assert d.loc["total_cost", "shown"] == "60.00 EUR m"
    assert d.loc["total_cost", "unit"] == "EUR m"
    assert d.loc["budget_total", "meaning"] == "Total budget over the horizon (EUR m)"
    assert d.loc["mip_gap", "shown"] == "-"  # nothing optimised in a stress test
    assert type(s[["total_cost", "cvar"]]) is pd.Series  # a slice is a plain Series


def test_status_tables_and_plan(result):
    assert result.status == "feasible"
    assert result.status_detail == ("The portfolio keeps every limit of the case in every "
                                    "year (nothing was optimised).")
    assert repr(result) == "<Result stress: feasible, total cost 60.00 EUR m>"
    assert result.run_id is None
    assert result.levels.empty and result.diagnosis.empty
    assert list(result.diagnosis.columns) == ["where", "sheet", "cell", "current", "needed",
                                              "change", "message"]
    assert result.portfolio.set_index("option_id")["total_units"].to_dict() == \
        {"R-BUY-A": 10.0, "R-LIC-B": 10.0, "Q-DOM": 8.0}
    plan = result.as_portfolio()
    given = hand_portfolio()
    key = ["option_id", "year"]
    pd.testing.assert_frame_equal(
        plan.deliveries.sort_values(key).reset_index(drop=True),
        given.deliveries.sort_values(key).reset_index(drop=True), check_dtype=False)
    assert sorted(plan.started_options) == sorted(given.started_options)


def test_to_excel_writes_the_results_workbook(result, tmp_path):
    path = result.to_excel(tmp_path / "hand.results.xlsx")
    summary = pd.read_excel(path, sheet_name="Summary").set_index("Key")["Value"]
    assert float(summary["total_cost"]) == 60.0
    assert summary["status"] == "feasible"
    portfolio = pd.read_excel(path, sheet_name="Portfolio")
    assert sorted(portfolio["Option"]) == ["Q-DOM", "R-BUY-A", "R-LIC-B"]


def test_plot_accessor_draws_the_runs_pictures(result):
    pytest.importorskip("matplotlib", reason="the plot extra is part of the test extra")
    assert result.plot.spend().axes[0].get_title() == "Spending by country of origin"
    assert result.plot.dependence().axes[0].get_xlabel() == "Country of origin"
    assert result.plot.scenarios().axes[0].get_title() == "Loss per scenario and capability"
    with pytest.raises(sovopt.plots.NothingToPlot, match="no fleet"):
        result.plot.fleet()


def test_stress_of_a_results_workbook_plan(result, tmp_path):
    """The Portfolio sheet of a results workbook names the same plan (``sovopt stress
    --portfolio RESULTS.xlsx``)."""
    path = result.to_excel(tmp_path / "hand.results.xlsx")
    again = sovopt.stress(hand_case(), path)
    assert again.summary["total_cost"] == 60.0
    assert again.report.run["portfolio_source"] == "hand.results.xlsx"
    with pytest.raises(sovopt.SovoptError, match="give store= too"):
        sovopt.stress(hand_case(), "r0001")
