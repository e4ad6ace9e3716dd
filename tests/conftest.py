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


@pytest.fixture(autouse=True)
def isolated_run_store(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own run store, so no test writes into the project's .sovopt."""
    store = tmp_path_factory.mktemp("store")
    monkeypatch.setenv("SOVOPT_STORE", str(store))
    return store
