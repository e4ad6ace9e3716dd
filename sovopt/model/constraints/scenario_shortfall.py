"""scenario_shortfall: what each scenario takes away from each capability and year.

    v[k,r,t] ≥ D[r,t] − Σ_{o ∈ O_r} φ[k,o,t]·x[o,t]

Since demand holds with equality (Σ_o x + u = D), this is written sparsely as

    v[k,r,t] ≥ u[r,t] + Σ_{o ∈ O_r} (1 − φ[k,o,t])·x[o,t]

and the variable kept in the model is the part caused by the scenario,
v'[k,r,t] = v[k,r,t] − u[r,t] ≥ Σ_o (1 − φ[k,o,t])·x[o,t], created only where some
option loses anything; the unmet part u is added back in the scenario's loss
(see :mod:`sovopt.model.terms`). This keeps the rows as sparse as the losses.
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.family import Family
from sovopt.prepare import ModelData


def loss_rows(d: ModelData):
    """(scenario, capability, year) rows with their (option, year, 1 − φ) terms."""
    rows = d.loss.merge(d.options[["capability_id"]], left_on="option_id", right_index=True)
    return rows.reset_index(drop=True)


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    rows = loss_rows(d)
    if rows.empty:
        return
    o, t, loss = rows["option_id"].tolist(), rows["year"].tolist(), rows["loss"].tolist()
    by_row = rows.groupby(["scenario_id", "capability_id", "year"], sort=False).indices
    m.shortfall_rows = pyo.Set(initialize=list(by_row), dimen=3, ordered=True)
    demand = d.demand_of
    m.v = pyo.Var(m.shortfall_rows, bounds=lambda _m, k, r, yr: (0, demand[r, yr]))
    m.scenario_shortfall = pyo.Constraint(
        m.shortfall_rows,
        rule=lambda _m, k, r, yr: m.v[k, r, yr]
        >= sum(loss[i] * m.x[o[i], t[i]] for i in by_row[k, r, yr]),
    )


FAMILY = Family("scenario_shortfall", add,
                terms=("expected_shortfall", "worst_case", "cvar"))
