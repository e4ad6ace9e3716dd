"""min_order: a started option buys at least its minimum total quantity.

    Σ_t x[o,t] ≥ MOQ[o] · Σ_t start[o,t]        for options with MOQ[o] > 0
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.family import Family
from sovopt.model.index import groups
from sovopt.prepare import ModelData


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    moq = d.options["min_total_qty"]
    moq = moq[(moq > 0) & moq.index.isin(d.starts["option_id"])].to_dict()
    if not moq:
        return
    xs, ss = d.delivery_keys, d.start_keys
    x_by, s_by = groups(d.deliveries, ["option_id"]), groups(d.starts, ["option_id"])

    def rule(_m, o):
        return (sum(m.x[xs[i]] for i in x_by.get(o, ()))
                >= moq[o] * sum(m.start[ss[i]] for i in s_by[o]))

    m.min_order = pyo.Constraint(list(moq), rule=rule)


FAMILY = Family("min_order", add)
