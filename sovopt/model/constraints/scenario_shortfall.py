"""scenario_shortfall: what each scenario takes away from each capability and year.

    v[k,r,t] ≥ D[r,t] − Σ_{o ∈ O_r} φ[k,o,t]·x[o,t]

Since demand holds with equality (Σ_o x + u = D), this is written sparsely as

    v[k,r,t] ≥ u[r,t] + Σ_{o ∈ O_r} (1 − φ[k,o,t])·x[o,t]

and the variable kept in the model is the part caused by the scenario,
v'[k,r,t] = v[k,r,t] − u[r,t] ≥ Σ_o (1 − φ[k,o,t])·x[o,t], created only where some
option loses anything; the unmet part u is added back in the scenario's loss
(see :mod:`sovopt.model.terms`). This keeps the rows as sparse as the losses.

Fleet capabilities are family fleet_shortfall instead, and capabilities with
stock family scenario_stock (sustainment) unless the preset switches it off.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from sovopt.model.arrays import add_rows, block, segment
from sovopt.model.family import Family
from sovopt.model.shared import loss_parts, switched_off
from sovopt.prepare import ModelData


def loss_rows(d: ModelData, elsewhere: set[str] | frozenset[str] = frozenset()):
    """(scenario, capability, year) rows with their (option, year, 1 − φ) terms, leaving
    out the capabilities in ``elsewhere``."""
    rows = d.loss.merge(d.options[["capability_id"]], left_on="option_id", right_index=True)
    if elsewhere:
        rows = rows[~rows["capability_id"].isin(elsewhere)]
    return rows.reset_index(drop=True)


def add_loss_parts(m: pyo.ConcreteModel, parts) -> None:
    """Register (k, r, t, variable) shortfalls of another family (the sustainment
    families fleet_shortfall, scenario_stock) that the loss term adds to scenario k's loss
    beside v."""
    loss_parts(m).extend(parts)


def sustained(m: pyo.ConcreteModel, d: ModelData) -> set[str]:
    """Capabilities whose scenario rows another family writes (sustainment): fleets
    (fleet_shortfall) and capabilities with stock (scenario_stock, unless switched off)."""
    out = set(d.fleet["capability_id"])
    if "scenario_stock" not in switched_off(m):
        out |= set(d.stock.index)
    return out


def shortfall(m: pyo.ConcreteModel, d: ModelData) -> pyo.Var | None:
    """v'[k,r,t] as :func:`add` declares it (over its rows, in row order), or None when
    ``m`` has none: the preset switches the family off or no option loses anything
    outside the fleet and stock capabilities. What the loss term adds to scenario k's loss, beside
    the :func:`add_loss_parts` of other families."""
    if FAMILY.name in switched_off(m) or loss_rows(d, sustained(m, d)).empty:
        return None
    return m.v


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as one array block (see :mod:`sovopt.model.arrays`)."""
    rows = loss_rows(d, sustained(m, d))
    if rows.empty:
        return
    key_cols = ["scenario_id", "capability_id", "year"]
    group = rows.groupby(key_cols, sort=False).ngroup().to_numpy()
    keys = rows.drop_duplicates(key_cols).reset_index(drop=True)  # the groups' order
    index = list(zip(*(keys[c].tolist() for c in key_cols), strict=True))
    m.shortfall_rows = pyo.Set(initialize=index, dimen=3, ordered=True)
    demand = d.demand_of
    m.v = pyo.Var(m.shortfall_rows, bounds=lambda _m, k, r, yr: (0, demand[r, yr]))
    pos = rows[["option_id", "year"]].merge(
        d.deliveries[["option_id", "year"]].assign(pos=np.arange(len(d.deliveries))),
        how="left")["pos"].to_numpy()
    n = len(keys)
    # v[g] − Σ (1 − φ)·x ≥ 0
    add_rows(m, block(
        "scenario_shortfall", tuple(keys[c].tolist() for c in key_cols),
        [segment(m.v), segment(m.x)], np.r_[np.arange(n), group],
        np.r_[np.arange(n), n + pos], np.r_[np.ones(n), -rows["loss"].to_numpy(float)],
        0.0, np.inf))


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    rows = loss_rows(d, sustained(m, d))
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


FAMILY = Family("scenario_shortfall", add, reference=add_pyomo,
                terms=("expected_shortfall", "worst_case", "cvar"))
