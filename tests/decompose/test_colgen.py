"""Column generation by capability on cases whose optimum is known.

The hand case: capabilities R and Q need 10 units each in 2027; supplier SA sells
both at 1 a unit but can deliver only 12 units in all (a linking row), SB sells R at
2 and Q at 3. Q saves 2 a unit on SA, R only 1, so SA serves all of Q and 2 of R:
spend 10·1 + 2·1 + 8·2 = 28, cost term 28 / 100 (budget 100) = 0.28. Without the
capacity row the blocks do not interact and each takes SA: 20 / 100 = 0.2.
"""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from sovopt.decompose.blocks import LINKING, by_capability
from sovopt.decompose.colgen import ColumnGenerator
from sovopt.decompose.pool import ColumnPool
from sovopt.highs import check_vector, set_cost, to_highs
from sovopt.model import build_model
from sovopt.prepare import prepare
from tests.model_cases import make_case, option, supplier
from tests.random_cases import random_case


def hand_case(capacity: float | None):
    return make_case(
        [option("a", "SA", 1, "R"), option("b", "SB", 2, "R"),
         option("c", "SA", 1, "Q"), option("e", "SB", 3, "Q")],
        demand={"R": 10.0, "Q": 10.0},
        suppliers=[supplier("A", "SA", capacity=capacity), supplier("B", "SB")])


def compiled(case):
    d = prepare(case)
    m = build_model(d)
    return d, to_highs(m, m.term_names)


def optimum(hm, cost) -> float:
    set_cost(hm, cost)
    hm.highs.setOptionValue("mip_rel_gap", 0.0)
    hm.highs.run()
    assert hm.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return hm.highs.getInfo().objective_function_value


@pytest.mark.parametrize(("capacity", "expected"), [(12.0, 0.28), (None, 0.2)])
def test_hand_case_bound_and_plan(capacity: float | None, expected: float) -> None:
    d, hm = compiled(hand_case(capacity))
    dec = by_capability(hm, d)
    assert [b.name for b in dec.blocks] == ["R", "Q"]
    capacity_rows = dec.master_rows.size
    cost = hm.costs["cost"]
    result = ColumnGenerator(dec, hm=hm).run(cost, 20.0)
    assert result.bound <= expected + 1e-9
    assert result.bound == pytest.approx(expected, abs=1e-4)
    assert result.value == pytest.approx(expected, abs=1e-9)
    assert check_vector(None, result.plan, lp=dec.lp) == []
    x = {v.name: result.plan[j] for j, v in enumerate(hm.columns)}
    if capacity is None:
        assert (x["x[a,2027]"], x["x[c,2027]"]) == (10, 10)
    else:
        assert capacity_rows >= 1  # SA's capacity links R and Q
        assert (x["x[a,2027]"], x["x[b,2027]"], x["x[c,2027]"]) == (2, 8, 10)


def test_linking_columns_are_the_suppliers() -> None:
    """z[s] serves both capabilities: it is linking, and each block copies it."""
    d, hm = compiled(hand_case(12.0))
    dec = by_capability(hm, d)
    linking = {hm.columns[j].name for j in dec.linking_cols}
    assert {"z[SA]", "z[SB]"} <= linking
    for block in dec.blocks:
        assert {hm.columns[j].name for j in block.cols} >= {
            f"x[{o},2027]" for o in ({"R": "ab", "Q": "ce"}[block.name])}
        assert all(dec.lp.integrality[j] == 1 for j in block.copies)
    assert np.all((dec.lp.A.shape[1] == dec.num_col) | (LINKING == -1))


def test_pool_is_reused_by_a_second_run() -> None:
    """A second run at the same cost starts from the pooled plans: it adds no column,
    and a run at another cost with the same pool adds fewer than the first."""
    d, hm = compiled(hand_case(12.0))
    dec = by_capability(hm, d)
    pool = ColumnPool()
    first = ColumnGenerator(dec, pool).run(hm.costs["cost"], 20.0)
    again = ColumnGenerator(dec, pool).run(hm.costs["cost"], 20.0)
    assert first.new_columns > 0
    assert again.new_columns == 0
    assert again.value == pytest.approx(first.value, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 2, 10, 21, 26, 44, 49])
def test_random_cases_bound_below_and_plan_above_the_optimum(seed: int) -> None:
    """On random small cases, for every objective term: the Lagrangian bound is never
    above HiGHS's proven optimum, and the master's plan keeps every row and costs at
    least the optimum."""
    case = random_case(np.random.default_rng(seed))
    d, hm = compiled(case)
    checked = 0
    for term in hm.costs:
        cost = hm.costs[term]
        opt = optimum(hm, cost)
        dec = by_capability(hm, d)
        result = ColumnGenerator(dec, hm=hm).run(cost, 10.0)
        tol = 1e-7 * max(1.0, abs(opt))
        assert result.bound <= opt + tol, term
        if result.plan is not None:
            assert check_vector(None, result.plan, lp=dec.lp) == []
            assert result.value >= opt - tol, term
        checked += 1
    assert checked == len(hm.costs)


def test_a_change_to_a_blocks_own_row_starts_its_pool_anew() -> None:
    """A pooled plan is offered again only while its block's rows are the same: a
    master row's bound (SA's capacity) leaves every signature as it was; a bound of
    one block's own row changes that block's signature alone."""
    d, hm = compiled(hand_case(12.0))
    before = by_capability(hm, d)
    capacity = int(before.master_rows[0])
    lp = before.lp
    hm.highs.changeRowBounds(capacity, float(lp.row_lower[capacity]), 11.0)
    after_master = by_capability(hm, d)
    assert [b.signature for b in after_master.blocks] == [b.signature for b in before.blocks]
    own = int(before.blocks[0].rows[0])
    hm.highs.changeRowBounds(own, float(lp.row_lower[own]) - 1.0, float(lp.row_upper[own]))
    after_own = by_capability(hm, d)
    assert after_own.blocks[0].signature != before.blocks[0].signature
    assert after_own.blocks[1].signature == before.blocks[1].signature
    pool = ColumnPool()
    pool.add(before.blocks[0], np.zeros(before.blocks[0].local.size))
    assert pool.plans(after_master.blocks[0]) and not pool.plans(after_own.blocks[0])
