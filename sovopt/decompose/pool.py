"""The column pool: every integer plan of one capability found so far.

A pooled plan is a block's local vector (its own columns, then its copies of linking
columns). It satisfies the block's rows whatever the objective and whatever the
master rows say, so it stays valid at every lexicographic level and at every study
point that changes only linking data (budgets, localization, held levels, a
frontier's bound) or the objective. The pool is keyed by the block's signature
(name, columns, and a digest of its rows and bounds:
:attr:`sovopt.decompose.blocks.Block.signature`), so a plan is offered only to the
block it was made for, and never after a change to one of that block's own rows.
"""

from __future__ import annotations

import numpy as np

from sovopt.decompose.blocks import Block, Decomposition

#: Decimals a plan is rounded to before two plans are told apart.
DECIMALS = 7


class ColumnPool:
    """Block plans by block signature, without duplicates, in the order found."""

    def __init__(self) -> None:
        self._plans: dict[tuple, list[np.ndarray]] = {}
        self._seen: dict[tuple, set[bytes]] = {}
        #: plans added (not counting duplicates), for the reports and the tests
        self.added = 0

    def plans(self, block: Block) -> list[np.ndarray]:
        """The pooled plans of ``block``."""
        return self._plans.get(block.signature, [])

    def add(self, block: Block, plan: np.ndarray) -> bool:
        """Pool ``plan`` for ``block``; False when it is already there."""
        key = np.round(np.asarray(plan, dtype=float), DECIMALS) + 0.0
        seen = self._seen.setdefault(block.signature, set())
        if key.tobytes() in seen:
            return False
        seen.add(key.tobytes())
        self._plans.setdefault(block.signature, []).append(key)
        self.added += 1
        return True

    def add_solution(self, dec: Decomposition, values: np.ndarray) -> int:
        """Pool each block's part of a whole solution; how many were new."""
        return sum(self.add(block, dec.local_vector(k, values))
                   for k, block in enumerate(dec.blocks))

    def __len__(self) -> int:
        return sum(len(p) for p in self._plans.values())
