"""Every validation rule: the exact ``Sheet!Cell`` and a fragment of the message.

Each case edits the minimal valid case (tests/helpers_workbook.py) in one way
and checks that exactly the expected problem is reported, so a rule that
fires too often is caught as well as one that does not fire.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sovopt.workbook.case_reader import read_case
from tests.helpers_workbook import CaseBook
from tests.problems import has, only, read_problems, show

Edit = Callable[[CaseBook], object]


def add_input(book: CaseBook) -> None:
    book.set("Options", "G3", 0.7)
    book.append("Inputs", ["O2", "engine", "ALY", 0.25, "yes"])


def drop_row(sheet: str, row: int) -> Edit:
    return lambda b: b.sheets[sheet].pop(row - 1)


SINGLE_PROBLEM: list[tuple[str, Edit, str, str, str]] = [
    # wrong type, by kind
    ("number not a number", lambda b: b.set("Options", "E3", "abc"),
     "Options!E3", "unit_cost 'abc' is not a number; expected a number >= 0", "error"),
    ("number with a unit", lambda b: b.set("Budget", "B2", "12 EUR"),
     "Budget!B2", "budget '12 EUR' is not a number", "error"),
    ("ambiguous thousands", lambda b: b.set("Suppliers", "D3", "1,000"),
     "Suppliers!D3", "activation_cost '1,000' is ambiguous (it could be 1000 or 1.000)",
     "error"),
    ("yes/no in a number column", lambda b: b.set("Options", "F2", True),
     "Options!F2", "fixed_cost is a yes/no value (TRUE); expected a number >= 0", "error"),
    ("integer not whole", lambda b: b.set("Options", "H2", 2.5),
     "Options!H2", "lead_time_years 2.5 is not a whole number; expected a whole number >= 0",
     "error"),
    ("integer too large", lambda b: b.set("Capabilities", "E3", 1e20),
     "Capabilities!E3", "min_suppliers 1e+20 is too large; expected a whole number >= 1",
     "error"),
    ("year not whole", lambda b: b.set("Options", "I3", 2027.5),
     "Options!I3", "available_from 2027.5 is not a whole number; expected a year such as 2027",
     "error"),
    ("year out of range", lambda b: b.set("Scenarios", "F2", 27),
     "Scenarios!F2", "from_year 27 is out of range; expected a year such as 2027 (between 1900 "
     "and 2200)", "error"),
    ("choice", lambda b: b.set("Options", "D2", "lease"),
     "Options!D2", "mode 'lease' is not allowed; expected one of buy, license, coproduce, "
     "domestic", "error"),
    ("tier", lambda b: b.set("Countries", "C4", "friend"),
     "Countries!C4", "tier 'friend' is not allowed; expected one of home, ally, partner, "
     "neutral, adversary, prohibited", "error"),
    ("bool", lambda b: b.set("Options", "L2", "maybe"),
     "Options!L2", "mandatory 'maybe' is not yes or no; expected yes or no", "error"),
    ("bool number", lambda b: b.set("Inputs", "E2", 2),
     "Inputs!E2", "critical 2 is not yes or no", "error"),
    ("blank required", lambda b: b.set("Options", "E2", None),
     "Options!E2", "unit_cost is blank but required; expected a number >= 0", "error"),
    ("blank required text", lambda b: b.set("Countries", "B3", "   "),
     "Countries!B3", "name is blank but required; expected text", "error"),
    # out of range
    ("share above 1", lambda b: b.set("Options", "G2", 1.3),
     "Options!G2", "local_content 1.3 is out of range; expected a number in [0, 1]", "error"),
    ("negative cost", lambda b: b.set("Options", "E4", -5),
     "Options!E4", "unit_cost -5 is out of range; expected a number >= 0", "error"),
    ("exclusive minimum", lambda b: b.set("Capabilities", "D2", 0),
     "Capabilities!D2", "criticality 0 is out of range; expected a number > 0", "error"),
    ("integer minimum", lambda b: b.set("Capabilities", "E2", 0),
     "Capabilities!E2", "min_suppliers 0 is out of range; expected a whole number >= 1",
     "error"),
    ("risk score", lambda b: b.set("Countries", "D5", 1.5),
     "Countries!D5", "risk_score 1.5 is out of range; expected a number in [0, 1]", "error"),
    ("negative demand", lambda b: b.set("Demand", "C2", -1),
     "Demand!C2", "demand for 2027 -1 is out of range; expected a number >= 0", "error"),
    ("cvar_beta exclusive maximum", lambda b: b.append("Settings", ["cvar_beta", 1]),
     "Settings!B8", "cvar_beta 1 is out of range; expected a number in [0, 1)", "error"),
    ("scenario probability", lambda b: b.set("Scenarios", "C2", 1.5),
     "Scenarios!C2", "probability 1.5 is out of range; expected a number in [0, 1]", "error"),
    # duplicates name both rows
    ("duplicate supplier",
     lambda b: b.append("Suppliers", ["S1", "Copy", "HOM", 0, None]),
     "Suppliers!A6", "duplicate supplier_id 'S1' (also in Suppliers!A2); expected each "
     "supplier_id once", "error"),
    ("duplicate option", lambda b: b.set("Options", "A5", "O2"),
     "Options!A5", "duplicate option_id 'O2' (also in Options!A3)", "error"),
    ("duplicate after stripping",
     lambda b: b.append("Countries", [" HOM\u00a0", "Homeland again", "ally", 0, None]),
     "Countries!A7", "duplicate country_id 'HOM' (also in Countries!A2)", "error"),
    # references
    ("unknown supplier", lambda b: b.set("Options", "C4", "S99"),
     "Options!C4", "unknown supplier_id 'S99'; expected an id from Suppliers", "error"),
    ("unknown supplier suggestion", lambda b: b.set("Options", "C4", "S33"),
     "Options!C4", "expected an id from Suppliers (did you mean 'S3'?)", "error"),
    ("unknown capability", lambda b: b.set("Options", "B2", "C7"),
     "Options!B2", "unknown capability_id 'C7'; expected an id from Capabilities", "error"),
    ("unknown supplier country", lambda b: b.set("Suppliers", "C3", "XX"),
     "Suppliers!C3", "unknown country_id 'XX'; expected an id from Countries", "error"),
    ("unknown input option", lambda b: b.set("Inputs", "A3", "O9"),
     "Inputs!A3", "unknown option_id 'O9'; expected an id from Options", "error"),
    ("unknown input country", lambda b: b.set("Inputs", "C2", "ZZ"),
     "Inputs!C2", "unknown source_country_id 'ZZ'", "error"),
    ("unknown scenario country", lambda b: b.set("Scenarios", "D3", "NOPE"),
     "Scenarios!D3", "unknown country_id 'NOPE'", "error"),
    ("case-sensitive ids", lambda b: b.set("Options", "C2", "s1"),
     "Options!C2", "unknown supplier_id 's1'", "error"),
    # settings
    ("last before first", lambda b: b.set("Settings", "B5", 2020),
     "Settings!B5", "last_year 2020 is before first_year 2026; expected a year >= 2026 "
     "(first_year, Settings!B4)", "error"),
    ("horizon too long", lambda b: b.set("Settings", "B5", 2199),
     "Settings!B5", "the horizon 2026..2199 is 174 years long; expected at most 100 years",
     "error"),
    ("unknown setting", lambda b: b.append("Settings", ["horizon", 10]),
     "Settings!A8", "unknown setting 'horizon'; expected one of case_name, home_country, "
     "first_year, last_year, currency, objective, allow_unmet, time_limit_s, mip_gap, "
     "cvar_beta", "error"),
    ("duplicate setting", lambda b: b.append("Settings", ["Currency ", "USD"]),
     "Settings!A8", "setting 'currency' appears twice (also Settings!A6)", "error"),
    ("missing required setting", drop_row("Settings", 2),
     "Settings", "no row for the required setting 'case_name'", "error"),
    ("objective", lambda b: b.set("Settings", "B7", "cheapest"),
     "Settings!B7", "objective 'cheapest' is not allowed; expected one of min_dependence, "
     "min_cost, balanced", "error"),
    ("value without key", lambda b: b.set("Settings", "B9", "orphan"),
     "Settings!B9", "a value without a key is ignored", "warning"),
    # home country
    ("home country has another tier", lambda b: b.set("Countries", "C2", "ally"),
     "Settings!B3", "home_country 'HOM' has tier 'ally' in Countries!C2; expected the home "
     "country to have tier home", "error"),
    ("two home countries", lambda b: b.set("Countries", "C3", "home"),
     "Countries!C3", "'ALY' has tier home, but home_country is 'HOM' (Settings!B3); expected "
     "exactly one country of tier home", "error"),
    ("unknown home country", lambda b: b.set("Settings", "B3", "HOMX"),
     "Settings!B3", "unknown home_country 'HOMX'; expected an id from Countries (did you "
     "mean 'HOM'?)", "error"),
    # shares of value
    ("local content plus inputs", add_input,
     "Options!G3", "local_content 0.7 of option 'O2' plus the value_share of its inputs "
     "(Inputs!D2, Inputs!D4: 0.45) adds up to 1.15; expected at most 1", "error"),
    ("input from the home country", lambda b: b.set("Inputs", "C2", "HOM"),
     "Inputs!C2", "the input comes from the home country 'HOM'; home inputs are local "
     "content", "warning"),
    # scenarios
    ("probability differs", lambda b: b.set("Scenarios", "C4", 0.07),
     "Scenarios!C4", "probability 0.07 differs from 0.05 in Scenarios!C3 for scenario 'SC2'",
     "error"),
    ("probabilities above 1",
     lambda b: [b.set("Scenarios", c, p) for c, p in (("C2", 0.6), ("C3", 0.5), ("C4", 0.5))],
     "Scenarios!C2:C3", "the probabilities of the 2 scenarios add up to 1.1; expected at most "
     "1 (each scenario_id's probability counted once)", "error"),
    ("from after to", lambda b: b.set("Scenarios", "F4", 2028),
     "Scenarios!G4", "from_year 2028 is after to_year 2027; expected from_year <= to_year",
     "error"),
    ("from after blank to", lambda b: b.set("Scenarios", "F3", 2030),
     "Scenarios!F3",
     "from_year 2030 is after to_year 2028 (last_year, the end of the horizon)", "error"),
    # horizon
    ("available_from after the horizon", lambda b: b.set("Options", "I3", 2030),
     "Options!I3", "available_from 2030 is outside the horizon 2026..2028", "warning"),
    ("available_from before the horizon", lambda b: b.set("Options", "I2", 2020),
     "Options!I2", "available_from 2020 is outside the horizon 2026..2028", "warning"),
    ("demand column missing", lambda b: b.drop_column("Demand", 2027),
     "Demand", "header row 1 has no column for year 2027; expected one column per year "
     "2026..2028, headed by the year", "error"),
    ("demand column outside the horizon",
     lambda b: [b.set("Demand", "E1", 2030), b.set("Demand", "E2", 7)],
     "Demand!E1", "year 2030 is outside the horizon 2026..2028; the column is ignored",
     "warning"),
    ("duplicate demand year", lambda b: [b.set("Demand", "E1", "2027"), b.set("Demand", "E2", 1)],
     "Demand!E1", "year 2027 appears twice (also Demand!C1)", "error"),
    ("capability without demand", drop_row("Demand", 3),
     "Capabilities!A3", "capability 'C2' has no row in Demand; its demand is taken as 0",
     "warning"),
    ("demand for an unknown capability",
     lambda b: b.append("Demand", ["C9", 1, 1, 1]),
     "Demand!A4", "unknown capability_id 'C9'; expected an id from Capabilities", "error"),
    ("duplicate demand row", lambda b: b.append("Demand", ["C1", 1, 1, 1]),
     "Demand!A4", "duplicate capability_id 'C1' (also in Demand!A2)", "error"),
    ("budget year missing", drop_row("Budget", 3),
     "Budget", "no row for year 2027; expected one row per year 2026..2028", "error"),
    ("budget year outside the horizon", lambda b: b.append("Budget", [2030, 5, 0]),
     "Budget!A5", "year 2030 is outside the horizon 2026..2028; the row is ignored", "warning"),
    ("duplicate budget year",
     lambda b: b.append("Budget", [2027, 5, 0]),
     "Budget!A5", "duplicate year 2027 (also in Budget!A3)", "error"),
    # sheets and columns
    ("missing sheet", lambda b: b.drop_sheet("Options"),
     "Options", "the workbook has no sheet Options; expected the sheets Settings, Countries",
     "error"),
    ("missing optional sheet", lambda b: b.drop_sheet("Scenarios"),
     "Scenarios", "the workbook has no sheet Scenarios; it is read as empty", "warning"),
    ("missing column", lambda b: b.drop_column("Options", "unit_cost"),
     "Options", "header row 1 has no column 'unit_cost'; expected the headers option_id, ",
     "error"),
    ("duplicate column", lambda b: b.set("Budget", "D1", "Budget"),
     "Budget!D1", "column 'budget' appears twice (also Budget!B1); expected each column once",
     "error"),
    ("unknown column", lambda b: b.set("Options", "N1", "colour"),
     "Options!N1", "unknown column 'colour' is ignored; expected one of option_id", "warning"),
    ("unknown column suggestion", lambda b: b.set("Countries", "F1", "riskscore"),
     "Countries!F1", "(did you mean 'risk_score'?)", "warning"),
    ("values without a header", lambda b: b.set("Budget", "E3", "note"),
     "Budget!E1", "this column has values but no header; it is ignored", "warning"),
    ("empty sheet", lambda b: b.sheets.__setitem__("Countries", [[]]),
     "Countries!A1", "the sheet is empty; expected the headers country_id, name, tier", "error"),
    ("no rows", lambda b: b.sheets.__setitem__("Capabilities", b.sheets["Capabilities"][:1]),
     "Capabilities!A2", "Capabilities has no rows; expected at least one row below the "
     "headers", "error"),
]


@pytest.mark.parametrize(("edit", "where", "fragment", "severity"),
                         [case[1:] for case in SINGLE_PROBLEM],
                         ids=[case[0] for case in SINGLE_PROBLEM])
def test_rule(book, tmp_path, edit, where, fragment, severity):
    edit(book)
    problems = read_problems(book, tmp_path)
    if where == "Capabilities!A2":
        # with no capabilities, every reference to one is unknown too
        has(problems, where, fragment, severity)
        assert {p.where[:9] for p in problems[1:]} == {"Options!B", "Demand!A2", "Demand!A3"}
    else:
        only(problems, where, fragment, severity)


def test_prohibited_supplier_is_not_an_error(book, tmp_path):
    assert read_problems(book, tmp_path) == []   # S4 is in PRO (tier prohibited)
    case, _ = read_case(book.save(tmp_path / "again.xlsx"))
    assert "O4" in case.options["option_id"].tolist()


def test_capability_without_demand_row_has_zero_demand(book, tmp_path):
    book.sheets["Demand"].pop(2)
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    c2 = case.demand[case.demand["capability_id"] == "C2"]
    assert c2["demand"].tolist() == [0, 0, 0] and c2["row"].isna().all()
    assert [p.where for p in warnings] == ["Capabilities!A3"]


def test_budget_rows_outside_the_horizon_are_dropped(book, tmp_path):
    book.append("Budget", [2030, 5, 0])
    book.sheets["Budget"].insert(1, [2025, 1, 0])
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert case.budget["year"].tolist() == [2026, 2027, 2028]
    assert case.budget["row"].tolist() == [3, 4, 5]
    assert [p.where for p in warnings] == ["Budget!A2", "Budget!A6"]


def test_demand_columns_outside_the_horizon_are_dropped(book, tmp_path):
    book.set("Demand", "E1", 2029).set("Demand", "E2", "not read")
    case, warnings = read_case(book.save(tmp_path / "case.xlsx"))
    assert sorted(case.demand["year"].unique().tolist()) == [2026, 2027, 2028]
    assert "2029" not in case.column_letters["Demand"]
    assert [p.where for p in warnings] == ["Demand!E1"]


def test_five_different_errors_are_all_reported(book, tmp_path):
    book.set("Options", "E3", "abc")
    book.set("Options", "G2", 1.3)
    book.append("Suppliers", ["S1", "Copy of HomeCo", "HOM", 0, None])
    book.set("Options", "C4", "S99")
    book.set("Settings", "B5", 2020)
    problems = read_problems(book, tmp_path)
    assert sorted(p.where for p in problems) == sorted(
        ["Options!E3", "Options!G2", "Suppliers!A6", "Options!C4", "Settings!B5"]), \
        show(problems)
    assert all(p.is_error for p in problems)


def test_errors_in_every_sheet_at_once(book, tmp_path):
    book.set("Settings", "B6", 7)                   # currency: text, accepted as '7'
    book.set("Countries", "D2", "high")
    book.set("Suppliers", "E3", -1)
    book.set("Capabilities", "F3", "perhaps")
    book.set("Demand", "B3", "lots")
    book.set("Options", "D5", "steal")
    book.set("Inputs", "D3", 2)
    book.set("Budget", "C4", "x")
    book.set("Scenarios", "E2", 3)
    problems = read_problems(book, tmp_path)
    assert [p.where for p in problems if p.is_error] == [
        "Countries!D2", "Suppliers!E3", "Capabilities!F3", "Options!D5", "Inputs!D3",
        "Budget!C4", "Scenarios!E2", "Demand!B3"], show(problems)


def test_every_problem_names_a_cell_or_a_sheet(book, tmp_path):
    book.set("Options", "E3", "abc").set("Options", "Z1", "extra").set("Budget", "A4", 2031)
    book.drop_sheet("Inputs")
    for p in read_problems(book, tmp_path):
        sheet = p.where.split("!")[0]
        assert sheet in {"Settings", "Countries", "Suppliers", "Capabilities", "Demand",
                         "Options", "Inputs", "Budget", "Scenarios"}, p
        assert p.message and p.expected, p


def test_a_missing_key_column_does_not_flood_references(book, tmp_path):
    """Without Suppliers' supplier_id column, Options' supplier_ids are not all 'unknown'."""
    book.drop_column("Suppliers", "supplier_id")
    problems = read_problems(book, tmp_path)
    only(problems, "Suppliers", "header row 1 has no column 'supplier_id'", "error")


def test_a_blank_id_is_reported_and_references_to_it_are_unknown(book, tmp_path):
    book.set("Suppliers", "A3", None)   # S2 gone: O2 refers to it
    problems = read_problems(book, tmp_path)
    assert [str(p) for p in problems] == [
        "Suppliers!A3: supplier_id is blank but required; expected a text id",
        "Options!C3: unknown supplier_id 'S2'; expected an id from Suppliers",
    ]
