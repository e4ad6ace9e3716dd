"""A portfolio as a start: ``sovopt solve --start RESULTS.xlsx|RUN_ID``.

The portfolio (a Portfolio sheet, hand-made or from an earlier run, or a
stored run's) sets x[o,t] to its deliveries, start[o,t] to 1 for its starts
and z[s] to 1 for the suppliers of started options; deliveries and starts
the model has no column for (an option excluded, a year out of reach) are
dropped and counted. :func:`~sovopt.heuristics.repair.repair` then completes
or repairs it for each level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sovopt.highs import HighsModel
from sovopt.portfolio import Portfolio
from sovopt.prepare import ModelData


@dataclass
class StartVector:
    """The start as a full column vector, and what of the portfolio did not fit."""

    values: np.ndarray
    dropped_deliveries: int
    dropped_starts: int


def start_vector(hm: HighsModel, m, d: ModelData, portfolio: Portfolio) -> StartVector:
    """``portfolio`` on the columns of ``hm`` (every other column 0)."""
    values = np.zeros(hm.num_col)
    x_pos = dict(zip(d.delivery_keys, hm.positions(m.x).tolist(), strict=True))
    s_pos = dict(zip(d.start_keys, hm.positions(m.start).tolist(), strict=True))
    z_pos = dict(zip(m.z.keys(), hm.positions(m.z).tolist(), strict=True))
    dropped_d = dropped_s = 0
    for o, t, units in zip(portfolio.deliveries["option_id"], portfolio.deliveries["year"],
                           portfolio.deliveries["units"], strict=True):
        j = x_pos.get((str(o), int(t)))
        if j is None:
            dropped_d += 1
        else:
            values[j] = float(units)
    supplier = d.options["supplier_id"]
    for o, t in zip(portfolio.starts["option_id"], portfolio.starts["start_year"],
                    strict=True):
        j = s_pos.get((str(o), int(t)))
        if j is None:
            dropped_s += 1
            continue
        values[j] = 1.0
        k = z_pos.get(supplier.get(str(o)))
        if k is not None:
            values[k] = 1.0
    values = np.clip(values, hm.col_lower, hm.col_upper)
    return StartVector(values, dropped_d, dropped_s)
