"""dual_sourcing: in every year it can hold, a capability has n[r] suppliers that deliver.

A supplier counts towards a capability's minimum number of suppliers in a year
only if it delivers at least the share β[r] (Capabilities min_supplier_share,
default 0.1) of that year's demand: two warm production lines, not a second
contract that delivers nothing.

    Σ_{o ∈ O_r ∩ O_s} x[o,t] ≥ β[r]·D[r,t]·used[s,r,t]        used binary
    Σ_s used[s,r,t] ≥ n[r]

for every capability with n[r] ≥ 2 and every year t with demand in which at
least n[r] suppliers have options able to deliver β[r]·D[r,t] (lead times,
available_from, yearly caps and countries' max shares considered), and n[r]
such shares fit in the demand. In the other years (before a second line's lead
time has passed, or in every year when a second supplier can never deliver its
share) the capability is single source by necessity: those years are left out
of the family and listed in Diagnostics, never made infeasible; a capability
with no such year is single source throughout, a warning naming its
min_suppliers cell (in `sovopt validate`, Diagnostics and "In short"). The
years are worked out once, by sovopt/sourcing.py, for the precheck, this
family, the metrics and the notes alike, so the Dependence sheet's `suppliers`
and `single source` agree with the model.
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.family import Family, Relax
from sovopt.model.index import groups
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.prepare import ModelData


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    years = d.sourcing[d.sourcing["binding"]]
    if years.empty:
        return
    min_units = years.set_index(["capability_id", "year"])["min_units"].to_dict()
    need = years.set_index(["capability_id", "year"])["need"].to_dict()
    dv = d.deliveries.reset_index(drop=True)
    rows = dv[[(r, t) in min_units for r, t in zip(dv["capability_id"], dv["year"],
                                                   strict=True)]]
    xs = d.delivery_keys
    index = rows.index.to_numpy()
    by_key = groups(rows.reset_index(drop=True), ["supplier_id", "capability_id", "year"])
    m.sourcing_keys = pyo.Set(initialize=list(by_key), dimen=3, ordered=True)
    m.used = pyo.Var(m.sourcing_keys, within=pyo.Binary)
    m.supplier_volume = pyo.Constraint(
        m.sourcing_keys,
        rule=lambda _m, s, r, t: sum(m.x[xs[index[i]]] for i in by_key[s, r, t])
        >= min_units[r, t] * m.used[s, r, t],
    )
    by_year: dict[tuple[str, int], list[str]] = {key: [] for key in need}
    for s, r, t in by_key:
        by_year[r, t].append(s)

    def rule(_m, r, t):
        body = sum(m.used[s, r, t] for s in by_year[r, t])
        if isinstance(body, int):
            return pyo.Constraint.Infeasible
        return body >= int(need[r, t])

    m.dual_sourcing = pyo.Constraint(list(need), rule=rule)


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    r, t = index
    current = float(d.capabilities.loc[r, "min_suppliers"])
    needed = max(1.0, current - round(amount))
    cell = d.case.cell("Capabilities", "min_suppliers", d.capabilities.loc[r, "row"])
    return Relaxation(
        "dual_sourcing", f"Minimum suppliers of {r}", cell, current, needed,
        f"Minimum suppliers of {r} ({cell}) must fall from {fmt(current)} to {fmt(needed)} "
        f"(needed in {t})",
    )


FAMILY = Family("dual_sourcing", add,
                relax=Relax(limit=("capabilities", "min_suppliers"), bound="floor"),
                describe=describe)
