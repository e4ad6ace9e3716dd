"""Forgiving input words: other spellings of a choice are read as the workbook's word
(with a warning naming the cell), an id that differs only in case and a share typed as a
percentage get "did you mean"."""

from __future__ import annotations

import pytest

from sovopt.schema import MODES, OBJECTIVES, TIERS, canonical_choice
from sovopt.workbook.case_reader import read_case
from tests.helpers_workbook import CaseBook, write_case
from tests.problems import only, read_problems


@pytest.mark.parametrize(("typed", "choices", "word"), [
    ("licence", MODES, "license"), ("License", MODES, "license"),
    ("LICENCE", MODES, "license"), ("co-produce", MODES, "coproduce"),
    ("Co Produce", MODES, "coproduce"), ("co-production", MODES, "coproduce"),
    ("Domestic", MODES, "domestic"), ("Allied", TIERS, "ally"),
    ("min-cost", OBJECTIVES, "min_cost"), ("Min Dependence", OBJECTIVES, "min_dependence"),
    ("lease", MODES, None), ("friend", TIERS, None)])
def test_choice_spellings(typed, choices, word):
    assert canonical_choice(typed, choices) == word


@pytest.mark.parametrize(("typed", "word"), [("licence", "license"),
                                             ("co-produce", "coproduce")])
def test_a_spelling_variant_is_stored_as_the_workbook_word_with_a_warning(tmp_path, typed,
                                                                          word):
    path = write_case(tmp_path / "case.xlsx", lambda b: b.set("Options", "D4", typed))
    case, warnings = read_case(path)
    assert case.options.set_index("option_id").at["O3", "mode"] == word
    assert [(w.where, w.severity) for w in warnings] == [("Options!D4", "warning")]
    assert f"mode {typed!r} is read as {word!r}" in warnings[0].message


def test_only_the_case_differs_in_a_choice_is_read_without_a_word(tmp_path):
    path = write_case(tmp_path / "case.xlsx", lambda b: b.set("Options", "D4", "LICENSE"))
    case, warnings = read_case(path)
    assert case.options.set_index("option_id").at["O3", "mode"] == "license"
    assert warnings == []


def test_an_unknown_choice_close_to_one_gets_did_you_mean(tmp_path):
    problems = read_problems_of(tmp_path, "Options", "D4", "licensee")
    only(problems, "Options!D4", "mode 'licensee' is not allowed (did you mean 'license'?)",
         "error")


def test_an_id_that_differs_only_in_case_gets_did_you_mean(tmp_path):
    problems = read_problems_of(tmp_path, "Options", "C3", "s2")
    only(problems, "Options!C3", "(did you mean 'S2'?)", "error")


@pytest.mark.parametrize(("typed", "hint"), [(24, "0.24"), (90, "0.9"), (100, "1")])
def test_a_share_typed_as_a_percentage_gets_did_you_mean(tmp_path, typed, hint):
    problems = read_problems_of(tmp_path, "Options", "G2", typed)
    only(problems, "Options!G2", f"local_content {typed} is out of range", "error")
    assert problems[0].expected.endswith(f"(did you mean {hint}?)")


def test_a_share_far_above_100_gets_no_percentage_hint(tmp_path):
    problems = read_problems_of(tmp_path, "Options", "G2", 240)
    only(problems, "Options!G2", "local_content 240 is out of range", "error")
    assert "did you mean" not in problems[0].expected


def read_problems_of(tmp_path, sheet, cell, value):
    """The problems of the minimal valid case with one cell typed as ``value``."""
    return read_problems(CaseBook().set(sheet, cell, value), tmp_path)
