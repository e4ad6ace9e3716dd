"""budget: each year's spending stays within that year's budget.

    Σ_o p[o]·x[o,t] + Σ_o F[o]·start[o,t] + [t = first year]·Σ_s G[s]·z[s] ≤ B[t]

Unit costs are paid in the delivery year, fixed costs in the start year, and
supplier activation costs in the first year of the horizon (each amount is
defined once, in :mod:`sovopt.spend`). Where a fleet is kept running or a
stock held (sustainment), the year's support, repair-line and holding costs join the
left-hand side (families support_cost, repair_line, stock_balance).

The spend of a year has one row per year and an entry per delivery, start and
supplier (a million at XL), too many for Pyomo's expression build and
compile, so :func:`add` builds the rows as an array block from
:func:`spend_rows` (:mod:`sovopt.model.arrays`); :func:`add_pyomo` is the
reference block, over ``m.spend``, that the arrays must equal.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyomo.environ as pyo

from sovopt.model.arrays import (
    ArrayRows,
    add_rows,
    block,
    segment,
    with_expressions,
    without_empty_rows,
)
from sovopt.model.family import Family, Relax
from sovopt.model.index import groups
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.model.shared import localized_spend, record_spend_arrays, spend_arrays
from sovopt.prepare import ModelData
from sovopt.spend import activation_spend, start_spend, unit_spend


def _spend_builder(m, d: ModelData, xs, ss):
    price = unit_spend(d.options, d.deliveries.assign(units=1.0))["cost"].tolist()
    fixed = start_spend(d.options, d.starts).tolist()
    x_by, s_by = groups(d.deliveries, ["year"]), groups(d.starts, ["year"])
    activation = activation_spend(d.suppliers, d.suppliers.index).to_dict()

    def lhs(t):
        body = sum(price[i] * m.x[xs[i]] for i in x_by.get(t, ()))
        body += sum(fixed[i] * m.start[ss[i]] for i in s_by.get(t, ()) if fixed[i] > 0)
        if t == d.first_year:
            body += sum(g * m.z[s] for s, g in activation.items())
        return body

    return lhs


def add_spend(m: pyo.ConcreteModel, d: ModelData, pyomo_rows: bool = False) -> None:
    """``m.spend[t]``: what is paid in year t (the budget row and the cost term).

    With ``pyomo_rows`` (the reference model) it is everything paid in t.
    Otherwise the amounts of :mod:`sovopt.spend` stay arrays (see
    :func:`spend_rows`) and ``m.spend[t]`` starts at 0: it holds what the sustainment
    families add in Pyomo (:func:`add_spend_terms`).
    """
    if pyomo_rows:
        lhs = _spend_builder(m, d, d.delivery_keys, d.start_keys)
        m.spend = pyo.Expression(d.years, rule=lambda _m, t: lhs(t))
    else:
        m.spend = pyo.Expression(d.years, rule=lambda _m, t: 0)
        record_spend_arrays(m)


def add_spend_terms(m: pyo.ConcreteModel, total: dict, local: dict,
                    localization: bool = True) -> None:
    """Add ``total[t]`` to spend[t]; with ``localization`` remember (total, local) for
    the localization row."""
    if not localization:
        for t, expr in total.items():
            m.spend[t].set_value(m.spend[t].expr + expr)
        return
    extra = localized_spend(m)
    for t, expr in total.items():
        m.spend[t].set_value(m.spend[t].expr + expr)
        tot, loc = extra.get(t, (0, 0))
        extra[t] = (tot + expr, loc + local.get(t, 0))
    for t, expr in local.items():
        if t not in total:
            tot, loc = extra.get(t, (0, 0))
            extra[t] = (tot, loc + expr)


def spend_rows(m: pyo.ConcreteModel, d: ModelData, lower=-np.inf, upper=np.inf) -> ArrayRows:
    """``lower ≤ spend[t] ≤ upper`` for each year as array rows over x, start, z and
    whatever the sustainment families added to ``m.spend`` (its constants move to the bounds).

    The amounts are :mod:`sovopt.spend`'s, with one unit delivered, as in
    :func:`_spend_builder`.
    """
    if not spend_arrays(m):  # m.spend already holds these amounts
        raise ValueError("spend_rows needs the model's spend as arrays (add_spend without "
                         "pyomo_rows)")
    years = list(d.years)
    row_of = {t: i for i, t in enumerate(years)}
    price = unit_spend(d.options, d.deliveries.assign(units=1.0))["cost"].to_numpy(float)
    x_row = d.deliveries["year"].map(row_of).to_numpy(float)
    fixed = start_spend(d.options, d.starts).to_numpy(float)
    s_row = d.starts["year"].map(row_of).to_numpy(float)
    x_at = np.flatnonzero(~np.isnan(x_row))
    s_at = np.flatnonzero(~np.isnan(s_row) & (fixed > 0))
    activation = activation_spend(d.suppliers, d.suppliers.index)
    z_at = d.suppliers.index.get_indexer(activation.index)
    if d.first_year not in row_of:
        z_at = z_at[:0]
    nx, ns = len(d.deliveries), len(d.starts)
    rows = np.concatenate([x_row[x_at], s_row[s_at],
                           np.full(len(z_at), row_of.get(d.first_year, 0))]).astype(np.int64)
    cols = np.concatenate([x_at, nx + s_at, nx + ns + z_at])
    vals = np.concatenate([price[x_at], fixed[s_at],
                           activation.to_numpy(float)[: len(z_at)]])
    base = block("spend", (years,), [segment(m.x), segment(m.start), segment(m.z)],
                 rows, cols, vals, lower, upper)
    extra = {i: m.spend[t].expr for i, t in enumerate(years)
             if not _is_zero(m.spend[t].expr)}
    return with_expressions(base, extra)


def _is_zero(expr) -> bool:
    return isinstance(expr, (int, float)) and expr == 0


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as one array block (see :mod:`sovopt.model.arrays`)."""
    if not spend_arrays(m):
        add_pyomo(m, d)
        return
    limit = d.budget["budget"].reindex(list(d.years)).to_numpy(float)
    rows = spend_rows(m, d, upper=limit)
    add_rows(m, without_empty_rows(replace(rows, family="budget")))


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    limit = d.budget["budget"].to_dict()
    m.budget = pyo.Constraint(d.years, rule=lambda _m, t: m.spend[t] <= limit[t])


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    t = index
    current = float(d.budget.loc[t, "budget"])
    cell = d.case.cell("Budget", "budget", d.budget.loc[t, "row"])
    needed = current + amount
    return Relaxation(
        "budget", f"Budget {t}", cell, current, needed,
        f"Budget {t} ({cell}) must rise by {fmt(amount)} to {fmt(needed)}",
    )


FAMILY = Family("budget", add, reference=add_pyomo,
                relax=Relax(limit=("budget", "budget")), describe=describe)
