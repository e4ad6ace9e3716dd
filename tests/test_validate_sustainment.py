"""Validation of the sustainment columns and the Repair sheet: one line per problem, with its cell.

The minimal case (tests/helpers_workbook.py) gains the columns it needs:
Capabilities G requirement, H stock_max, I initial_stock; Options N
service_life_years, O support_country_id; a Repair sheet. C2 (radars) becomes a
fleet capability whose options O3 and O4 have a service life of 10 years.
"""

from __future__ import annotations

from pathlib import Path

from sovopt.workbook.case_reader import read_case
from tests.helpers_workbook import CaseBook
from tests.problems import only, read_problems


def fleet_book() -> CaseBook:
    book = CaseBook()
    for cell, header in (("G1", "requirement"), ("H1", "stock_max"), ("I1", "initial_stock")):
        book.set("Capabilities", cell, header)
    book.set("Capabilities", "G3", "fleet")
    book.set("Options", "N1", "service_life_years").set("Options", "O1", "support_country_id")
    book.set("Options", "N4", 10).set("Options", "N5", 10)
    book.sheets["Repair"] = [["repair_id", "option_id", "fixed_cost", "lead_time_years",
                              "support_cost_factor"],
                             ["RL1", "O3", 5e4, 2, 0.8]]
    return book


def test_fleet_book_is_valid_and_reads_the_new_columns(tmp_path: Path):
    case, warnings = read_case(fleet_book().save(tmp_path / "case.xlsx"))
    assert warnings == []
    caps = case.capabilities.set_index("capability_id")
    assert caps["requirement"].to_dict() == {"C1": "deliveries", "C2": "fleet"}
    assert case.options.set_index("option_id").loc["O3", "service_life_years"] == 10
    assert case.repair[["repair_id", "option_id", "lead_time_years"]].values.tolist() == [
        ["RL1", "O3", 2]]


def test_workbook_without_repair_sheet_or_new_columns_reads_without_warning(tmp_path: Path):
    _, warnings = read_case(CaseBook().save(tmp_path / "case.xlsx"))
    assert warnings == []


def test_fleet_option_without_service_life(tmp_path: Path):
    book = fleet_book().set("Options", "N4", None)
    only(read_problems(book, tmp_path), "Options!N4", "is for the fleet capability 'C2'",
         "error")


def test_service_life_below_one(tmp_path: Path):
    book = fleet_book().set("Options", "N4", 0)
    only(read_problems(book, tmp_path), "Options!N4", "service_life_years 0 is out of range",
         "error")


def test_support_country_not_in_countries(tmp_path: Path):
    book = fleet_book().set("Options", "O4", "ZZZ")
    only(read_problems(book, tmp_path), "Options!O4", "unknown support_country_id 'ZZZ'",
         "error")


def test_repair_line_for_a_deliveries_capability(tmp_path: Path):
    book = fleet_book()
    book.append("Repair", ["RL2", "O1", 1000, 1, 1])
    only(read_problems(book, tmp_path), "Repair!B3", "whose capability 'C1' is a deliveries",
         "error")


def test_stock_on_a_fleet_capability(tmp_path: Path):
    book = fleet_book().set("Capabilities", "H3", 5)
    only(read_problems(book, tmp_path), "Capabilities!H3", "a fleet capability", "error")


def test_initial_stock_above_stock_max(tmp_path: Path):
    book = fleet_book().set("Capabilities", "H2", 50).set("Capabilities", "I2", 80)
    only(read_problems(book, tmp_path), "Capabilities!I2",
         "initial_stock 80 is above stock_max 50", "error")


def test_the_same_rules_on_a_case_built_in_code():
    """sovopt.validate runs the sustainment rules on any Case (scripts, tests, the example)."""
    from sovopt.validate import validate
    from tests.model_cases import make_case, option
    case = make_case([option("F", "SA", 1.0), option("O", "SA", 1.0, capability="M")],
                     demand={"R": 1.0, "M": 1.0},
                     capabilities=[{"capability_id": "R", "name": "r"},
                                   {"capability_id": "M", "name": "m"}])
    # build_case refuses a case that breaks a rule: break them after it is built
    caps = case.capabilities
    caps["requirement"] = caps["requirement"].astype(object)
    caps.loc[0, ["requirement", "stock_max"]] = ["fleet", 5.0]
    caps.loc[1, ["stock_max", "initial_stock"]] = [1.0, 2.0]
    import pandas as pd
    case.repair = pd.DataFrame([{"repair_id": "L", "option_id": "O", "fixed_cost": 0.0,
                                 "lead_time_years": 0, "support_cost_factor": 1.0,
                                 "row": None}])
    messages = [p.message for p in validate(case)]
    assert messages == [
        "service_life_years is blank, but option 'F' is for the fleet capability 'R'",
        "stock_max 5 is given for 'R', a fleet capability",
        "initial_stock 2 is above stock_max 1 (Capabilities, column stock_max)",
        "repair line 'L' is for option 'O', whose capability 'M' is a deliveries capability",
    ]
