"""localization: local content is at least the year's share of unit spending.

    Σ_o λ[o]·p[o]·x[o,t] ≥ ℓ[t] · Σ_o p[o]·x[o,t]        for years with ℓ[t] > 0

written as Σ_o (λ[o] − ℓ[t])·p[o]·x[o,t] ≥ 0. Where a fleet is kept running
(sustainment) the year's support spend and repair lines' fixed costs join both sides,
with their local part (support at home, repair lines) on the left:

    Σ_o λ·p·x + local_support[t] ≥ ℓ[t]·(Σ_o p·x + support[t] + repair[t])

A row has an entry per delivery of its year (half a million at XL), so
:func:`add` builds the rows as an array block (:mod:`sovopt.model.arrays`)
from the same unit amounts (:mod:`sovopt.spend`); :func:`add_pyomo` is the
reference block the arrays must equal.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from sovopt.model.arrays import add_rows, block, segment, with_expressions, without_empty_rows
from sovopt.model.family import Family, Relax
from sovopt.model.index import groups
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.model.shared import localized_spend
from sovopt.prepare import ModelData
from sovopt.spend import local_share, unit_spend


def _targets(d: ModelData) -> dict:
    target = d.budget["min_local_share"]
    return target[target > 0].to_dict()


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as one array block (see :mod:`sovopt.model.arrays`), with the sustainment spend
    (:func:`~sovopt.model.shared.localized_spend`, Pyomo expressions) folded in."""
    target = _targets(d)
    if not target:
        return
    years = list(target)
    row_of = {t: i for i, t in enumerate(years)}
    per_unit = unit_spend(d.options, d.deliveries.assign(units=1.0))
    price, local = per_unit["cost"].to_numpy(float), per_unit["local"].to_numpy(float)
    row = d.deliveries["year"].map(row_of).to_numpy(float)
    at = np.flatnonzero(~np.isnan(row) & (price > 0))
    rows = row[at].astype(np.int64)
    share = np.asarray([target[t] for t in years], dtype=float)
    base = block("localization", (years,), [segment(m.x)], rows, at,
                 local[at] - share[rows] * price[at], 0.0, np.inf)
    extra = localized_spend(m)
    exprs = {row_of[t]: at_home - target[t] * total for t, (total, at_home) in extra.items()
             if t in row_of}
    add_rows(m, without_empty_rows(with_expressions(base, exprs)))


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    target = _targets(d)
    if not target:
        return
    xs = d.delivery_keys
    x_by = groups(d.deliveries, ["year"])
    per_unit = unit_spend(d.options, d.deliveries.assign(units=1.0))
    price, local = per_unit["cost"].tolist(), per_unit["local"].tolist()

    extra = localized_spend(m)

    def rule(_m, t):
        terms = [(local[i] - target[t] * price[i]) * m.x[xs[i]]
                 for i in x_by.get(t, ()) if price[i] > 0]
        if t in extra:
            total, at_home = extra[t]
            terms.append(at_home - target[t] * total)
        if not terms:
            return pyo.Constraint.Skip
        return sum(terms) >= 0

    m.localization = pyo.Constraint(list(target), rule=rule)


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    """The target the elastic plan needs: its slack ``amount`` (money short of the
    target's local spend) over the year's unit spend, below the current target. The
    plan's own share of its deliveries can read above the target where a fleet's
    foreign support spend (in the row, not in the deliveries) pulls the row's share
    down, so it is only used when lower still."""
    t = index
    current = float(d.budget.loc[t, "min_local_share"])
    cell = d.case.cell("Budget", "min_local_share", d.budget.loc[t, "row"])
    year = deliveries[deliveries["year"] == t]
    spent = float(unit_spend(d.options, year)["cost"].sum())
    by_slack = current - amount / spent if spent > 0 else 0.0
    needed = max(0.0, min(local_share(d.options, year) or 0.0, by_slack))
    return Relaxation(
        "localization", f"Localization target {t}", cell, current, needed,
        f"Localization target {t} ({cell}) must fall by {fmt(current - needed)} "
        f"to {fmt(needed)}",
    )


def budget_scale(d: ModelData, index, rhs: float, coef_max: float) -> float:
    """A unit of slack is the year's budget (the row's right-hand side is 0)."""
    return float(d.budget.loc[index, "budget"]) or coef_max or 1.0


FAMILY = Family("localization", add, reference=add_pyomo,
                relax=Relax(scale=budget_scale, limit=("budget", "min_local_share"),
                            bound="floor"),
                describe=describe)
