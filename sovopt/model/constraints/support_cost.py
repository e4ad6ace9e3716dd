"""support_cost: keeping a fleet in service costs money every year (a sustainment family).

    spend[t] += Σ_o g[o]·(F[o,t] − H[o,t]) + Σ_o g[o]·f[p(o)]·H[o,t]

g[o] is the option's support cost per unit in service and year, f[p] the
support_cost_factor of its repair line (default 1), H the home-supported
fleet (family home_support; 0 without a repair line). The support spend is
local only where support is at home: the whole of it for an option whose
support country is home, the home-supported part otherwise; it enters the
localization row with that local part (and repair lines' fixed costs, which
are local, family repair_line).
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.constraints.budget import add_spend_terms
from sovopt.model.constraints.fleet_service import in_service
from sovopt.model.constraints.home_support import home_supported
from sovopt.model.family import Family
from sovopt.prepare import ModelData


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    g = d.fleet["support_cost"]
    if d.in_service.empty or not (g > 0).any():
        return
    F = in_service(m, d)
    g = g.to_dict()
    home = (d.fleet["support_country"] == d.home).to_dict()
    factor = {o: f for o, f in zip(d.repair["option_id"], d.repair["support_cost_factor"],
                                   strict=True)}
    H = home_supported(m, d)
    total: dict[int, object] = {}
    local: dict[int, object] = {}
    for o, t in zip(d.in_service["option_id"], d.in_service["year"], strict=True):
        if g[o] <= 0:
            continue
        cost = g[o] * F[o, t]
        at_home = cost if home[o] else 0
        if H is not None and (o, t) in H:
            cost = cost + g[o] * (factor[o] - 1.0) * H[o, t]
            at_home = cost if home[o] else g[o] * factor[o] * H[o, t]
        total[t] = total.get(t, 0) + cost
        if not isinstance(at_home, int):
            local[t] = local.get(t, 0) + at_home
    add_spend_terms(m, total, local)


FAMILY = Family("support_cost", add, needs=("home_support",))
