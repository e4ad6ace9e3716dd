"""The master problems over a pool of block plans.

The restricted master LP chooses a convex combination of each block's pooled plans
(λ ≥ 0, Σ_p λ_kp = 1 for every block k) and the linking columns, subject to

- every master row: lo_i ≤ Σ_k Σ_p (A_ik · x_kp) λ_kp + A_iL · x_L ≤ up_i;
- every copy of a linking column j in block k: Σ_p x_kp[j] λ_kp − x_L[j] = 0.

Each master and copy row has two artificial columns priced at ``penalty`` per unit,
so the LP is feasible from the first round on; its row duals are the prices of the
next pricing round (HiGHS's convention: reduced cost = c − Aᵀy).

The master MIP takes one plan per block (λ binary) and the linking columns with
their integrality, without artificials: its solution is a plan of the whole model.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from sovopt.decompose.blocks import Decomposition
from sovopt.decompose.pool import ColumnPool
from sovopt.highs import has_solution, new_highs, pass_arrays, set_time_limit


@dataclass(frozen=True)
class MasterLp:
    """The restricted master LP's value, its row prices and whether artificials are used."""

    value: float
    master_duals: np.ndarray  # one per master row
    copy_duals: list[np.ndarray]  # per block, one per copy
    convexity_duals: np.ndarray  # one per block
    artificial: float  # total artificial activity (0: the pool's mix is feasible)
    weights: list[np.ndarray]  # per block, λ of each pooled plan


@dataclass(frozen=True)
class MasterPlan:
    """The master MIP's choice: one local plan per block and the linking values."""

    chosen: list[np.ndarray]
    linking: np.ndarray
    value: float


def _columns(dec: Decomposition, pool: ColumnPool, cost: np.ndarray):
    """The λ columns: (block, plan) per column, its cost and its master/copy coefficients."""
    keys, costs, parts = [], [], []
    A_master = dec.A[dec.master_rows]
    n_master = dec.master_rows.size
    copy_offset = np.cumsum([0] + [b.copies.size for b in dec.blocks])
    n_copy = int(copy_offset[-1])
    n_block = len(dec.blocks)
    for k, block in enumerate(dec.blocks):
        plans = pool.plans(block)
        if not plans:
            continue
        X = np.vstack(plans)  # plans x local
        own = X[:, :block.cols.size]
        costs.append(own @ cost[block.cols])
        master = sparse.csr_array(A_master[:, block.cols] @ own.T)  # rows x plans
        copy = np.zeros((n_copy, X.shape[0]))
        copy[copy_offset[k]:copy_offset[k + 1]] = X[:, block.cols.size:].T
        conv = np.zeros((n_block, X.shape[0]))
        conv[k] = 1.0
        parts.append(sparse.vstack([master, sparse.csr_array(copy), sparse.csr_array(conv)]))
        keys.extend((k, p) for p in range(X.shape[0]))
    rows = n_master + n_copy + n_block
    lam = sparse.hstack(parts, format="csc") if parts else sparse.csc_array((rows, 0))
    return keys, np.concatenate(costs) if costs else np.zeros(0), lam, copy_offset


def _linking_block(dec: Decomposition, copy_offset: np.ndarray) -> sparse.csc_array:
    """The linking columns' coefficients in the master, copy and convexity rows."""
    n_copy = int(copy_offset[-1])
    link = dec.A[dec.master_rows][:, dec.linking_cols]
    position = {int(j): i for i, j in enumerate(dec.linking_cols)}
    copy = sparse.lil_array((n_copy, dec.linking_cols.size))
    for k, block in enumerate(dec.blocks):
        for i, j in enumerate(block.copies):
            copy[copy_offset[k] + i, position[int(j)]] = -1.0
    conv = sparse.csr_array((len(dec.blocks), dec.linking_cols.size))
    return sparse.vstack([link, copy.tocsr(), conv], format="csc")


