"""supplier_link: a supplier is engaged exactly when one of its options starts.

    Σ_t start[o,t] ≤ z[s(o)]                      an option starts only with its supplier
    z[s] ≤ Σ_{o ∈ O_s} Σ_t start[o,t]             an engaged supplier has a started option

The second row keeps a level that does not price cost from engaging a supplier
for nothing: its activation cost would then eat budget that the plan does not
show, and the model's cost would differ from the metrics'.
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
    by_supplier = groups(d.starts.assign(supplier_id=d.starts["option_id"].map(supplier)),
                         ["supplier_id"])
    engaged = [s for s in m.z if s in by_supplier]
    idle = [s for s in m.z if s not in by_supplier]
    m.supplier_used = pyo.Constraint(
        engaged, rule=lambda _m, s: m.z[s] <= sum(m.start[ss[i]] for i in by_supplier[s]))
    for s in idle:  # a supplier with no option that can start is never engaged
        m.z[s].setub(0)


FAMILY = Family("supplier_link", add, optional=False)
