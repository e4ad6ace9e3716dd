"""stock_balance: the planned stock of a capability that may hold stock (a sustainment family).

For a deliveries capability r with stock_max[r] > 0, in every horizon year t:

    I[r,t] = I[r,t−1] + Σ_{o ∈ O_r} x[o,t] + u[r,t] − D[r,t]
    0 ≤ I[r,t] ≤ stock_max[r],   I[r,first−1] = initial_stock[r]

I is the model's variable ``stock``.

This balance replaces family demand for such a capability: a year may
deliver more than its demand (the surplus goes into stock) or less (the stock
is drawn). u exists only in years with demand (and only when allow_unmet =
yes). The holding cost enters the budget (not the localization row, which
is about what is bought):

    spend[t] += holding_cost[r]·I[r,t]

With the family switched off the capability holds no stock (family demand again).
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.constraints.budget import add_spend_terms
from sovopt.model.constraints.demand import DEMAND_WEIGHT
from sovopt.model.family import EQUAL, Family, Relax
from sovopt.model.index import groups
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.model.shared import switched_off
from sovopt.model.variables import unmet_column
from sovopt.prepare import ModelData


def stock_level(m: pyo.ConcreteModel, d: ModelData) -> pyo.Var | None:
    """I[r,t] as :func:`add` declares it, or None when ``m`` has none: no capability may
    hold stock, or the preset switches the family off. What scenario_stock asks."""
    if FAMILY.name in switched_off(m) or d.stock.empty:
        return None
    return m.stock


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    if d.stock.empty:
        return
    years = d.years
    smax = d.stock["stock_max"].to_dict()
    keys = [(r, t) for r in d.stock.index for t in years]
    m.stock_pairs = pyo.Set(initialize=keys, dimen=2, ordered=True)
    m.stock = pyo.Var(m.stock_pairs, bounds=lambda _m, r, t: (0, smax[r]))
    xs = d.delivery_keys
    by_row = groups(d.deliveries, ["capability_id", "year"])
    demand, initial = d.demand_of, d.stock["initial_stock"].to_dict()
    u = unmet_column(m, d)

    def rule(_m, r, t):
        # written as inflow − stock = D − initial, so that an elastic slack on the row
        # (the diagnosis) acts as a missing delivery
        body = sum(m.x[xs[i]] for i in by_row.get((r, t), ())) - m.stock[r, t]
        if t > years[0]:
            body = m.stock[r, t - 1] + body
        if u is not None and (r, t) in demand:
            body = body + u[r, t]
        return body == demand.get((r, t), 0.0) - (initial[r] if t == years[0] else 0.0)

    m.stock_balance = pyo.Constraint(m.stock_pairs, rule=rule)
    hold = d.stock["holding_cost"].to_dict()
    extra: dict[int, object] = {}
    for r, t in keys:
        if hold[r] > 0:
            extra[t] = extra.get(t, 0) + hold[r] * m.stock[r, t]
    add_spend_terms(m, extra, {}, localization=False)


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    r, t = index
    current = float(d.demand_of.get((r, t), 0.0))
    rows = d.demand.loc[(d.demand["capability_id"] == r) & (d.demand["year"] == t), "row"]
    cell = (d.case.cell("Demand", str(t), rows.iloc[0]) if len(rows)
            else d.case.cell("Capabilities", "stock_max", d.capabilities.loc[r, "row"]))
    needed = current - amount
    return Relaxation(
        "stock_balance", f"Demand of {r} in {t}", cell, current, needed,
        f"Demand of {r} in {t} ({cell}) cannot be met from deliveries and stock: "
        f"{fmt(amount)} units short; it must fall to {fmt(needed)} unless other limits move",
    )


FAMILY = Family("stock_balance", add, relax=Relax(weight=DEMAND_WEIGHT, rows=frozenset({EQUAL}),
                                                      bound="floor"),
                describe=describe)
