"""Fixtures of the run-store tests: a throwaway PostgreSQL cluster for the session
(the tests fail, never skip, without the server programs) and a store on each
back end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runs.postgres import Cluster, start_cluster


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """The session's PostgreSQL cluster, stopped and removed at the end."""
    try:
        cluster = start_cluster()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(postgres: Cluster) -> Iterator[str]:
    """The URL (with the analyst's password) of a new empty database."""
    name = postgres.new_database()
    yield postgres.url(name)
    postgres.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store's location on each back end: a folder, or a database URL."""
    if request.param == "sqlite":
        return str(tmp_path / "store")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    """Bytes standing in for a case workbook, for the store to keep by content."""
    path = tmp_path / "case.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook, but bytes to store")
    return path
