"""One column pool for a sequence of optimisations of one compiled model.

A frontier edits one HiGHS model in place: it holds an end, moves the bound of its
ε row, changes the objective. None of that touches a capability's own rows when the
held and ε rows span several capabilities (they are master rows), so every block
plan pooled at one point is a plan of that block at every later point
(:mod:`sovopt.decompose.pool`). :class:`PooledColumns` reads the decomposition of
what HiGHS holds at each call, so the master sees the point's rows and bounds, and
hands the one pool to each run of column generation: a later point starts from
every plan an earlier one priced or kept, and prices only what is new.

Each call is recorded (:attr:`PooledColumns.history`): the columns pricing found
that the pool did not hold, and the block parts of the known plans it was seeded
with, so a study can report, and a test count, what the reuse saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np

from sovopt.decompose.blocks import by_capability
from sovopt.decompose.colgen import ColumnGeneration, ColumnGenerator
from sovopt.decompose.pool import ColumnPool
from sovopt.highs import HighsModel
from sovopt.prepare import ModelData


@dataclass(frozen=True)
class PooledRun:
    """One call's name, what it gave, and the pool's size when it ended."""

    name: str
    result: ColumnGeneration
    pool_size: int


class PooledColumns:
    """Column generation on what ``hm`` holds at each call, with one pool for all."""

    def __init__(self, hm: HighsModel, d: ModelData, workers: int = 1):
        self.hm, self.d, self.workers = hm, d, max(1, workers)
        self.pool = ColumnPool()
        self.history: list[PooledRun] = []

    def run(self, name: str, cost: np.ndarray, seconds: float,
            known: Iterable[np.ndarray] = (),
            stop: Callable[[], bool] = lambda: False,
            accept: Callable[[np.ndarray], bool] = lambda values: True) -> ColumnGeneration:
        """Column generation for ``cost`` over the rows and bounds HiGHS holds now,
        for at most ``seconds``; ``known`` (verified whole plans) seed the pool. The
        master's plan, already checked against every row, is kept only if ``accept``
        (the caller's check of every plan) passes it."""
        dec = by_capability(self.hm, self.d)
        generator = ColumnGenerator(dec, self.pool, self.workers, hm=self.hm)
        result = generator.run(cost, seconds, starts=tuple(known), stop=stop)
        if result.plan is not None and not accept(result.plan):
            result = replace(result, plan=None, value=None)
        self.history.append(PooledRun(name, result, len(self.pool)))
        return result
