"""dual_sourcing: a capability is sourced from at least n[r] distinct suppliers.

    Σ_s used[s,r] ≥ n[r]
    used[s,r] ≤ Σ_{o ∈ O_r ∩ O_s} Σ_t start[o,t]        used binary

Rows exist for capabilities with n[r] ≥ 2; n[r] = 1 is implied by demand.
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.family import Family, Relax
from sovopt.model.index import pairs
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.prepare import ModelData


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    need = d.capabilities["min_suppliers"]
    need = need[need >= 2]
    if need.empty:
        return
    starts = d.starts.merge(d.options[["capability_id", "supplier_id"]],
                            left_on="option_id", right_index=True)
    starts = starts[starts["capability_id"].isin(need.index)].reset_index(drop=True)
    ss = pairs(starts)
    by_pair = starts.groupby(["supplier_id", "capability_id"], sort=False).indices
    m.sourcing_pairs = pyo.Set(initialize=list(by_pair), dimen=2, ordered=True)
    m.used = pyo.Var(m.sourcing_pairs, within=pyo.Binary)

    m.used_link = pyo.Constraint(
        m.sourcing_pairs,
        rule=lambda _m, s, r: m.used[s, r] <= sum(m.start[ss[i]] for i in by_pair[s, r]),
    )
    by_capability: dict[str, list[str]] = {r: [] for r in need.index}
    for s, r in by_pair:
        by_capability[r].append(s)

    def rule(_m, r):
        body = sum(m.used[s, r] for s in by_capability[r])
        if isinstance(body, int):
            return pyo.Constraint.Infeasible
        return body >= int(need[r])

    m.dual_sourcing = pyo.Constraint(list(need.index), rule=rule)


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    r = index
    current = float(d.capabilities.loc[r, "min_suppliers"])
    needed = max(1.0, current - round(amount))
    cell = d.case.cell("Capabilities", "min_suppliers", d.capabilities.loc[r, "row"])
    return Relaxation(
        "dual_sourcing", f"Minimum suppliers of {r}", cell, current, needed,
        f"Minimum suppliers of {r} ({cell}) must fall from {fmt(current)} to {fmt(needed)}",
    )


FAMILY = Family("dual_sourcing", add, relax=Relax(), describe=describe)
