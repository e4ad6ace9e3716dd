"""supplier_link: an option can start only with its supplier engaged.

    Σ_t start[o,t] ≤ z[s(o)]
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.family import Family
from sovopt.model.index import groups
from sovopt.prepare import ModelData


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    ss = d.start_keys
    by_option = groups(d.starts, ["option_id"])
    supplier = d.options["supplier_id"].to_dict()

    def rule(_m, o):
        return sum(m.start[ss[i]] for i in by_option[o]) <= m.z[supplier[o]]

    m.supplier_link = pyo.Constraint(list(by_option), rule=rule)


FAMILY = Family("supplier_link", add, optional=False)
