"""repair_line: when a repair line at home is set up, and what it costs (a sustainment family).

A repair line p (sheet Repair) for a fleet option o(p) may start once, in a
year that still leaves a supported year after its lead time L[p]:

    Σ_t rstart[p,t] ≤ 1,   rstart[p,t] ∈ {0,1}
    ropen[p,t] = Σ_{τ ≤ t − L[p]} rstart[p,τ]                (the line supports from then on)

Its fixed cost F[p] enters the budget in the start year and counts as local
spend (localization):

    spend[t] += Σ_p F[p]·rstart[p,t]

What an open line does to the fleet is family home_support.
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.constraints.budget import add_spend_terms
from sovopt.model.family import Family
from sovopt.model.shared import switched_off
from sovopt.prepare import ModelData


def _built(m: pyo.ConcreteModel, d: ModelData) -> bool:
    """Whether :func:`add` built the family in ``m``: some repair line can start and
    the preset does not switch the family off."""
    return FAMILY.name not in switched_off(m) and not d.repair_starts.empty


def repair_open(m: pyo.ConcreteModel, d: ModelData) -> pyo.Expression | None:
    """ropen[p,t] as :func:`add` declares it, or None when ``m`` has none: no repair line
    can start, or the preset switches the family off. What home_support reads."""
    return m.repair_open if _built(m, d) else None


def repair_starts(m: pyo.ConcreteModel, d: ModelData) -> pyo.Var | None:
    """rstart[p,t] as :func:`add` declares it, or None when ``m`` has none (as for
    :func:`repair_open`): what a solution's portfolio reads its repair lines from."""
    return m.rstart if _built(m, d) else None


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    if d.repair_starts.empty:
        return
    keys = list(zip(d.repair_starts["repair_id"], d.repair_starts["year"], strict=True))
    m.repair_pairs = pyo.Set(initialize=keys, dimen=2, ordered=True)
    m.repair_lines = pyo.Set(initialize=list(d.repair.index), ordered=True)
    m.rstart = pyo.Var(m.repair_pairs, within=pyo.Binary)
    years_of: dict[str, list[int]] = {}
    for p, t in keys:
        years_of.setdefault(p, []).append(t)
    m.repair_one_start = pyo.Constraint(
        [p for p in m.repair_lines if p in years_of],
        rule=lambda _m, p: sum(m.rstart[p, t] for t in years_of[p]) <= 1)
    lead = d.repair["lead_time_years"].to_dict()
    m.repair_open = pyo.Expression(
        [(p, t) for p in years_of for t in d.years],
        rule=lambda _m, p, t: sum(m.rstart[p, tau] for tau in years_of[p]
                                  if tau <= t - lead[p]))
    fixed = d.repair["fixed_cost"].to_dict()
    extra: dict[int, object] = {}
    for p, t in keys:
        if fixed[p] > 0:
            extra[t] = extra.get(t, 0) + fixed[p] * m.rstart[p, t]
    add_spend_terms(m, extra, extra)


FAMILY = Family("repair_line", add)
