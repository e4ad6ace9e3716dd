"""supplier_link: a supplier is engaged exactly when one of its options starts.

    Σ_t start[o,t] ≤ z[s(o)]                      an option starts only with its supplier
    z[s] ≤ Σ_{o ∈ O_s} Σ_t start[o,t]             an engaged supplier has a started option

The second row keeps a level that does not price cost from engaging a supplier
for nothing: its activation cost would then eat budget that the plan does not
show, and the model's cost would differ from the metrics'.

Both are built as array blocks (:mod:`sovopt.model.arrays`, an entry per
start each); :func:`add_pyomo` is the reference block the arrays must equal.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from sovopt.model.arrays import add_rows, block, segment
from sovopt.model.family import Family
from sovopt.model.index import groups
from sovopt.prepare import ModelData


def _idle_suppliers(m: pyo.ConcreteModel, d: ModelData, engaged) -> None:
    """A supplier with no option that can start is never engaged: z[s] ≤ 0."""
    for s in set(m.z.keys()) - set(engaged):
        m.z[s].setub(0)


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as two array blocks (see :mod:`sovopt.model.arrays`): an entry per start."""
    if d.starts.empty:
        _idle_suppliers(m, d, ())
        return
    n = len(d.starts)
    supplier = d.starts["option_id"].map(d.options["supplier_id"])
    z_of = d.suppliers.index.get_indexer(supplier)
    # Σ_t start[o,t] − z[s(o)] ≤ 0: the start columns, then z
    group = d.starts.groupby("option_id", sort=False).ngroup().to_numpy()
    options = d.starts["option_id"].drop_duplicates()  # the groups' order
    k = len(options)
    option_z = d.suppliers.index.get_indexer(options.map(d.options["supplier_id"]))
    add_rows(m, block("supplier_link", (options.tolist(),), [segment(m.start), segment(m.z)],
                      np.r_[group, np.arange(k)], np.r_[np.arange(n), n + option_z],
                      np.r_[np.ones(n), -np.ones(k)], -np.inf, 0.0))
    # z[s] − Σ_{o ∈ O_s} Σ_t start[o,t] ≤ 0, suppliers in z's order
    engaged = np.unique(z_of)
    row_of = np.full(len(d.suppliers), -1)
    row_of[engaged] = np.arange(len(engaged))
    add_rows(m, block("supplier_used", (d.suppliers.index[engaged].tolist(),),
                      [segment(m.z), segment(m.start)],
                      np.r_[np.arange(len(engaged)), row_of[z_of]],
                      np.r_[engaged, len(d.suppliers) + np.arange(n)],
                      np.r_[np.ones(len(engaged)), -np.ones(n)], -np.inf, 0.0))
    _idle_suppliers(m, d, d.suppliers.index[engaged])


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    ss = d.start_keys
    by_option = groups(d.starts, ["option_id"])
    supplier = d.options["supplier_id"].to_dict()

    def rule(_m, o):
        return sum(m.start[ss[i]] for i in by_option[o]) <= m.z[supplier[o]]

    m.supplier_link = pyo.Constraint(list(by_option), rule=rule)
    by_supplier = groups(d.starts.assign(supplier_id=d.starts["option_id"].map(supplier)),
                         ["supplier_id"])
    engaged = [s for s in m.z if s in by_supplier]
    m.supplier_used = pyo.Constraint(
        engaged, rule=lambda _m, s: m.z[s] <= sum(m.start[ss[i]] for i in by_supplier[s]))
    _idle_suppliers(m, d, engaged)


FAMILY = Family("supplier_link", add, reference=add_pyomo, optional=False)
