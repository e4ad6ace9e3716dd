"""The Python API on a team's PostgreSQL run store: ``open_store(url)`` and ``store=url``
work as with a folder (the run store's own URL handling, :mod:`sovopt.runs`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sovopt
from tests.builders import hand_case, hand_portfolio
from tests.runs.postgres import start_cluster


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A new database on a throwaway cluster (the tests fail, never skip, without one)."""
    try:
        cluster = start_cluster()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        name = cluster.new_database()
        yield cluster.url(name)
    finally:
        cluster.stop()


def test_store_by_url(pg_url):
    store = sovopt.open_store(pg_url)
    assert store.runs().empty
    plan = sovopt.stress(hand_case(), hand_portfolio(), store=pg_url, label="on the server")
    halved = sovopt.stress(hand_case().scaled("budget", 0.5), hand_portfolio(), store=store,
                           label="half the budget")
    runs = store.runs()
    assert runs["label"].tolist() == ["half the budget", "on the server"]
    assert runs["status"].tolist() == ["violated", "feasible"]
    back = store.result(plan.run_id)
    assert back.summary["total_cost"] == 60.0  # 32 + 28, worked in tests/builders.py
    assert back.portfolio.equals(plan.portfolio)
    spend = store.table("spend", runs=[plan.run_id, halved.run_id])
    assert spend.groupby("run_id")["amount"].sum().to_dict() == pytest.approx(
        {plan.run_id: 60.0, halved.run_id: 60.0})
    kpis = sovopt.compare([plan.run_id, halved.run_id], store=store)
    budget = kpis[(kpis["metric"] == "budget_total") & (kpis["run_id"] == halved.run_id)]
    assert budget["delta"].iloc[0] == pytest.approx(-32.5)  # 65 -> 32.5
