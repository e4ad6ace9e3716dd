"""validate(case): the rules across sheets, on a Case built without a workbook.

The same rules run on every workbook the reader reads (tests/test_validate_rules.py
checks their cells and wording there); here they run through build_case, which
the example and the benchmark use, so a case made in code cannot skip them.
"""

from __future__ import annotations

import pytest

from sovopt.errors import InvalidCase
from sovopt.example import example_case
from sovopt.validate import MAX_REPORTS, validate
from tests.model_cases import FIRST_YEAR, input_row, make_case, option, scenario


def problems_of(**kw):
    with pytest.raises(InvalidCase) as info:
        make_case(**kw)
    return info.value.problems


def test_the_example_and_a_plain_case_have_no_problem():
    assert validate(example_case()) == []
    assert validate(make_case([option("O1", "SA", 1.0)])) == []


def test_local_content_plus_input_shares_above_one_is_an_error():
    """0.6 local + inputs 0.3 + 0.2 = 1.1 > 1 (the reader's rule, now on any Case)."""
    problems = problems_of(
        options=[option("O1", "SA", 1.0, local_content=0.6)],
        inputs=[input_row("O1", "B", 0.3), input_row("O1", "N", 0.2)])
    assert len(problems) == 1
    p = problems[0]
    assert p.is_error and p.where == "Options, column local_content"
    assert "adds up to 1.1" in p.message


def test_scenario_probabilities_above_one_and_reversed_years():
    """0.7 + 0.5 = 1.2 > 1; a second row of S1 with another probability; 2029 > 2028."""
    problems = problems_of(
        options=[option("O1", "SA", 1.0)], years=(FIRST_YEAR, FIRST_YEAR + 1),
        scenarios=[scenario("S1", "A", 0.5, 0.7),
                   scenario("S1", "B", 0.5, 0.6),
                   scenario("S2", "B", 0.5, 0.5, from_year=FIRST_YEAR + 2,
                            to_year=FIRST_YEAR + 1)])
    messages = [p.message for p in problems]
    assert any("probability 0.6 differs from 0.7" in m for m in messages)
    assert any("add up to 1.2" in m for m in messages)
    assert any(f"from_year {FIRST_YEAR + 2} is after to_year {FIRST_YEAR + 1}" in m
               for m in messages)


def test_home_country_must_be_the_one_country_of_tier_home():
    rows = [{"country_id": "H", "name": "home", "tier": "ally", "risk_score": 0.0},
            {"country_id": "A", "name": "a", "tier": "home", "risk_score": 0.1}]
    problems = problems_of(options=[option("O1", "SA", 1.0)], country_rows=rows,
                           suppliers=[{"supplier_id": "SA", "name": "a", "country_id": "A"}])
    assert [p.where for p in problems] == ["Settings, key home_country",
                                           "Countries, column tier"]


def test_a_missing_budget_year_is_an_error_and_warnings_do_not_stop_build_case():
    case = make_case([option("O1", "SA", 1.0)], inputs=[input_row("O1", "H", 0.1)])
    assert [p.severity for p in validate(case)] == ["warning"]  # a home input
    case.budget = case.budget.iloc[:0]
    assert [p.message for p in validate(case)][-1] == f"no row for year {FIRST_YEAR}"


def test_problems_of_one_kind_are_capped_per_column():
    """MAX_REPORTS listed, then one line counting the rest (25 options → 20 + 1)."""
    n = MAX_REPORTS + 5
    options = [option(f"O{i}", "SA", 1.0, local_content=0.9) for i in range(n)]
    inputs = [input_row(f"O{i}", "B", 0.5) for i in range(n)]
    problems = problems_of(options=options, inputs=inputs)
    assert len(problems) == MAX_REPORTS + 1
    assert problems[-1].message.startswith("5 more cells in this column")
