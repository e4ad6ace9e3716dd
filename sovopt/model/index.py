"""Sparse index helpers shared by the constraint families.

Rows are built from groups of existing (option, year) pairs, never by
filtering a dense product: :func:`groups` turns a table of pairs into a dict
from a row key to the positions of the pairs in that row, in one pandas pass.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd


def groups(table: pd.DataFrame, keys: Sequence[str]) -> dict[Hashable, np.ndarray]:
    """Row key (a value, or a tuple for several keys) -> positions of ``table``'s rows."""
    if table.empty:
        return {}
    by = list(keys) if len(keys) > 1 else keys[0]
    return table.groupby(by, sort=False).indices


def pairs(table: pd.DataFrame, cols: Sequence[str] = ("option_id", "year")) -> list[tuple]:
    """The rows of ``table`` as tuples of ``cols`` (index sets for Pyomo)."""
    return list(zip(*(table[c].tolist() for c in cols), strict=True))
