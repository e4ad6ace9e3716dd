"""supplier_capacity: a supplier's yearly capacity is shared by all its options.

    Σ_{o ∈ O_s} x[o,t] ≤ cap[s] · z[s]        for suppliers with a capacity
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.family import Family, Relax
from sovopt.model.index import groups
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.prepare import ModelData


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    cap = d.suppliers["capacity_per_year"].dropna().to_dict()
    rows = d.deliveries[d.deliveries["supplier_id"].isin(cap)]
    if rows.empty:
        return
    xs = d.delivery_keys
    by_row = groups(d.deliveries.loc[rows.index], ["supplier_id", "year"])
    # positions refer to the filtered frame; map back to the full frame's rows
    index = rows.index.to_numpy()

    def rule(_m, s, t):
        return sum(m.x[xs[index[i]]] for i in by_row[s, t]) <= cap[s] * m.z[s]

    m.supplier_capacity = pyo.Constraint(list(by_row), rule=rule)


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    s, t = index
    current = float(d.suppliers.loc[s, "capacity_per_year"])
    cell = d.case.cell("Suppliers", "capacity_per_year", d.suppliers.loc[s, "row"])
    needed = current + amount
    return Relaxation(
        "supplier_capacity", f"Capacity of {s} in {t}", cell, current, needed,
        f"Capacity of supplier {s} ({cell}) must rise by {fmt(amount)} to {fmt(needed)} "
        f"units a year (needed in {t})",
    )


def capacity_scale(d: ModelData, index, rhs: float, coef_max: float) -> float:
    """A unit of slack is one year's capacity of the supplier (the row's limit is
    ``cap·z``, so its right-hand side is 0)."""
    return float(d.suppliers.loc[index[0], "capacity_per_year"]) or 1.0


FAMILY = Family("supplier_capacity", add,
                relax=Relax(scale=capacity_scale, key=lambda index: index[0],  # (supplier, year)
                            limit=("suppliers", "capacity_per_year")),
                describe=describe)
