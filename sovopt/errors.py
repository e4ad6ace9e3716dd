"""Errors and problems that sovopt reports to people.

Every problem found in a workbook is a :class:`Problem` that names its place
(sheet and cell) and what is expected. Problems are collected and raised
together as one :class:`InvalidCase`, so a planner sees all of them at once.
Any other failure a user can act on is a :class:`SovoptError` carrying the
process exit code (README, "Exit codes"); the CLI turns it into one clear line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

#: Problems of one kind listed per workbook column before the rest are only counted
#: (the reader's cell checks and the rules across sheets alike).
MAX_REPORTS = 20


def suggest(text: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a candidate is close or differs only in case, else
    empty (for messages about an unknown name or id)."""
    pool = list(candidates)
    if len(pool) > 5000:
        return ""
    same = [c for c in pool if str(c).casefold() == str(text).casefold()]
    if same:  # ald for ALD: only the case differs
        return f" (did you mean {same[0]!r}?)"
    match = difflib.get_close_matches(text, pool, n=1, cutoff=0.75)
    return f" (did you mean {match[0]!r}?)" if match else ""


EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INFEASIBLE = 3
EXIT_NO_SOLUTION = 4
#: ``sovopt stress``: the portfolio was evaluated and breaks limits of the case.
EXIT_VIOLATED = 5
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
#: Every exit code sovopt documents (README); 70 is a bug, reported with --debug.
EXIT_CODES = (EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INFEASIBLE, EXIT_NO_SOLUTION,
              EXIT_VIOLATED, EXIT_INTERRUPTED)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a workbook.

    ``where`` is ``Sheet!Cell`` (``Budget!B3``), ``Sheet`` alone for a
    sheet-level problem, or the file name for a file-level one.
    """

    where: str
    message: str
    expected: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        if self.expected:
            text += f"; {self.expected}"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class SovoptError(Exception):
    """A failure a user can act on: one clear message and an exit code.

    >>> SovoptError("no run 'r9' in the run store", exit_code=EXIT_USAGE).exit_code
    2
    """

    exit_code = EXIT_INVALID

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


@dataclass
class ProblemList:
    """Collects problems while reading or validating; raises them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, where: str, message: str, expected: str = "") -> None:
        self.problems.append(Problem(where, message, expected, "error"))

    def warning(self, where: str, message: str, expected: str = "") -> None:
        self.problems.append(Problem(where, message, expected, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InvalidCase(self.problems)


class InvalidCase(SovoptError):
    """The workbook has errors; ``problems`` holds every error and warning found.

    >>> bad = InvalidCase([Problem("Budget!B3", "budget must be ≥ 0")])
    >>> str(bad), bad.problems[0].where
    ('the case has 1 error', 'Budget!B3')
    """

    exit_code = EXIT_INVALID

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = sum(p.is_error for p in self.problems)
        super().__init__(f"the case has {n} error{'s' if n != 1 else ''}")


class CaseErrors(InvalidCase):
    """The case has errors: the message lists every problem (sheet and cell first), and
    ``problems`` holds them (:class:`sovopt.errors.Problem`), warnings included.

    >>> print(CaseErrors([Problem("Budget!B3", "budget must be ≥ 0", "a number ≥ 0")]))
    the case has 1 error:
      error: Budget!B3: budget must be ≥ 0; a number ≥ 0
    """

    def __str__(self) -> str:
        lines = [f"  {p.severity}: {p}" for p in self.problems]
        return super().__str__() + ":\n" + "\n".join(lines)
