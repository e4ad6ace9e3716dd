"""Capability-block search on cases whose optimum is known.

The hand case of tests/decompose/test_colgen.py: R and Q need 10 units each; SA sells
both at 1, SB sells R at 2 and Q at 3. Without a capacity on SA the capabilities do
not interact, so improving one capability at a time from the dearest plan (all on SB:
20 + 30 = 50, cost term 0.5) must reach the optimum (all on SA: 20, cost term 0.2).
"""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from sovopt.decompose.blocks import by_capability
from sovopt.heuristics.block_search import block_search
from sovopt.highs import check_vector, set_cost
from tests.decompose.test_colgen import compiled, hand_case, optimum
from tests.random_cases import random_case


def dearest_plan(hm, cost) -> np.ndarray:
    """A feasible plan that maximises ``cost`` (the worst start there is)."""
    set_cost(hm, -cost)
    hm.highs.setOptionValue("mip_rel_gap", 0.0)
    hm.highs.run()
    assert hm.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return np.asarray(hm.highs.getSolution().col_value, dtype=float)


def test_one_capability_at_a_time_reaches_the_optimum_of_independent_blocks() -> None:
    d, hm = compiled(hand_case(None))
    cost = hm.costs["cost"]
    start = dearest_plan(hm, cost)
    assert float(cost @ start) == pytest.approx(0.5, abs=1e-9)
    set_cost(hm, cost)
    dec = by_capability(hm, d)
    found = block_search(hm, dec, cost, start, 20.0, group=1)
    assert found.value == pytest.approx(0.2, abs=1e-9)
    assert found.accepted == 2  # R, then Q
    assert check_vector(None, found.values, lp=dec.lp) == []


@pytest.mark.parametrize("seed", [0, 21, 49])
def test_random_cases_never_worse_and_verified(seed: int) -> None:
    """From the dearest plan, each term's search ends no worse than its start, at or
    above the optimum, with a plan that keeps every row."""
    d, hm = compiled(random_case(np.random.default_rng(seed)))
    for term, cost in hm.costs.items():
        opt = optimum(hm, cost)
        start = dearest_plan(hm, cost)
        set_cost(hm, cost)
        dec = by_capability(hm, d)
        found = block_search(hm, dec, cost, start, 10.0, group=1)
        assert found.value <= float(cost @ start) + 1e-12, term
        assert found.value >= opt - 1e-7 * max(1.0, abs(opt)), term
        assert check_vector(None, found.values, lp=dec.lp) == [], term
