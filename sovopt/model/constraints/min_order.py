"""min_order: a started option buys at least its minimum total quantity.

    Σ_t x[o,t] ≥ MOQ[o] · Σ_t start[o,t]        for options with MOQ[o] > 0

Built as an array block (:mod:`sovopt.model.arrays`, an entry per delivery and
start); :func:`add_pyomo` is the reference block the arrays must equal.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from sovopt.model.arrays import add_rows, block, segment
from sovopt.model.family import Family
from sovopt.model.index import groups
from sovopt.prepare import ModelData


def _minimums(d: ModelData):
    moq = d.options["min_total_qty"]
    return moq[(moq > 0) & moq.index.isin(d.starts["option_id"])]


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as one array block (see :mod:`sovopt.model.arrays`): an entry per
    delivery and start of the options with a minimum."""
    moq = _minimums(d)
    if moq.empty:
        return
    row_of = {o: i for i, o in enumerate(moq.index)}
    x_row = d.deliveries["option_id"].map(row_of).to_numpy(float)
    s_row = d.starts["option_id"].map(row_of).to_numpy(float)
    x_at, s_at = np.flatnonzero(~np.isnan(x_row)), np.flatnonzero(~np.isnan(s_row))
    s_rows = s_row[s_at].astype(np.int64)
    # Σ_t x[o,t] − MOQ[o]·Σ_t start[o,t] ≥ 0
    add_rows(m, block("min_order", (moq.index.tolist(),), [segment(m.x), segment(m.start)],
                      np.r_[x_row[x_at].astype(np.int64), s_rows],
                      np.r_[x_at, len(d.deliveries) + s_at],
                      np.r_[np.ones(len(x_at)), -moq.to_numpy(float)[s_rows]], 0.0, np.inf))


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    moq = _minimums(d).to_dict()
    if not moq:
        return
    xs, ss = d.delivery_keys, d.start_keys
    x_by, s_by = groups(d.deliveries, ["option_id"]), groups(d.starts, ["option_id"])

    def rule(_m, o):
        return (sum(m.x[xs[i]] for i in x_by.get(o, ()))
                >= moq[o] * sum(m.start[ss[i]] for i in s_by[o]))

    m.min_order = pyo.Constraint(list(moq), rule=rule)


FAMILY = Family("min_order", add, reference=add_pyomo)
