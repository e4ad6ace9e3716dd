"""Reading a workbook's problems in tests, and asserting on them by cell."""

from __future__ import annotations

from pathlib import Path

from sovopt.errors import InvalidCase, Problem
from sovopt.workbook.case_reader import read_case
from tests.helpers_workbook import CaseBook


def read_problems(book: CaseBook, tmp_path: Path) -> list[Problem]:
    path = book.save(tmp_path / "case.xlsx")
    try:
        return read_case(path)[1]
    except InvalidCase as exc:
        return exc.problems


def show(problems: list[Problem]) -> str:
    return "\n".join(f"{p.severity}: {p}" for p in problems) or "(no problems)"


def only(problems: list[Problem], where: str, fragment: str, severity: str) -> Problem:
    """Assert that ``problems`` is exactly one problem, at ``where``, containing ``fragment``."""
    assert len(problems) == 1, show(problems)
    p = problems[0]
    assert (p.where, p.severity) == (where, severity), show(problems)
    assert fragment in str(p), show(problems)
    return p


def has(problems: list[Problem], where: str, fragment: str, severity: str = "error") -> Problem:
    for p in problems:
        if p.where == where and p.severity == severity and fragment in str(p):
            return p
    raise AssertionError(f"no {severity} at {where} with {fragment!r} in:\n{show(problems)}")
