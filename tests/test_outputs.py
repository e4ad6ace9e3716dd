"""outputs: one label, unit and number format per quantity, everywhere it is shown."""

from __future__ import annotations

from sovopt import outputs
from sovopt.metrics import KPI_KEYS, METRIC_TABLES
from sovopt.outputs import SUMMARY_KEYS, column, summary_lines, summary_quantity
from sovopt.report import TABLE_NAMES


def test_every_summary_metric_and_result_column_is_declared_once():
    assert len(set(SUMMARY_KEYS)) == len(SUMMARY_KEYS)
    assert set(outputs.METRIC_KEYS) <= set(KPI_KEYS)
    assert tuple(outputs.TABLES) == TABLE_NAMES
    for name, cols in METRIC_TABLES.items():
        assert cols == [q.key for q in outputs.TABLES[name]]
    for q in (*outputs.SUMMARY, *(c for cols in outputs.TABLES.values() for c in cols)):
        assert q.kind in outputs.FORMATS and q.label and q.meaning, q.key


def test_one_format_per_quantity_in_the_terminal_and_in_excel():
    """local share 0.3184 reads 31.8 % everywhere (it read 0.3184 in `runs` before)."""
    share = summary_quantity("local_share")
    assert share.text(0.3184) == "31.8%" and share.excel_format() == "0.0%"
    cost = summary_quantity("total_cost")
    assert cost.text(1234.5, "EUR m") == "1,234.50 EUR m"
    assert cost.excel_format('EUR "m"') == '#,##0.00 "EUR m"'
    assert summary_quantity("hhi_max").text(0.41234) == "0.412"
    assert summary_quantity("worst_case_shortfall").delta_text(-0.0123) == "-1.23%"
    assert summary_quantity("cvar").text(None) == "-"
    assert column("levels", "seconds").text(2.25) == "2.2 s"


def test_people_see_labels_and_unknown_keys_still_show():
    lines = summary_lines({"hhi_max": 0.5, "status": "optimal", "newer_kpi": 2.0})
    assert [(q.label, text) for q, text in lines] == [
        ("Status", "optimal"), ("Import concentration (HHI), worst", "0.500"),
        ("newer_kpi", "2")]
    assert summary_quantity("hhi_max").brief == "HHI worst"


def test_ids_are_shown_with_their_names():
    names = {"country": {"WES": "Westmere", "NOR": "NOR"}}
    assert outputs.shown_name(names, "country", "WES") == "Westmere (WES)"
    assert outputs.shown_name(names, "country", "NOR") == "NOR"  # name is the id
    assert outputs.shown_name(names, "country", "ALD") == "ALD"  # no name known
    assert outputs.shown_name(None, "scenario", None) == "-"
    assert column("portfolio", "country_id").entity == "country"
    assert column("scenarios", "scenario_id").entity == "scenario"


def test_a_report_keeps_the_case_names():
    from sovopt.example import example_case
    from sovopt.report import case_names

    names = case_names(example_case())
    assert names["country"]["WES"] == "Westmere"
    assert names["scenario"]["SAN-SAR"] == "Sanctions on Sarkand"
