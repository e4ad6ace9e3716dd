"""Which planning year each column of a compiled model belongs to.

x[o,t], start[o,t], opened[o,t], v[k,r,t], h[r,c,t], … all end their index
with the year; z[s], used[s,r], η, ξ[k] and W have none. Relax-and-fix fixes
and relaxes integers by their year; the year-less ones (supplier and
dual-sourcing binaries) stay integer throughout.
"""

from __future__ import annotations

import numpy as np

from sovopt.highs import HighsModel

NO_YEAR = -1


def column_years(hm: HighsModel, years: list[int]) -> np.ndarray:
    """The year of each column (``NO_YEAR`` where its index has none)."""
    known = set(years)
    out = np.full(hm.num_col, NO_YEAR, dtype=np.int64)
    for j, v in enumerate(hm.columns):
        index = v.index()
        last = index[-1] if isinstance(index, tuple) else index
        if isinstance(last, int | np.integer) and int(last) in known:
            out[j] = int(last)
    return out


def decision_columns(hm: HighsModel) -> np.ndarray:
    """The binary decisions (starts, suppliers engaged, dual-sourcing links, …):
    the binary columns other than quantities x (a whole unit capped at 1 is
    binary too, but it is a quantity)."""
    return np.flatnonzero(hm.binary & np.fromiter(
        (v.parent_component().local_name != "x" for v in hm.columns), bool, hm.num_col)
    ).astype(np.int32)


def plan_columns(hm: HighsModel, m) -> tuple[np.ndarray, np.ndarray]:
    """The columns a portfolio decides: (x, start and z), and of those the binary
    decisions (start and z). Everything else (dual-sourcing links, shortfalls,
    epigraphs, CVaR) follows from them."""
    decided = np.concatenate([hm.positions(m.x), hm.positions(m.start), hm.positions(m.z)])
    binary = np.concatenate([hm.positions(m.start), hm.positions(m.z)])
    return decided.astype(np.int32), binary.astype(np.int32)
