"""fleet_shortfall: what each scenario takes out of service in a fleet (a sustainment family).

The foreign-supported part of a fleet, F − H, keeps a_f[k,o,t] of its units
in scenario k; the home-supported part H keeps a_h[k,o,t] (precomputed in
:func:`sovopt.prepare.fleet_survival_loss`: the support country, or home,
and the critical inputs, the spares, gate them):

    v[k,r,t] ≥ D[r,t] − Σ_{o ∈ O_r} [ a_f[k,o,t]·(F[o,t] − H[o,t]) + a_h[k,o,t]·H[o,t] ]

This replaces family scenario_shortfall for fleet capabilities. As there, the model keeps
v'[k,r,t] = v[k,r,t] − u[r,t] ∈ [0, D[r,t]] and the scenario's loss adds u
back once:

    v'[k,r,t] + u[r,t] + Σ_o [ a_f·F[o,t] + (a_h − a_f)·H[o,t] ] ≥ D[r,t]

Rows exist only for (k, r, t) where some option of r in service at t loses
anything in k (otherwise the fleet requirement row already gives v' = 0).
v' is the model's variable ``v_fleet``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.constraints.fleet_service import in_service
from sovopt.model.constraints.home_support import home_supported
from sovopt.model.constraints.scenario_shortfall import add_loss_parts
from sovopt.model.family import Family
from sovopt.model.variables import unmet_column
from sovopt.prepare import ModelData


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    if d.fleet_loss.empty:
        return
    F = in_service(m, d)
    H = home_supported(m, d)
    fl = d.fleet_loss.assign(capability_id=d.fleet_loss["option_id"].map(
        d.fleet["capability_id"]))
    demand = d.demand_of
    fl = fl[[(r, t) in demand for r, t in zip(fl["capability_id"], fl["year"], strict=True)]]
    if fl.empty:
        return
    lf = {(k, o, t): a for k, o, t, a in zip(fl["scenario_id"], fl["option_id"], fl["year"],
                                              fl["loss_foreign"], strict=True)}
    lh = {(k, o, t): a for k, o, t, a in zip(fl["scenario_id"], fl["option_id"], fl["year"],
                                              fl["loss_home"], strict=True)}
    rows = list(dict.fromkeys(zip(fl["scenario_id"], fl["capability_id"], fl["year"],
                                  strict=True)))
    serving: dict[tuple[str, int], list[str]] = {}
    for o, t, r in zip(d.in_service["option_id"], d.in_service["year"],
                       d.in_service["capability_id"], strict=True):
        serving.setdefault((r, t), []).append(o)
    u = unmet_column(m, d)
    m.fleet_shortfall_rows = pyo.Set(initialize=rows, dimen=3, ordered=True)
    m.v_fleet = pyo.Var(m.fleet_shortfall_rows, bounds=lambda _m, k, r, t: (0, demand[r, t]))

    def rule(_m, k, r, t):
        body = m.v_fleet[k, r, t] + (u[r, t] if u is not None else 0)
        for o in serving.get((r, t), ()):
            a_f = 1.0 - lf.get((k, o, t), 0.0)
            body = body + a_f * F[o, t]
            if H is not None and (o, t) in H:
                a_h = 1.0 - lh.get((k, o, t), 0.0)
                if a_h != a_f:
                    body = body + (a_h - a_f) * H[o, t]
        return body >= demand[r, t]

    m.fleet_shortfall = pyo.Constraint(m.fleet_shortfall_rows, rule=rule)
    add_loss_parts(m, ((k, r, t, m.v_fleet[k, r, t]) for k, r, t in rows))


FAMILY = Family("fleet_shortfall", add, needs=("home_support",))
