"""Pricing: each capability's cheapest integer plan under the master's prices.

One persistent HiGHS instance per block holds the block's rows over its own columns
and its copies of linking columns; a round only changes the costs. HiGHS is told a
cost vector scaled to a largest entry of 1: with prices near 1e-6 its presolve can
otherwise return "optimal" values above plans known to be feasible, and the bound
built on them would be wrong. The value and the bound are scaled back.

A pricing run returns the plan it found and a lower bound on the block's minimum
(HiGHS's dual bound, equal to the value when it proved optimality): the
Lagrangian bound is built from those bounds, so a pricing problem stopped by its
time limit still gives a valid bound. HiGHS calls a run optimal once its gap is
within ``mip_rel_gap`` or ``mip_abs_gap``, and may then report the dual bound equal
to the value, and its LP tolerances (1e-7 on scaled costs) let an "optimal" plan lie
above the true minimum by that much per unit of the plan: the bound returned is
lowered by both.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from sovopt.decompose.blocks import Block, Decomposition
from sovopt.highs import has_solution, new_highs, pass_arrays, set_time_limit


@dataclass(frozen=True)
class Priced:
    """A block's plan (local vector, None when HiGHS found none), its value and a lower
    bound on the block's minimum under the same prices."""

    plan: np.ndarray | None
    value: float
    bound: float


class BlockPricer:
    """The pricing problem of one block, kept between rounds."""

    #: HiGHS's absolute MIP gap, in the scaled costs it is given
    ABS_GAP = 1e-9
    #: HiGHS's primal and dual feasibility tolerances (1e-7 each): a plan it calls
    #: optimal may be this far above the minimum per unit of the plan's size
    TOLERANCE = 2e-7

    def __init__(self, dec: Decomposition, block: Block, mip_gap: float = 1e-7):
        self.block = block
        local = block.local
        lp = dec.lp
        A = dec.A[block.rows][:, local]
        self.rel_gap = mip_gap
        self.h = new_highs({"mip_rel_gap": mip_gap, "mip_abs_gap": self.ABS_GAP})
        pass_arrays(self.h, A, np.zeros(local.size), lp.col_lower[local],
                    lp.col_upper[local], lp.row_lower[block.rows], lp.row_upper[block.rows],
                    lp.integrality[local])
        self._index = np.arange(local.size, dtype=np.int32)

    def price(self, cost: np.ndarray, seconds: float) -> Priced:
        """The block's cheapest plan for ``cost`` (over its local columns)."""
        cost = np.asarray(cost, dtype=float)
        scale = float(np.max(np.abs(cost), initial=0.0))
        if scale == 0.0:
            scale = 1.0
        self.h.changeColsCost(cost.size, self._index, cost / scale)
        set_time_limit(self.h, max(seconds, 0.05))
        self.h.run()
        info = self.h.getInfo()
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            raise ValueError(f"block {self.block.name} has no plan at all")
        plan = None
        value = np.inf
        if has_solution(self.h):
            plan = np.asarray(self.h.getSolution().col_value, dtype=float)
            value = float(cost @ plan)
        if status == highspy.HighsModelStatus.kOptimal:
            bound = value if plan is not None else -np.inf
            dual = float(info.mip_dual_bound) * scale
            if np.isfinite(dual):
                bound = min(bound, dual)
            if np.isfinite(bound):  # the gap HiGHS accepted as optimal, and its tolerances
                size = float(np.sum(np.abs(plan))) if plan is not None else 1.0
                bound -= (self.ABS_GAP + self.rel_gap * abs(bound) / scale
                          + self.TOLERANCE * max(1.0, size)) * scale
        else:
            dual = float(info.mip_dual_bound)
            bound = dual * scale if np.isfinite(dual) else -np.inf
        return Priced(plan=plan, value=value, bound=bound)
