"""The decision variables (docs/FORMULATION.md, Variables), over sparse index sets.

- ``x[o,t]`` units delivered, for deliverable (o,t) only; 0 ≤ x ≤ cap[o,t] and
  integer where the capability counts whole units;
- ``start[o,t]`` ∈ {0,1}, for the years o can start;
- ``z[s]`` ∈ {0,1}, supplier engaged;
- ``u[r,t]`` ≥ 0 unmet demand, only when Settings allow_unmet = yes
  (:func:`allows_unmet`); the families and the unmet term take it from
  :func:`unmet_column`, not by looking for it on the model.

Scenario, CVaR and HHI variables belong to their families and terms.
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.index import pairs
from sovopt.prepare import ModelData


def add_variables(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Add x, start, z (and u when unmet demand is allowed) to ``m``."""
    m.deliveries = pyo.Set(initialize=d.delivery_keys, dimen=2, ordered=True)
    m.start_pairs = pyo.Set(initialize=d.start_keys, dimen=2, ordered=True)
    m.suppliers = pyo.Set(initialize=list(d.suppliers.index), ordered=True)
    m.demand_pairs = pyo.Set(initialize=pairs(d.demand, ("capability_id", "year")), dimen=2,
                             ordered=True)

    integer = d.options["integer"].to_dict()
    cap = d.delivery_cap

    def x_domain(_m, o, _t):
        return pyo.NonNegativeIntegers if integer[o] else pyo.NonNegativeReals

    m.x = pyo.Var(m.deliveries, within=x_domain, bounds=lambda _m, o, t: (0, cap[o, t]))
    m.start = pyo.Var(m.start_pairs, within=pyo.Binary)
    m.z = pyo.Var(m.suppliers, within=pyo.Binary)
    if allows_unmet(d):
        demand = d.demand_of
        m.u = pyo.Var(m.demand_pairs, bounds=lambda _m, r, t: (0, demand[r, t]))


def allows_unmet(d: ModelData) -> bool:
    """Whether the model has the unmet column u[r,t]: Settings allow_unmet = yes."""
    return bool(d.case.settings.allow_unmet)


def unmet_column(m: pyo.ConcreteModel, d: ModelData) -> pyo.Var | None:
    """u[r,t] as :func:`add_variables` declares it, or None when the case has none."""
    return m.u if allows_unmet(d) else None
