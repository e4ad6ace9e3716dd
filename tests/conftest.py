"""Shared fixtures. Workbook builders live in tests/helpers_workbook.py, other shared
builders in tests/builders.py."""

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


def _writable(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.touch()
        probe.unlink()
    except OSError:
        return False
    return True


@pytest.fixture
def read_only():
    """Make a folder (and the files in it) read-only for real: chmod, and for root (whom
    permissions do not stop) the immutable attribute; undone after the test."""
    import shutil
    import stat
    import subprocess

    made: list[tuple[Path, bool]] = []

    def make(folder: Path) -> Path:
        files = [p for p in folder.iterdir() if p.is_file()]
        for p in [*files, folder]:
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        if _writable(folder):
            if shutil.which("chattr") is None:
                pytest.fail("cannot make a folder read-only as root without chattr")
            for p in [*files, folder]:
                subprocess.run(["chattr", "+i", str(p)], check=True, capture_output=True)
                made.append((p, True))
        assert not _writable(folder)
        made.extend((p, False) for p in [*files, folder])
        return folder

    yield make
    import subprocess as sp

    for p, immutable in made:
        if immutable:
            sp.run(["chattr", "-i", str(p)], capture_output=True)
    for p, immutable in made:
        if not immutable and p.exists():
            p.chmod(p.stat().st_mode | stat.S_IWUSR)


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, list[str]]:
    """A store with a base run, a run with a bigger 2028 budget, and a failed run."""
    from sovopt.runs import RunStore
    from tests.builders import base_and_other, comparison_case_bytes

    folder = tmp_path / "store"
    base, other = base_and_other()
    (tmp_path / "case.xlsx").write_bytes(comparison_case_bytes())
    (tmp_path / "case_b.xlsx").write_bytes(comparison_case_bytes(budget_2028=650.0))
    with RunStore(folder) as st:
        a = st.begin(tmp_path / "case.xlsx", "baseline", "Air defence", {"currency": "EUR"},
                     "min_dependence")
        st.finish(a, base)
        b = st.begin(tmp_path / "case_b.xlsx", "bigger budget", "Air defence",
                     {"currency": "EUR"}, "min_dependence")
        st.finish(b, other)
        c = st.begin(tmp_path / "case.xlsx", "crash", "Artillery")
        st.fail(c, "the solver crashed")
    return folder, [a, b, c]
