"""validate(case): the rules across sheets, on a Case built without a workbook.

The same rules run on every workbook the reader reads (tests/test_validate_rules.py
checks their cells and wording there); here they run through build_case, which
the example and the benchmark use, so a case made in code cannot skip them. The
key rules (unique and reference columns) are checked both ways: in code they name
the sheet and column, in a workbook the cell, and each fault is reported once.
"""

from __future__ import annotations

import pytest

from sovopt.case_records import build_case
from sovopt.errors import InvalidCase
from sovopt.example import example_case
from sovopt.validate import MAX_REPORTS, validate
from tests.helpers_workbook import CaseBook
from tests.model_cases import (
    FIRST_YEAR,
    countries,
    default_suppliers,
    input_row,
    make_case,
    option,
    scenario,
)
from tests.problems import read_problems, show


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


def test_build_case_refuses_a_duplicate_id_and_dangling_references():
    """O1 twice; O2's supplier SQ, an input of O9, a scenario in country Q and the demand
    of capability K (two years, one line) name nothing: five errors, each once."""
    problems = problems_of(
        options=[option("O1", "SA", 1.0), option("O1", "SB", 2.0), option("O2", "SQ", 1.0)],
        years=(FIRST_YEAR, FIRST_YEAR + 1), demand={"R": 10.0, "K": 5.0},
        capabilities=[{"capability_id": "R", "name": "capability R"}],
        inputs=[input_row("O9", "A", 0.1)], scenarios=[scenario("S1", "Q", 0.5, 0.1)])
    assert [str(p) for p in problems] == [
        "Options, column option_id: duplicate option_id 'O1' (also in record 1); expected "
        "each option_id once",
        "Options, column supplier_id: unknown supplier_id 'SQ'; expected an id from Suppliers",
        "Inputs, column option_id: unknown option_id 'O9'; expected an id from Options",
        "Scenarios, column country_id: unknown country_id 'Q'; expected an id from Countries",
        "Demand, column capability_id: unknown capability_id 'K'; expected an id from "
        "Capabilities",
    ]
    assert all(p.is_error for p in problems)


def test_build_case_refuses_an_unknown_home_country_and_a_repeated_demand_year():
    """home_country HX is no country; R's demand for 2027 is given twice.
    The home-country rule does not report HX again (the tier of H is not compared)."""
    with pytest.raises(InvalidCase) as info:
        build_case({"case_name": "keys", "home_country": "HX", "first_year": FIRST_YEAR,
                    "last_year": FIRST_YEAR},
                   countries=countries(), suppliers=default_suppliers(),
                   capabilities=[{"capability_id": "R", "name": "capability R"}],
                   demand=[{"capability_id": "R", "year": FIRST_YEAR, "demand": 1.0},
                           {"capability_id": "R", "year": FIRST_YEAR, "demand": 2.0}],
                   options=[option("O1", "SA", 1.0)],
                   budget=[{"year": FIRST_YEAR, "budget": 10.0}])
    assert [str(p) for p in info.value.problems] == [
        f"Demand, column capability_id: duplicate capability_id 'R' for year {FIRST_YEAR} "
        "(also in record 1); expected each capability_id and year once",
        "Settings, key home_country: unknown home_country 'HX'; expected an id from "
        "Countries",
    ]


def test_a_workbook_with_the_same_faults_names_each_cell_once(tmp_path):
    """The faults above in the minimal workbook, all at once: O2 twice (Options!A5, first
    in A3), supplier S33 (C4), input option O9 (Inputs!A3), 2027 twice in Budget (A5,
    first A3), capability C9 in Demand (A4), C1's Demand row twice (A5, first A2) and home
    country HOMX. Seven errors, one per cell; no rule after the key rules repeats one."""
    book = CaseBook()
    book.set("Options", "A5", "O2").set("Options", "C4", "S33").set("Inputs", "A3", "O9")
    book.append("Budget", [2027, 5, 0])
    book.append("Demand", ["C9", 1, 1, 1])
    book.append("Demand", ["C1", 1, 1, 1])
    book.set("Settings", "B3", "HOMX")
    problems = read_problems(book, tmp_path)
    assert [str(p) for p in problems] == [
        "Options!A5: duplicate option_id 'O2' (also in Options!A3); expected each option_id "
        "once",
        "Options!C4: unknown supplier_id 'S33'; expected an id from Suppliers (did you mean "
        "'S3'?)",
        "Inputs!A3: unknown option_id 'O9'; expected an id from Options",
        "Budget!A5: duplicate year 2027 (also in Budget!A3); expected each year once",
        "Demand!A5: duplicate capability_id 'C1' (also in Demand!A2); expected each "
        "capability_id once",
        "Demand!A4: unknown capability_id 'C9'; expected an id from Capabilities",
        "Settings!B3: unknown home_country 'HOMX'; expected an id from Countries (did you "
        "mean 'HOM'?)",
    ], show(problems)
