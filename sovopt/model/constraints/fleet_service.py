"""fleet_service: the units of a fleet in service, and the fleet requirement (a sustainment family).

A capability with requirement = fleet states in Demand the units that must be
in service each year. A unit delivered in year τ serves from τ for life[o]
years (the delivery year counts as the first):

    F[o,t] = Σ_{τ ≤ t, τ > t − life[o]} x[o,τ]                 (in service)
    Σ_{o ∈ O_r} F[o,t] + u[r,t] ≥ D[r,t]      for every fleet r and t with D[r,t] > 0

This replaces family demand for fleet capabilities: more in service than
required is allowed (a fleet bought at once outlives the years it is needed
in). F is an expression (:func:`in_service`), not a variable, so the rows hold
only the deliveries of each option's service window. With the family switched
off a fleet capability's Demand is read as deliveries again (family demand).
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.constraints.demand import (
    DEMAND_WEIGHT,
    requirement_relaxation,
    requirement_row,
)
from sovopt.model.family import LOWER, Family, Relax
from sovopt.model.relaxation import Relaxation
from sovopt.model.shared import built_once
from sovopt.model.variables import unmet_column
from sovopt.prepare import ModelData


def in_service(m: pyo.ConcreteModel, d: ModelData):
    """``m.in_service[o,t]`` (F), created on first use; None when the case has no fleet."""
    if d.in_service.empty:
        return None

    def build() -> None:
        life = d.fleet["life"].astype(int).to_dict()
        delivered = set(d.delivery_keys)
        keys = list(zip(d.in_service["option_id"], d.in_service["year"], strict=True))
        m.in_service_pairs = pyo.Set(initialize=keys, dimen=2, ordered=True)
        m.in_service = pyo.Expression(
            m.in_service_pairs,
            rule=lambda _m, o, t: sum(m.x[o, tau] for tau in range(t - life[o] + 1, t + 1)
                                      if (o, tau) in delivered))

    return built_once(m, "in_service", build)


def fleet_rows(d: ModelData) -> list[tuple[str, int]]:
    """(capability, year) pairs of fleet capabilities with a requirement."""
    fleet = set(d.fleet["capability_id"]) | set(
        d.capabilities.index[d.capabilities.get("requirement", "deliveries") == "fleet"])
    return [(r, t) for r, t in d.demand_of if r in fleet]


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    rows = fleet_rows(d)
    if not rows:
        return
    F = in_service(m, d)
    by_row: dict[tuple[str, int], list] = {}
    if F is not None:
        for o, t in m.in_service_pairs:
            by_row.setdefault((d.fleet.at[o, "capability_id"], t), []).append(F[o, t])
    demand = d.demand_of
    u = unmet_column(m, d)

    def rule(_m, r, t):
        return requirement_row(sum(by_row.get((r, t), ())), u, r, t, demand[r, t],
                               at_least=True)

    m.fleet_service = pyo.Constraint(rows, rule=rule)


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    return requirement_relaxation(d, "fleet_service", "Fleet requirement",
                                  "kept in service", index, amount)


FAMILY = Family("fleet_service", add, relax=Relax(weight=DEMAND_WEIGHT, rows=frozenset({LOWER}),
                                                     bound="floor"),
                describe=describe)
