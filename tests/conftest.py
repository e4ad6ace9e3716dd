"""Shared fixtures. Workbook builders live in tests/helpers_workbook.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers_workbook import CaseBook

BAD_WORKBOOKS = Path(__file__).parent / "bad_workbooks"


@pytest.fixture
def book() -> CaseBook:
    """A fresh copy of the minimal valid case, to edit and save."""
    return CaseBook()


@pytest.fixture
def bad_workbooks() -> Path:
    """The folder of deliberately broken workbooks and non-workbook files."""
    return BAD_WORKBOOKS
