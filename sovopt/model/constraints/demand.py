"""demand: every year's demand of every capability is delivered (or, if allowed, unmet).

    Σ_{o ∈ O_r} x[o,t] + u[r,t] = D[r,t]        for every (r,t) with D[r,t] > 0

u exists only when Settings allow_unmet = yes. Relaxed last of all by the
diagnosis (weight 1000), so a requirement is dropped only when no policy
limit can make room. A fleet capability's rows are family fleet_service and a
capability with stock has family stock_balance instead (sustainment), unless the
preset switches those off.

Built as an array block (:mod:`sovopt.model.arrays`, an entry per delivery);
:func:`add_pyomo` is the reference block the arrays must equal.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from sovopt.model.arrays import add_rows, block, segment
from sovopt.model.family import Family, Relax
from sovopt.model.index import groups
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.model.shared import switched_off
from sovopt.model.variables import unmet_column
from sovopt.prepare import ModelData

#: A unit of unmet demand costs the diagnosis this many units of any policy limit, so a
#: requirement is dropped only when no limit can make room.
DEMAND_WEIGHT = 1000.0


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as one array block (see :mod:`sovopt.model.arrays`): an entry per delivery
    (and u). A case with a row that nothing can meet is left to :func:`add_pyomo`, which
    refuses it as :func:`requirement_row` does."""
    elsewhere = replaced_rows(m, d)
    keep = ~d.demand["capability_id"].isin(elsewhere).to_numpy()
    rows = d.demand.loc[keep, ["capability_id", "year"]].assign(row=np.arange(int(keep.sum())))
    u = unmet_column(m, d)
    x_row = d.deliveries[["capability_id", "year"]].merge(rows, how="left")["row"].to_numpy(
        float)
    x_at = np.flatnonzero(~np.isnan(x_row))
    x_row = x_row[x_at].astype(np.int64)
    if u is None and len(np.unique(x_row)) < len(rows):
        add_pyomo(m, d)
        return
    columns, r, c = [segment(m.x)], [x_row], [x_at]
    if u is not None:  # u over m.demand_pairs, the order of d.demand
        columns.append(segment(u))
        r.append(np.arange(len(rows)))
        c.append(len(d.deliveries) + np.flatnonzero(keep))
    r, c = np.concatenate(r), np.concatenate(c)
    need = d.demand["demand"].to_numpy(float)[keep]
    add_rows(m, block("demand", (rows["capability_id"].tolist(), rows["year"].tolist()),
                      columns, r, c, np.ones(len(r)), need, need))


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    xs = d.delivery_keys
    by_row = groups(d.deliveries, ["capability_id", "year"])
    demand = d.demand_of
    u = unmet_column(m, d)
    elsewhere = replaced_rows(m, d)

    def rule(_m, r, t):
        if r in elsewhere:
            return pyo.Constraint.Skip
        return requirement_row(sum(m.x[xs[i]] for i in by_row.get((r, t), ())), u, r, t,
                               demand[r, t])

    m.demand = pyo.Constraint(m.demand_pairs, rule=rule)


def requirement_row(supply, u: pyo.Var | None, r: str, t: int, need: float,
                    at_least: bool = False):
    """A requirement of (r,t): ``supply`` plus the unmet u[r,t] (when the case has that
    column) equals ``need`` (is at least it, for a fleet); a row that nothing can meet
    (no supply, no u) is Infeasible. The demand and fleet_service rows."""
    if u is not None:
        supply = supply + u[r, t]
    if isinstance(supply, int):
        return pyo.Constraint.Infeasible
    return supply >= need if at_least else supply == need


def replaced_rows(m: pyo.ConcreteModel, d: ModelData) -> set[str]:
    """Capabilities whose demand rows another family writes (fleet, stock)."""
    off = switched_off(m)
    out: set[str] = set()
    if "fleet_service" not in off and "requirement" in d.capabilities.columns:
        out |= set(d.capabilities.index[d.capabilities["requirement"] == "fleet"])
    if "stock_balance" not in off:
        out |= set(d.stock.index)
    return out


def requirement_relaxation(d: ModelData, family: str, what: str, kept: str, index,
                           amount: float) -> Relaxation:
    """A requirement row of (r,t) relaxed by ``amount`` units: its Demand cell must fall by
    that much (the demand and fleet_service rows; ``what`` the requirement is called,
    ``kept`` what cannot be done)."""
    r, t = index
    row = d.demand[(d.demand["capability_id"] == r) & (d.demand["year"] == t)].iloc[0]
    cell = d.case.cell("Demand", str(t), row["row"])
    current = float(row["demand"])
    needed = current - amount
    return Relaxation(
        family, f"{what} of {r} in {t}", cell, current, needed,
        f"{what} of {r} in {t} ({cell}) cannot be {kept}: {fmt(amount)} of {fmt(current)} "
        f"units short; it must fall to {fmt(needed)} unless other limits move",
    )


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    return requirement_relaxation(d, "demand", "Demand", "met", index, amount)


FAMILY = Family("demand", add, reference=add_pyomo, optional=False, terms=("unmet",),
                relax=Relax(weight=DEMAND_WEIGHT, limit=("demand", "demand"),
                            by=("capability_id", "year"), bound="floor"),
                describe=describe)
