"""country_share: no foreign country holds more than its max share of a capability.

    Σ_{o ∈ O_r} σ[o,c]·x[o,t] ≤ θ[c] · D[r,t]        for c ≠ h

Rows exist only where some option of r delivering in t has value from c and
θ[c] < 1 (at θ ≥ 1 the row cannot bind, since Σ x ≤ D). Options with value
from a prohibited country (θ = 0) were excluded in preparation.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from sovopt.model.family import Family, Relax
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.prepare import ModelData


def share_rows(d: ModelData) -> pd.DataFrame:
    """(capability, country, year, option, σ) for every foreign share of a deliverable pair."""
    foreign = d.origin[d.origin["country_id"] != d.home]
    rows = d.deliveries[["option_id", "year", "capability_id"]].merge(foreign, on="option_id")
    return rows.reset_index(drop=True)


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    theta = d.countries["max_share"]
    rows = share_rows(d)
    rows = rows[rows["country_id"].map(theta) < 1.0].reset_index(drop=True)
    if rows.empty:
        return
    demand = d.demand_of
    o, t, s = rows["option_id"].tolist(), rows["year"].tolist(), rows["share"].tolist()
    by_row = rows.groupby(["capability_id", "country_id", "year"], sort=False).indices

    def rule(_m, r, c, yr):
        return (sum(s[i] * m.x[o[i], t[i]] for i in by_row[r, c, yr])
                <= float(theta[c]) * demand[r, yr])

    m.country_share = pyo.Constraint(list(by_row), rule=rule)


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    r, c, t = index
    current = float(d.countries.loc[c, "max_share"])
    demand = d.demand_of[r, t]
    needed = current + amount / demand
    cell = d.case.cell("Countries", "max_share", d.countries.loc[c, "row"])
    return Relaxation(
        "country_share", f"Max share of {c} ({r}, {t})", cell, current, needed,
        f"Max share of {c} ({cell}) must rise by {fmt(needed - current)} to {fmt(needed)} "
        f"for {r} in {t}",
    )


FAMILY = Family("country_share", add, relax=Relax(), describe=describe)
