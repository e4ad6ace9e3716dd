"""Column generation by capability: a Lagrangian bound and a plan from the pool.

Dantzig–Wolfe over the capability blocks of :mod:`sovopt.decompose.blocks`. Each
round solves the restricted master LP over the pool (:mod:`sovopt.decompose.master`),
prices every block at the master's row prices (:mod:`sovopt.decompose.pricing`) and
pools the plans found. The prices handed to pricing are smoothed towards the best
prices seen so far (Wentges: y = α·y_best + (1 − α)·y_master); a round whose smoothed
prices find no plan that improves the master (a mispricing) prices again at the
master's own prices.

The bound. For any prices y on the master rows and the copy rows,

    L(y) = Σ_k min_{x_k ∈ X_k} (c_k − yᵀA_k) x_k  +  min_{l ≤ x_L ≤ u} (c_L − yᵀA_L) x_L
           + Σ_i (y_i · lo_i if y_i > 0 else y_i · up_i)

is a lower bound on the model's optimum (X_k: block k's integer plans; the block
minimum taken as HiGHS's dual bound of the pricing problem, so a pricing run that
stopped early still counts). The best L over the rounds is reported; it is never
above the optimum, whatever the prices, the artificials or the time left.

The plan. The master MIP over the pool picks one plan per block and the linking
columns. Pricing returns extreme plans only, and the best whole plan often mixes
them (two suppliers sharing a capacity), so a second plan is made from the last
master LP: the integer columns on which every plan the LP uses agrees are held,
and the rest of the model is optimised around them
(:func:`sovopt.heuristics.complete.complete`). The better of the two is checked
against every row of the model before it is returned
(:func:`sovopt.highs.check_vector`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from sovopt.decompose.blocks import Decomposition
from sovopt.decompose.master import solve_master_lp, solve_master_mip
from sovopt.decompose.pool import ColumnPool
from sovopt.decompose.pricing import BlockPricer, Priced
from sovopt.heuristics.complete import complete
from sovopt.highs import HighsModel, check_vector

#: Weight of the best prices in the smoothed prices (Wentges).
SMOOTHING = 0.5
#: Share of the time kept for the master MIP at the end.
MASTER_MIP_SHARE = 0.25


@dataclass(frozen=True)
class ColumnGeneration:
    """What a run of column generation gave.

    ``bound``: the best Lagrangian bound (−inf when no round completed);
    ``master_lp``: the last restricted master LP's value; ``plan``/``value``: the
    master MIP's verified whole plan and its cost (None when it found none);
    ``rounds``, ``new_columns`` (plans pricing found that the pool did not hold),
    ``seeded`` (block parts of the given starts new to the pool), ``seconds``;
    ``converged``: pricing found no plan that improves the master LP (the bound then
    equals the master LP's value up to the pricing gaps).
    """

    bound: float
    master_lp: float
    plan: np.ndarray | None
    value: float | None
    rounds: int
    new_columns: int
    seconds: float
    converged: bool
    seeded: int = 0


class ColumnGenerator:
    """Column generation on one decomposition; the pricers are kept between calls, so
    a level that changes only the cost or the master rows reuses them."""

    def __init__(self, dec: Decomposition, pool: ColumnPool | None = None,
                 workers: int = 1, hm: HighsModel | None = None):
        self.dec = dec
        self.hm = hm  # for the completion around the master LP's agreed columns
        self.pool = pool if pool is not None else ColumnPool()
        self.pricers = [BlockPricer(dec, b) for b in dec.blocks]
        self.workers = max(1, workers)
        self._A_master = dec.A[dec.master_rows]

    # --- prices -> block costs and the bound -------------------------------------------

    def block_costs(self, cost: np.ndarray, y_master: np.ndarray,
                    y_copy: list[np.ndarray]) -> list[np.ndarray]:
        """Each block's pricing cost over its local columns at the prices given."""
        out = []
        for block, yc in zip(self.dec.blocks, y_copy, strict=True):
            own = cost[block.cols] - self._A_master[:, block.cols].T @ y_master
            out.append(np.concatenate([own, -yc]))
        return out

    def lagrangian(self, cost: np.ndarray, y_master: np.ndarray, y_copy: list[np.ndarray],
                   block_bounds: list[float]) -> float:
        """L(y) of the module docstring, from the blocks' lower bounds at those prices."""
        dec = self.dec
        rc = cost[dec.linking_cols] - self._A_master[:, dec.linking_cols].T @ y_master
        position = {int(j): i for i, j in enumerate(dec.linking_cols)}
        for block, yc in zip(dec.blocks, y_copy, strict=True):
            for j, y in zip(block.copies, yc, strict=True):
                rc[position[int(j)]] += y
        lo, up = dec.lp.col_lower[dec.linking_cols], dec.lp.col_upper[dec.linking_cols]
        rc = np.where(np.abs(rc) < 1e-12, 0.0, rc)
        with np.errstate(invalid="ignore"):
            linking = np.where(rc > 0, rc * lo, np.where(rc < 0, rc * up, 0.0))
        rlo, rup = dec.lp.row_lower[dec.master_rows], dec.lp.row_upper[dec.master_rows]
        y = np.where(np.abs(y_master) < 1e-12, 0.0, y_master)
        with np.errstate(invalid="ignore"):
            rows = np.where(y > 0, y * rlo, np.where(y < 0, y * rup, 0.0))
        total = float(np.sum(block_bounds)) + float(np.sum(linking)) + float(np.sum(rows))
        return total if np.isfinite(total) else -np.inf

    # --- the loop ----------------------------------------------------------------------

    def _price_all(self, costs: list[np.ndarray], seconds: float) -> list[Priced]:
        each = seconds / max(1, -(-len(costs) // self.workers))
        if self.workers == 1:
            return [p.price(c, each) for p, c in zip(self.pricers, costs, strict=True)]
        with ThreadPoolExecutor(self.workers) as pool:  # HiGHS runs release the GIL
            return list(pool.map(lambda pc: pc[0].price(pc[1], each),
                                 zip(self.pricers, costs, strict=True)))

    def run(self, cost: np.ndarray, seconds: float, *, tol: float = 1e-6,
            starts: tuple[np.ndarray, ...] = (), max_rounds: int = 1000,
            stop: Callable[[], bool] = lambda: False) -> ColumnGeneration:
        """Generate columns for ``cost`` for at most ``seconds``; bound and plan.

        ``starts`` (whole verified plans) are pooled first; ``stop`` is asked between
        rounds (a Ctrl-C ends the rounds, and the master still gives its plan).
        """
        t0 = time.monotonic()
        deadline = t0 + seconds
        mip_seconds = seconds * MASTER_MIP_SHARE
        cost = np.asarray(cost, dtype=float)
        seeded = sum(self.pool.add_solution(self.dec, values) for values in starts)
        added_before = self.pool.added
        if any(not self.pool.plans(b) for b in self.dec.blocks):  # a first plan each
            zero = [np.zeros(self.dec.master_rows.size),
                    [np.zeros(b.copies.size) for b in self.dec.blocks]]
            for block, priced in zip(self.dec.blocks,
                                     self._price_all(self.block_costs(cost, *zero),
                                                     max(deadline - time.monotonic(), 0.1)),
                                     strict=True):
                if priced.plan is not None:
                    self.pool.add(block, priced.plan)
        penalty = 10.0 * max(1.0, float(np.max(np.abs(cost), initial=0.0)))
        best, center = -np.inf, None
        master_value, rounds, converged, lp = np.inf, 0, False, None
        while (rounds < max_rounds and time.monotonic() < deadline - mip_seconds
               and not stop()):
            rounds += 1
            lp = solve_master_lp(self.dec, self.pool, cost, penalty,
                                 max(deadline - time.monotonic(), 0.1))
            master_value = lp.value
            y_now = (lp.master_duals, lp.copy_duals)
            improved = False
            for alpha in ((SMOOTHING, 0.0) if center is not None else (0.0,)):
                y = y_now if alpha == 0.0 else _mix(center, y_now, alpha)
                costs = self.block_costs(cost, *y)
                left = deadline - mip_seconds - time.monotonic()
                if left <= 0:
                    break
                priced = self._price_all(costs, left)
                bound = self.lagrangian(cost, *y, [p.bound for p in priced])
                if bound > best:
                    best, center = bound, y
                improved = self._pool_improving(cost, lp, priced, tol)
                if improved:
                    break
            if not improved:
                if lp.artificial > tol:
                    penalty *= 10.0  # the pool's mix still needs artificials: price them up
                    continue
                converged = True
                break
            if lp.artificial <= tol and master_value - best <= tol * max(1.0, abs(best)):
                converged = True
                break
        plan, value = self._master_plan(cost, deadline, lp)
        return ColumnGeneration(bound=best, master_lp=master_value, plan=plan, value=value,
                                rounds=rounds, new_columns=self.pool.added - added_before,
                                seconds=time.monotonic() - t0, converged=converged,
                                seeded=seeded)

    def _pool_improving(self, cost: np.ndarray, lp, priced: list[Priced], tol: float) -> bool:
        """Pool every plan found; True when one has a negative reduced cost at the master
        LP's own prices (it improves the master)."""
        own_costs = self.block_costs(cost, lp.master_duals, lp.copy_duals)
        improving = False
        for k, (block, p) in enumerate(zip(self.dec.blocks, priced, strict=True)):
            if p.plan is None:
                continue
            reduced = float(own_costs[k] @ p.plan) - lp.convexity_duals[k]
            scale = max(1.0, abs(lp.convexity_duals[k]))
            if self.pool.add(block, p.plan) and reduced < -tol * scale:
                improving = True
        return improving

    def _master_plan(self, cost: np.ndarray, deadline: float, lp
                     ) -> tuple[np.ndarray | None, float | None]:
        """The better verified plan of the master MIP and the completion around the
        master LP's agreed columns (None, None when neither gives one)."""
        candidates = []
        left = deadline - time.monotonic()
        found = solve_master_mip(self.dec, self.pool, cost, max(left / 2, 0.1))
        if found is not None and all(c is not None for c in found.chosen):
            candidates.append(self.dec.full_vector(found.chosen, found.linking))
        if self.hm is not None and lp is not None:
            values, fixed = self._agreed(lp)
            done = complete(self.hm, cost, values, fixed,
                            max(deadline - time.monotonic(), 0.2), lp=self.dec.lp)
            if done.values is not None:
                candidates.append(done.values)
        verified = [v for v in candidates if not check_vector(None, v, lp=self.dec.lp)]
        if not verified:
            return None, None
        best = min(verified, key=lambda v: float(cost @ v))
        return best, float(cost @ best)

    def _agreed(self, lp) -> tuple[np.ndarray, np.ndarray]:
        """The master LP's mix as a whole vector, and the integer block columns on
        which every plan it uses agrees (to be held)."""
        dec = self.dec
        values = np.zeros(dec.num_col)
        fixed = []
        for block, weights in zip(dec.blocks, lp.weights, strict=True):
            plans = self.pool.plans(block)
            used = [plans[p][:block.cols.size] for p in np.flatnonzero(weights > 1e-9)]
            if not used:
                continue
            own = np.vstack(used)
            values[block.cols] = weights[weights > 1e-9] @ own / np.sum(weights[weights > 1e-9])
            same = np.all(own == own[0], axis=0) & (dec.lp.integrality[block.cols] == 1)
            fixed.append(block.cols[same])
        return values, np.concatenate(fixed) if fixed else np.zeros(0, dtype=np.int64)


def _mix(center, now, alpha: float):
    """α·center + (1 − α)·now, for (master prices, [copy prices per block])."""
    master = alpha * center[0] + (1 - alpha) * now[0]
    copies = [alpha * a + (1 - alpha) * b for a, b in zip(center[1], now[1], strict=True)]
    return master, copies
