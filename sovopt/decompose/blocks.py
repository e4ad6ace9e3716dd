"""The capability blocks of a compiled model: which columns and rows belong to one
capability, and which link them.

The model is block-angular by capability: an option's deliveries and starts, its
capability's shares, HHI, dual-sourcing links and scenario shortfall are that
capability's own; only a few families link capabilities (the yearly budgets and
localization, the supplier capacities and activation, the scenario-loss and CVaR
aggregation, and the rows that hold earlier levels). The split is read off the
compiled matrix itself, so no family needs to declare it and a new family cannot
put a linking row in the wrong place:

- a column belongs to the capability named in its index (directly, or through the
  option it is indexed by); a column without one (a supplier engaged ``z[s]``,
  CVaR's ``η`` and ``ξ[k]``) is a *linking column*;
- a row whose block columns all belong to one capability is that block's row; when
  it also has linking columns (``x[o,t] ≤ cap · z[s]``), the block gets a *copy* of
  each of them and the master ties every copy to the original (copy = original);
- every other row (two blocks or more, or linking columns only) is a *master row*.

:class:`Decomposition` holds the result with every array the pricing and the master
need; it is built from what HiGHS holds (:func:`sovopt.highs.held_lp`), so the rows
of held levels are in it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from sovopt.highs import HeldLp, HighsModel, held_lp
from sovopt.prepare import ModelData

#: ``block_of_col`` entry of a linking column.
LINKING = -1


@dataclass(frozen=True)
class Block:
    """One capability's part: its own columns, the linking columns it copies, its rows.

    A block's local vector is its own columns followed by its copies, in that order.
    """

    name: str
    cols: np.ndarray
    copies: np.ndarray
    rows: np.ndarray
    #: a digest of the block's rows (coefficients and bounds) and its columns' bounds
    #: and integrality: a plan pooled under one digest meets every row of the block
    fingerprint: str = ""

    @property
    def local(self) -> np.ndarray:
        """The original column of each local position."""
        return np.concatenate([self.cols, self.copies])

    @property
    def signature(self) -> tuple[str, int, int, str]:
        """What a pooled column of this block must match to be reused: the same
        columns, and the same rows and bounds (a study point that changes a row of
        this block alone, a one-capability ε row say, starts the block's pool anew)."""
        return (self.name, hash(self.cols.tobytes()), hash(self.copies.tobytes()),
                self.fingerprint)


@dataclass(frozen=True)
class Decomposition:
    """A model split into capability blocks and master rows (see the module docstring)."""

    lp: HeldLp
    A: sparse.csr_array
    blocks: tuple[Block, ...]
    master_rows: np.ndarray
    linking_cols: np.ndarray

    @property
    def num_col(self) -> int:
        return self.lp.num_col

    def local_vector(self, k: int, values: np.ndarray) -> np.ndarray:
        """Block ``k``'s local vector of a full solution ``values``."""
        return np.asarray(values, dtype=float)[self.blocks[k].local]

    def full_vector(self, chosen: Sequence[np.ndarray], linking: np.ndarray) -> np.ndarray:
        """The full solution made of one local vector per block and the linking values."""
        out = np.zeros(self.num_col)
        for block, local in zip(self.blocks, chosen, strict=True):
            out[block.cols] = local[:block.cols.size]
        out[self.linking_cols] = linking
        return out


def split(lp: HeldLp, block_of_col: np.ndarray, names: Sequence[str]) -> Decomposition:
    """Split ``lp`` by ``block_of_col`` (block index per column, :data:`LINKING` for none)."""
    A = sparse.csr_array(lp.A)
    A.eliminate_zeros()
    block_of_col = np.asarray(block_of_col, dtype=np.int64)
    m = A.shape[0]
    row_of_nz = np.repeat(np.arange(m), np.diff(A.indptr))
    blk = block_of_col[A.indices]
    own = blk != LINKING
    # per row: the smallest and largest block among its block columns (equal: one block)
    low = np.full(m, np.iinfo(np.int64).max)
    high = np.full(m, -1)
    np.minimum.at(low, row_of_nz[own], blk[own])
    np.maximum.at(high, row_of_nz[own], blk[own])
    single = (high >= 0) & (low == high)
    master_rows = np.flatnonzero(~single)
    blocks: list[Block] = []
    linking_nz = ~own
    for k, name in enumerate(names):
        rows = np.flatnonzero(single & (low == k))
        in_rows = np.isin(row_of_nz, rows)
        copies = np.unique(A.indices[in_rows & linking_nz])
        cols = np.flatnonzero(block_of_col == k)
        copies = copies.astype(np.int64)
        blocks.append(Block(name=name, cols=cols, copies=copies, rows=rows,
                            fingerprint=_fingerprint(lp, A, rows,
                                                     np.concatenate([cols, copies]))))
    return Decomposition(lp=lp, A=A, blocks=tuple(blocks), master_rows=master_rows,
                         linking_cols=np.flatnonzero(block_of_col == LINKING))


def _fingerprint(lp: HeldLp, A: sparse.csr_array, rows: np.ndarray,
                 local: np.ndarray) -> str:
    """A digest of what decides whether a local plan is a plan of the block."""
    sub = sparse.csr_array(A[rows][:, local])
    digest = hashlib.blake2b(digest_size=16)
    for part in (sub.indptr, sub.indices, sub.data, lp.row_lower[rows], lp.row_upper[rows],
                 lp.col_lower[local], lp.col_upper[local], lp.integrality[local]):
        digest.update(np.ascontiguousarray(part).tobytes())
    return digest.hexdigest()


def capability_blocks(columns: Sequence, capability_of_option: dict[str, str],
                      capabilities: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """The capability block of each compiled column (``columns``: the Pyomo VarData of
    each column, as :class:`sovopt.highs.HighsModel` keeps them) and the block names.

    A column belongs to the first capability its index names, directly or through an
    option id; one whose index names neither is linking.
    """
    order = {r: k for k, r in enumerate(capabilities)}
    of_option = {o: order[r] for o, r in capability_of_option.items() if r in order}
    out = np.full(len(columns), LINKING, dtype=np.int64)
    for j, v in enumerate(columns):
        index = v.index()
        for part in index if isinstance(index, tuple) else (index,):
            if not isinstance(part, str):
                continue
            k = of_option.get(part, order.get(part))
            if k is not None:
                out[j] = k
                break
    return out, list(capabilities)


def by_capability(hm: HighsModel, d: ModelData) -> Decomposition:
    """The capability decomposition of what ``hm``'s HiGHS instance holds now (held
    levels and fixed columns included), for the prepared case ``d``."""
    block_of_col, names = capability_blocks(hm.columns, d.options["capability_id"].to_dict(),
                                            list(d.capabilities.index))
    return split(held_lp(hm.highs), block_of_col, names)
