"""``sovopt validate`` warns of every option the solve will leave out (issue 24, item 5).

Before, the example validated with 0 warnings and the solve then excluded
DRN-DOM-NCE-X ("value from prohibited country DRA"). Validate and the solve now share
one rule (sovopt/exclusions.py): each excluded option is a warning at its Options
id cell, and the set validate warns of is the set the solve's model data drop.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from sovopt.cli import cli
from sovopt.prepare import prepare
from sovopt.workbook.case_reader import read_case
from tests.helpers_workbook import CaseBook
from tests.paths import EXAMPLE


def _validate_json(path: Path) -> dict:
    result = CliRunner().invoke(cli, ["validate", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _left_out(doc: dict) -> dict[str, str]:
    """Option id -> the warning's cell, for the 'left out of the solve' warnings."""
    return {w["message"].split()[1]: f"{w['sheet']}!{w['cell']}" for w in doc["warnings"]
            if "will be left out of the solve" in w["message"]}


def test_the_example_warns_of_the_option_the_solve_excludes() -> None:
    doc = _validate_json(EXAMPLE)
    (warning,) = [w for w in doc["warnings"] if "DRN-DOM-NCE-X" in w["message"]]
    assert warning["severity"] == "warning"
    assert warning["message"] == ("option DRN-DOM-NCE-X will be left out of the solve: value "
                                  "from prohibited country DRA")
    # the cell named holds the option's id
    sheet = load_workbook(EXAMPLE, read_only=True)[warning["sheet"]]
    assert sheet[warning["cell"]].value == "DRN-DOM-NCE-X"
    # exactly what the solve's model data leave out
    case, _ = read_case(EXAMPLE)
    assert set(_left_out(doc)) == set(prepare(case).excluded["option_id"]) == {"DRN-DOM-NCE-X"}


def test_an_input_from_a_prohibited_country_and_a_late_option_are_warned_of(
        tmp_path: Path) -> None:
    book = CaseBook()
    book.append("Inputs", ["O2", "chip", "PRO", 0.05, "no"])  # 5 % of O2's value from PRO
    book.set("Options", "H2", 3)  # O1: lead time 3 from 2026 cannot deliver by 2028
    path = book.save(tmp_path / "case.xlsx")
    doc = _validate_json(path)
    assert _left_out(doc) == {"O1": "Options!A2", "O2": "Options!A3", "O4": "Options!A5"}
    messages = [w["message"] for w in doc["warnings"]]
    assert ("option O2 will be left out of the solve: value from prohibited country PRO"
            in messages)
    assert ("option O1 will be left out of the solve: cannot deliver by 2028: available_from "
            "2026 + lead time 3" in messages)
    case, _ = read_case(path)
    excluded = prepare(case).excluded
    assert set(excluded["option_id"]) == {"O1", "O2", "O4"}
    assert sorted(excluded["row"]) == [2, 3, 5]
