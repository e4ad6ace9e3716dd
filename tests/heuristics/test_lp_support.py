"""The LP relaxation's support as a neighbourhood (sovopt.heuristics.lp_support), and
the constructive start's use of it (sovopt.heuristics.construct), on models whose
optimum is worked out by hand."""

from __future__ import annotations

import highspy
import numpy as np
import pytest
from scipy import sparse

from sovopt.example import example_case
from sovopt.heuristics import construct
from sovopt.heuristics.lp_support import lp_support
from sovopt.highs import HighsModel, Stop, new_highs
from sovopt.highs_arrays import LpArrays, highs_lp
from tests.checker import check_portfolio

MS = highspy.HighsModelStatus


def two_integers(cost: list[float], rows: list[tuple[list[float], float, float]],
                 upper: float = 3.0) -> HighsModel:
    """A HiGHS model of two integer columns in [0, ``upper``]: minimise cost·x over
    ``rows`` (coefficients, lower, upper)."""
    A = sparse.csr_array(np.array([r[0] for r in rows], dtype=float))
    csc = A.tocsc()
    lower, up = np.zeros(2), np.full(2, upper)
    arrays = LpArrays(2, len(rows), np.array(cost), lower, up,
                      np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
                      csc.indptr, csc.indices, csc.data, np.ones(2, dtype=np.int8))
    h = new_highs({"mip_rel_gap": 0.0})
    h.passModel(highs_lp(arrays))
    return HighsModel(highs=h, columns=[None, None], rows=[None] * len(rows), costs={},
                      A=A, row_lower=arrays.row_lower, row_upper=arrays.row_upper,
                      col_lower=lower, col_upper=up, integrality=np.ones(2, dtype=np.int8))


def held(h: highspy.Highs) -> tuple[list[float], list[float], list[str]]:
    lp = h.getLp()
    return list(lp.col_lower_), list(lp.col_upper_), [str(k) for k in lp.integrality_]


def test_the_columns_at_zero_in_the_lp_are_fixed_and_the_mip_solved_among_the_rest() -> None:
    """min x1 + 2·x2 s.t. x1 + x2 ≥ 1.5, both integer in [0, 3]: the LP point is
    (1.5, 0), so x2 is fixed at 0 and one integer stays free; within that the
    optimum is x1 = 2 (cost 2), which is also the whole MIP's. Leaving the context
    puts back x2's bounds and both integralities."""
    hm = two_integers([1.0, 2.0], [([1.0, 1.0], 1.5, highspy.kHighsInf)])
    before = held(hm.highs)
    with lp_support(hm, Stop()) as free:
        assert free == 1
        assert list(hm.highs.getLp().col_upper_) == [3.0, 0.0]
        hm.highs.run()
        assert hm.highs.getModelStatus() == MS.kOptimal
        assert hm.highs.getInfo().objective_function_value == pytest.approx(2.0)
        assert list(hm.highs.getSolution().col_value) == pytest.approx([2.0, 0.0])
    assert held(hm.highs) == before


def test_a_neighbourhood_without_an_integer_plan_is_infeasible_and_the_whole_mip_is_not(
        ) -> None:
    """min x1 + 1.1·x2 s.t. x1 + x2 ≥ 1.5 and x1 ≤ 1.5: the LP point is (1.5, 0);
    with x2 fixed at 0 no integer x1 ≤ 1.5 reaches 1.5 (infeasible), while the whole
    MIP has x = (1, 1) at 2.1. This is why the constructive start falls back to the
    whole block."""
    hm = two_integers([1.0, 1.1], [([1.0, 1.0], 1.5, highspy.kHighsInf),
                                   ([1.0, 0.0], -highspy.kHighsInf, 1.5)])
    with lp_support(hm, Stop()) as free:
        assert free == 1
        hm.highs.run()
        assert hm.highs.getModelStatus() == MS.kInfeasible
    hm.highs.run()
    assert hm.highs.getModelStatus() == MS.kOptimal
    assert hm.highs.getInfo().objective_function_value == pytest.approx(2.1)


def test_an_infeasible_lp_fixes_nothing() -> None:
    """x1 + x2 ≥ 7 with both in [0, 3]: the LP has no point; nothing is fixed (None)
    and the model is as it was."""
    hm = two_integers([1.0, 1.0], [([1.0, 1.0], 7.0, highspy.kHighsInf)])
    before = held(hm.highs)
    with lp_support(hm, Stop()) as free:
        assert free is None
        assert held(hm.highs) == before
    assert held(hm.highs) == before


def test_the_blocks_plans_come_from_the_lp_support_and_keep_the_shared_limits(
        monkeypatch) -> None:
    """The example in four blocks of about 10 options: every block's plan is solved
    within its LP support first; the plans together keep every year's budget and
    every supplier's capacity (the independent checker)."""
    labels: list[str] = []
    optimise = construct.LevelSolver.optimise

    def recorded(self, name, terms, cost, scale, start, label, *rest, **named):
        labels.append(label)
        return optimise(self, name, terms, cost, scale, start, label, *rest, **named)

    monkeypatch.setattr(construct.LevelSolver, "optimise", recorded)
    monkeypatch.setattr(construct, "OPTIONS_PER_BLOCK", 10)
    portfolio = construct.constructive_portfolio(example_case(), 120, Stop())
    assert portfolio is not None
    assert [x for x in labels if x.endswith("LP support")][:1] == [
        "first portfolio, block 1/4, LP support"]
    assert {x.split(",")[1].strip() for x in labels} == {"block 1/4", "block 2/4",
                                                          "block 3/4", "block 4/4"}
    problems = check_portfolio(example_case(), portfolio)
    assert not [p for p in problems if p.startswith(("budget", "supplier_capacity"))]


def test_a_short_plan_in_the_support_with_all_the_budget_falls_back_to_the_whole_block(
        monkeypatch) -> None:
    """With a support that fixes every integer at zero (no option started, nothing
    spent, every unit short), the example's first block (2 capabilities, all of the
    budget) is solved whole, and its plan is the one the whole block MIP gives
    without the support step: it spends the same, well above zero. (Even whole,
    that block is a little short: the example's budget is tight in 2027-2028.)"""
    from contextlib import contextmanager

    @contextmanager
    def nothing_open(hm, stop):
        h = hm.highs
        integer = np.flatnonzero(hm.integrality == 1).astype(np.int32)
        zeros = np.zeros(len(integer))
        h.changeColsBounds(len(integer), integer, zeros, zeros)
        try:
            yield 0
        finally:
            h.changeColsBounds(len(integer), integer, hm.col_lower[integer],
                               hm.col_upper[integer])

    case = example_case()
    caps = construct.capability_blocks(case, per_block=10)[:1]

    def one_block() -> construct.Piece:
        pieces = construct._block_by_block(case, caps, 1e12, Stop(), None,
                                           budget=case.budget)
        assert pieces is not None and len(pieces) == 1
        return pieces[0]

    monkeypatch.setattr(construct, "lp_support", lambda hm, stop: _none())
    whole = one_block()
    monkeypatch.setattr(construct, "lp_support", nothing_open)
    fallen_back = one_block()
    assert sum(whole.spent.values()) > 1000.0
    assert sum(fallen_back.spent.values()) == pytest.approx(sum(whole.spent.values()),
                                                            rel=1e-9)
    assert fallen_back.short == whole.short


def _none():
    from contextlib import nullcontext
    return nullcontext(None)