def solve_master_lp(dec: Decomposition, pool: ColumnPool, cost: np.ndarray,
                    penalty: float, seconds: float) -> MasterLp:
    """Solve the restricted master LP over ``pool`` (see the module docstring)."""
    keys, lam_cost, lam, copy_offset = _columns(dec, pool, cost)
    link = _linking_block(dec, copy_offset)
    n_master, n_copy, n_block = dec.master_rows.size, int(copy_offset[-1]), len(dec.blocks)
    n_art = n_master + n_copy
    eye = sparse.identity(n_art, format="csc")
    art = sparse.vstack([sparse.hstack([eye, -eye]),
                         sparse.csc_array((n_block, 2 * n_art))], format="csc")
    A = sparse.hstack([lam, link, art], format="csc")
    lp = dec.lp
    col_cost = np.concatenate([lam_cost, cost[dec.linking_cols], np.full(2 * n_art, penalty)])
    col_lower = np.concatenate([np.zeros(len(keys)), lp.col_lower[dec.linking_cols],
                                np.zeros(2 * n_art)])
    col_upper = np.concatenate([np.full(len(keys), np.inf), lp.col_upper[dec.linking_cols],
                                np.full(2 * n_art, np.inf)])
    row_lower = np.concatenate([lp.row_lower[dec.master_rows], np.zeros(n_copy),
                                np.ones(n_block)])
    row_upper = np.concatenate([lp.row_upper[dec.master_rows], np.zeros(n_copy),
                                np.ones(n_block)])
    h = new_highs()
    pass_arrays(h, A, col_cost, col_lower, col_upper, row_lower, row_upper,
                np.zeros(A.shape[1], dtype=np.int8))
    set_time_limit(h, seconds)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"the restricted master LP ended {h.getModelStatus()}")
    sol = h.getSolution()
    duals = np.asarray(sol.row_dual, dtype=float)
    values = np.asarray(sol.col_value, dtype=float)
    copy_duals = [duals[n_master + copy_offset[k]:n_master + copy_offset[k + 1]]
                  for k in range(n_block)]
    weights = [np.zeros(len(pool.plans(b))) for b in dec.blocks]
    for (k, p), v in zip(keys, values[:len(keys)], strict=True):
        weights[k][p] = v
    return MasterLp(value=float(h.getInfo().objective_function_value), weights=weights,
                    master_duals=duals[:n_master], copy_duals=copy_duals,
                    convexity_duals=duals[n_master + n_copy:],
                    artificial=float(np.sum(values[len(keys) + dec.linking_cols.size:])))


def solve_master_mip(dec: Decomposition, pool: ColumnPool, cost: np.ndarray,
                     seconds: float, start: MasterPlan | None = None) -> MasterPlan | None:
    """One pooled plan per block and the linking columns: the best whole plan the pool
    holds (None when the time ran out before any, or the pool cannot meet the rows)."""
    keys, lam_cost, lam, copy_offset = _columns(dec, pool, cost)
    if any(not pool.plans(b) for b in dec.blocks):
        return None
    link = _linking_block(dec, copy_offset)
    A = sparse.hstack([lam, link], format="csc")
    lp = dec.lp
    n_copy, n_block = int(copy_offset[-1]), len(dec.blocks)
    col_cost = np.concatenate([lam_cost, cost[dec.linking_cols]])
    col_lower = np.concatenate([np.zeros(len(keys)), lp.col_lower[dec.linking_cols]])
    col_upper = np.concatenate([np.ones(len(keys)), lp.col_upper[dec.linking_cols]])
    integrality = np.concatenate([np.ones(len(keys), dtype=np.int8),
                                  lp.integrality[dec.linking_cols]])
    row_lower = np.concatenate([lp.row_lower[dec.master_rows], np.zeros(n_copy),
                                np.ones(n_block)])
    row_upper = np.concatenate([lp.row_upper[dec.master_rows], np.zeros(n_copy),
                                np.ones(n_block)])
    h = new_highs({"mip_rel_gap": 1e-6})
    pass_arrays(h, A, col_cost, col_lower, col_upper, row_lower, row_upper, integrality)
    set_time_limit(h, seconds)
    h.run()
    if not has_solution(h):
        return None
    values = np.asarray(h.getSolution().col_value, dtype=float)
    chosen: list[np.ndarray | None] = [None] * n_block
    for (k, p), v in zip(keys, values[:len(keys)], strict=True):
        if v > 0.5:
            chosen[k] = pool.plans(dec.blocks[k])[p]
    linking = values[len(keys):]
    return MasterPlan(chosen=chosen, linking=linking,
                      value=float(h.getInfo().objective_function_value))
