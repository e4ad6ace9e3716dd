"""localization: local content is at least the year's share of unit spending.

    Σ_o λ[o]·p[o]·x[o,t] ≥ ℓ[t] · Σ_o p[o]·x[o,t]        for years with ℓ[t] > 0

written as Σ_o (λ[o] − ℓ[t])·p[o]·x[o,t] ≥ 0. Where a fleet is kept running
(§7) the year's support spend and repair lines' fixed costs join both sides,
with their local part (support at home, repair lines) on the left:

    Σ_o λ·p·x + local_support[t] ≥ ℓ[t]·(Σ_o p·x + support[t] + repair[t])
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.family import Family, Relax
from sovopt.model.index import groups
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.prepare import ModelData
from sovopt.spend import local_share, unit_spend


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    target = d.budget["min_local_share"]
    target = target[target > 0].to_dict()
    if not target:
        return
    xs = d.delivery_keys
    x_by = groups(d.deliveries, ["year"])
    per_unit = unit_spend(d.options, d.deliveries.assign(units=1.0))
    price, local = per_unit["cost"].tolist(), per_unit["local"].tolist()

    extra = getattr(m, "sustainment_spend", {})

    def rule(_m, t):
        terms = [(local[i] - target[t] * price[i]) * m.x[xs[i]]
                 for i in x_by.get(t, ()) if price[i] > 0]
        if t in extra:
            total, at_home = extra[t]
            terms.append(at_home - target[t] * total)
        if not terms:
            return pyo.Constraint.Skip
        return sum(terms) >= 0

    m.localization = pyo.Constraint(list(target), rule=rule)


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    t = index
    current = float(d.budget.loc[t, "min_local_share"])
    cell = d.case.cell("Budget", "min_local_share", d.budget.loc[t, "row"])
    needed = local_share(d.options, deliveries[deliveries["year"] == t]) or 0.0
    return Relaxation(
        "localization", f"Localization target {t}", cell, current, needed,
        f"Localization target {t} ({cell}) must fall by {fmt(current - needed)} "
        f"to {fmt(needed)}",
    )


def budget_scale(d: ModelData, index, rhs: float, coef_max: float) -> float:
    """A unit of slack is the year's budget (the row's right-hand side is 0)."""
    return float(d.budget.loc[index, "budget"]) or coef_max or 1.0


FAMILY = Family("localization", add, relax=Relax(scale=budget_scale), describe=describe)
