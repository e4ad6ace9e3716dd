"""Where the suite's files are, for test modules at any depth of tests/."""

from __future__ import annotations

from pathlib import Path

#: tests/ itself.
TESTS = Path(__file__).resolve().parent
#: the repository's root (README.md, inputs/, bench/).
REPO = TESTS.parent
#: the bundled example case.
EXAMPLE = REPO / "inputs" / "example_case.xlsx"
#: the suite's own data files (reference values).
TEST_DATA = TESTS / "data"
