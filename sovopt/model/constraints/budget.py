"""budget: each year's spending stays within that year's budget.

    Σ_o p[o]·x[o,t] + Σ_o F[o]·start[o,t] + [t = first year]·Σ_s G[s]·z[s] ≤ B[t]

Unit costs are paid in the delivery year, fixed costs in the start year, and
supplier activation costs in the first year of the horizon (each amount is
defined once, in :mod:`sovopt.spend`).
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.family import Family, Relax
from sovopt.model.index import groups
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.prepare import ModelData
from sovopt.spend import activation_spend, start_spend, unit_spend


def _spend_builder(m, d: ModelData, xs, ss):
    price = unit_spend(d.options, d.deliveries.assign(units=1.0))["cost"].tolist()
    fixed = start_spend(d.options, d.starts).tolist()
    x_by, s_by = groups(d.deliveries, ["year"]), groups(d.starts, ["year"])
    activation = activation_spend(d.suppliers, d.suppliers.index).to_dict()

    def lhs(t):
        body = sum(price[i] * m.x[xs[i]] for i in x_by.get(t, ()))
        body += sum(fixed[i] * m.start[ss[i]] for i in s_by.get(t, ()) if fixed[i] > 0)
        if t == d.first_year:
            body += sum(g * m.z[s] for s, g in activation.items())
        return body

    return lhs


def add_spend(m: pyo.ConcreteModel, d: ModelData) -> None:
    """``m.spend[t]``: everything paid in year t (the budget row and the cost term)."""
    lhs = _spend_builder(m, d, d.delivery_keys, d.start_keys)
    m.spend = pyo.Expression(d.years, rule=lambda _m, t: lhs(t))


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    limit = d.budget["budget"].to_dict()
    m.budget = pyo.Constraint(d.years, rule=lambda _m, t: m.spend[t] <= limit[t])


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    t = index
    current = float(d.budget.loc[t, "budget"])
    cell = d.case.cell("Budget", "budget", d.budget.loc[t, "row"])
    needed = current + amount
    return Relaxation(
        "budget", f"Budget {t}", cell, current, needed,
        f"Budget {t} ({cell}) must rise by {fmt(amount)} to {fmt(needed)}",
    )


FAMILY = Family("budget", add, relax=Relax(), describe=describe)
