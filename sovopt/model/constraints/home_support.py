"""home_support: the part of a fleet that a repair line at home keeps running
(a sustainment family).

For each fleet option o with a repair line p and each year t it can have
units in service, H[o,t] ≥ 0 is its home-supported fleet:

    H[o,t] ≤ F[o,t]
    H[o,t] ≤ M[o,t]·ropen[p,t]
    H[o,t] ≥ F[o,t] − M[o,t]·(1 − ropen[p,t])

M[o,t] is the most units that can be in service then (the delivery caps summed
over the service window). The maths below states the two upper bounds; the
third makes H = F·ropen exactly, so an open line supports the whole fleet of
its option, as "moves support of that option's fleet home" says, and the
metrics (which take H = F from the opening year) agree with the model even
where support at home costs more (support_cost_factor > 1).
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.constraints.fleet_service import in_service
from sovopt.model.constraints.repair_line import repair_open
from sovopt.model.family import Family
from sovopt.model.shared import switched_off
from sovopt.prepare import ModelData


def home_pairs(d: ModelData) -> list[tuple[str, int, str]]:
    """(option, year, repair line) for every in-service pair of an option with a line."""
    line = {o: p for p, o in d.repair["option_id"].items()}
    return [(o, t, line[o]) for o, t in zip(d.in_service["option_id"], d.in_service["year"],
                                           strict=True) if o in line]


def home_supported(m: pyo.ConcreteModel, d: ModelData) -> pyo.Var | None:
    """H[o,t] as :func:`add` declares it (over the home pairs), or None when ``m`` has
    none: the preset switches this family or repair_line off, or no fleet option has a
    line. What support_cost and fleet_shortfall read."""
    if FAMILY.name in switched_off(m) or repair_open(m, d) is None or not home_pairs(d):
        return None
    return m.H


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    ropen = repair_open(m, d)
    if ropen is None:
        return
    rows = home_pairs(d)
    if not rows:
        return
    F = in_service(m, d)
    big = dict(zip(zip(d.in_service["option_id"], d.in_service["year"], strict=True),
                   d.in_service["fleet_max"].astype(float), strict=True))
    line = {(o, t): p for o, t, p in rows}
    m.home_pairs = pyo.Set(initialize=[(o, t) for o, t, _ in rows], dimen=2, ordered=True)
    m.H = pyo.Var(m.home_pairs, bounds=lambda _m, o, t: (0, big[o, t]))
    m.home_support_fleet = pyo.Constraint(m.home_pairs,
                                          rule=lambda _m, o, t: m.H[o, t] <= F[o, t])
    m.home_support_open = pyo.Constraint(
        m.home_pairs,
        rule=lambda _m, o, t: m.H[o, t] <= big[o, t] * ropen[line[o, t], t])
    m.home_support_all = pyo.Constraint(
        m.home_pairs,
        rule=lambda _m, o, t: m.H[o, t]
        >= F[o, t] - big[o, t] * (1 - ropen[line[o, t], t]))


FAMILY = Family("home_support", add, needs=("repair_line",))
