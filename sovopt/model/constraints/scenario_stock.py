"""scenario_stock: each scenario's own stock path, for a capability with stock
(a sustainment family).

What is stored must first have arrived, so a scenario cannot draw a unit that
its disruption stopped before delivery. For each scenario k in which some
option of a stock capability r loses anything, in every horizon year t:

    J[k,r,t] = J[k,r,t−1] + Σ_{o ∈ O_r} φ[k,o,t]·x[o,t] + v[k,r,t] − D[r,t]
    0 ≤ J[k,r,t] ≤ stock_max[r],   J[k,r,first−1] = initial_stock[r]

v ≥ 0 is the scenario's shortfall (only in years with demand). It replaces
family scenario_shortfall for such a capability; with stock_max = 0 it is that
family exactly. As there, the model keeps the part caused by the scenario,
v'[k,r,t] = v[k,r,t] − u[r,t] ≥ 0, and the scenario's loss adds the unmet part
u back once (:mod:`sovopt.model.terms`). A scenario in which no option of r
loses anything has J = I and no shortfall, and gets no rows. J is the model's
variable ``scenario_stock_level``, v' its variable ``v_stock``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.constraints.scenario_shortfall import add_loss_parts
from sovopt.model.constraints.stock_balance import stock_level
from sovopt.model.family import Family
from sovopt.model.index import groups
from sovopt.model.variables import unmet_column
from sovopt.prepare import ModelData


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    if d.loss.empty or stock_level(m, d) is None:
        return
    loss = d.loss.assign(capability_id=d.loss["option_id"].map(d.options["capability_id"]))
    loss = loss[loss["capability_id"].isin(d.stock.index)]
    if loss.empty:
        return
    lost = {(k, o, t): a for k, o, t, a in zip(loss["scenario_id"], loss["option_id"],
                                                loss["year"], loss["loss"], strict=True)}
    pairs = list(dict.fromkeys(zip(loss["scenario_id"], loss["capability_id"], strict=True)))
    years, demand = d.years, d.demand_of
    smax, initial = d.stock["stock_max"].to_dict(), d.stock["initial_stock"].to_dict()
    keys = [(k, r, t) for k, r in pairs for t in years]
    short = [(k, r, t) for k, r, t in keys if (r, t) in demand]
    m.scenario_stock_pairs = pyo.Set(initialize=keys, dimen=3, ordered=True)
    m.scenario_stock_level = pyo.Var(m.scenario_stock_pairs,
                                     bounds=lambda _m, k, r, t: (0, smax[r]))
    m.stock_shortfall_rows = pyo.Set(initialize=short, dimen=3, ordered=True)
    m.v_stock = pyo.Var(m.stock_shortfall_rows, bounds=lambda _m, k, r, t: (0, demand[r, t]))
    xs = d.delivery_keys
    by_row = groups(d.deliveries, ["capability_id", "year"])
    u = unmet_column(m, d)
    J = m.scenario_stock_level

    def rule(_m, k, r, t):
        before = J[k, r, t - 1] if t > years[0] else initial[r]
        arrived = sum((1.0 - lost.get((k, *xs[i]), 0.0)) * m.x[xs[i]]
                      for i in by_row.get((r, t), ()))
        body = before + arrived
        if (r, t) in demand:
            body = body + m.v_stock[k, r, t]
            if u is not None:
                body = body + u[r, t]
        return J[k, r, t] == body - demand.get((r, t), 0.0)

    m.scenario_stock = pyo.Constraint(m.scenario_stock_pairs, rule=rule)
    add_loss_parts(m, ((k, r, t, m.v_stock[k, r, t]) for k, r, t in short))


FAMILY = Family("scenario_stock", add, needs=("stock_balance",))
