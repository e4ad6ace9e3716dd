"""What-ifs without Excel (``Case.scaled`` / ``with_value`` / ``with_scenario``) and
``sovopt.read_case``: the same names and the same change as ``sovopt sweep --vary``,
new validated Cases, the original untouched, every problem named.

Numbers are those of the metrics hand case (:func:`tests.builders.hand_case`):
budget 35 in 2027 and 30 in 2028; scenarios S1 (A, loss 1.0, p 0.10), S2 (B,
loss 0.5 in 2028, p 0.20), S3 (A, loss 0.4 in 2027, p 0.05)."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import sovopt
from sovopt.variation import apply_changes, parse_vary
from tests.builders import case_workbook, hand_case


def _table(case, name):
    return case.table(name).drop(columns="row").reset_index(drop=True)


def test_scaled_is_the_sweeps_change():
    case = hand_case()
    scaled = case.scaled("budget", 0.9)
    assert scaled.budget["budget"].tolist() == pytest.approx([31.5, 27.0])
    assert case.budget["budget"].tolist() == [35.0, 30.0]  # the original is untouched
    vary = parse_vary("budget=0.9", case)
    by_sweep = apply_changes(case, (vary.change(0.9),))
    pd.testing.assert_frame_equal(_table(scaled, "Budget"), _table(by_sweep, "Budget"))
    demand = case.scaled("Demand.demand", 1.5)
    assert demand.demand["demand"].tolist() == [15.0, 15.0, 6.0, 6.0]


def test_with_value_sets_one_cell():
    case = hand_case()
    one = case.with_value("budget:2028.budget", 50.0)
    assert one.budget.set_index("year")["budget"].to_dict() == {2027: 35.0, 2028: 50.0}
    cost = case.with_value("option:R-LIC-B.unit_cost", 2.5)
    assert cost.options.set_index("option_id")["unit_cost"].to_dict() == \
        {"R-BUY-A": 1.0, "R-LIC-B": 2.5, "Q-DOM": 3.0}
    assert case.options.set_index("option_id").at["R-LIC-B", "unit_cost"] == 2.0
    # a table the change did not touch is a copy too: editing it leaves the original alone
    cost.countries.loc[0, "risk_score"] = 0.9
    assert case.countries.loc[0, "risk_score"] == 0.0


def test_names_and_values_are_checked_as_sweep_checks_them():
    case = hand_case()
    with pytest.raises(sovopt.SovoptError) as bad:
        case.with_value("scenario:S1.loss", 2.0)
    assert str(bad.value) == ("scenario:S1.loss=2.0: Scenarios loss would be 2; expected a "
                              "number in [0, 1]")
    with pytest.raises(sovopt.SovoptError, match="no sheet has a numeric column 'nonsense'"):
        case.scaled("nonsense", 2.0)
    with pytest.raises(sovopt.SovoptError, match="Options has no row 'NOPE'"):
        case.with_value("option:NOPE.unit_cost", 1.0)
    with pytest.raises(sovopt.SovoptError, match=r"with_value\('SHEET:ID.COLUMN'"):
        case.scaled("option:R-LIC-B.unit_cost", 2.0)
    with pytest.raises(sovopt.SovoptError, match=r"scale a column with scaled"):
        case.with_value("budget", 2.0)


def test_with_scenario_adds_and_changes():
    case = hand_case()
    new = case.with_scenario("S4", name="embargo B", country_id="B", probability=0.1,
                             loss=0.25, from_year=2028)
    row = new.scenarios.set_index("scenario_id").loc["S4"]
    assert (row["country_id"], row["probability"], row["loss"], row["from_year"],
            row["to_year"]) == ("B", 0.1, 0.25, 2028, 2028)
    assert len(case.scenarios) == 3 and len(new.scenarios) == 4
    # a second country joins S2: its own loss, S2's probability and years
    joined = case.with_scenario("S2", country_id="A", loss=0.3)
    s2 = joined.scenarios[joined.scenarios["scenario_id"] == "S2"].set_index("country_id")
    assert s2["loss"].to_dict() == {"B": 0.5, "A": 0.3}
    assert s2["probability"].tolist() == [0.2, 0.2]
    assert s2["from_year"].tolist() == [2028, 2028]
    # a change of an existing scenario goes to every row of it, as sweep sets a cell
    stronger = joined.with_scenario("S2", loss=0.8)
    assert stronger.scenarios[stronger.scenarios["scenario_id"] == "S2"]["loss"].tolist() \
        == [0.8, 0.8]
    with pytest.raises(sovopt.SovoptError, match="needs country_id, probability, loss"):
        case.with_scenario("S9", name="nothing")
    with pytest.raises(sovopt.SovoptError, match="no Scenarios column colour"):
        case.with_scenario("S1", colour="red")


def test_a_what_if_that_breaks_a_rule_lists_it():
    """0.10 + 0.20 + 0.05 + 0.9 = 1.25 > 1."""
    with pytest.raises(sovopt.CaseErrors) as bad:
        hand_case().with_scenario("S9", country_id="B", probability=0.9, loss=0.5)
    assert isinstance(bad.value, sovopt.InvalidCase)
    assert "error: Scenarios, column probability: the probabilities of the 4 scenarios " \
           "add up to 1.25" in str(bad.value)


def test_read_case_keeps_warnings_and_lists_every_error(tmp_path):
    path, _ = case_workbook(hand_case(), tmp_path)
    case = sovopt.read_case(path)
    assert case.source == "case.xlsx"
    assert case.options["option_id"].tolist() == ["R-BUY-A", "R-LIC-B", "Q-DOM"]
    assert isinstance(case.warnings, list)
    # two bad cells: a negative budget and a loss above 1, both named with their cell
    wb = openpyxl.load_workbook(path)
    budget, scenarios = wb["Budget"], wb["Scenarios"]
    col = {c.value: c.column_letter for c in budget[1] if c.value}
    budget[f"{col['budget']}2"] = -5
    col = {c.value: c.column_letter for c in scenarios[1] if c.value}
    scenarios[f"{col['loss']}2"] = 2
    wb.save(path)
    with pytest.raises(sovopt.CaseErrors) as bad:
        sovopt.read_case(path)
    text = str(bad.value)
    assert text.startswith("the case has 2 errors:")
    budget_cell = [p.where for p in bad.value.problems if p.where.startswith("Budget!")]
    loss_cell = [p.where for p in bad.value.problems if p.where.startswith("Scenarios!")]
    assert budget_cell and loss_cell
    assert budget_cell[0] in text and loss_cell[0] in text


def test_a_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(sovopt.SovoptError) as bad:
        sovopt.read_case(tmp_path / "nothing.xlsx")
    assert "nothing.xlsx" in str(bad.value)
