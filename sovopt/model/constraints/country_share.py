"""country_share: no foreign country holds more than its max share of a capability.

    Σ_{o ∈ O_r} σ[o,c]·x[o,t] ≤ θ[c] · D[r,t]        for c ≠ h

Rows exist only where some option of r delivering in t has value from c and
θ[c] < 1 (at θ ≥ 1 the row cannot bind, since Σ x ≤ D). Options with value
from a prohibited country (θ = 0) were excluded in preparation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from sovopt.model.arrays import add_rows, block, segment
from sovopt.model.family import Family, Relax
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.prepare import ModelData


def share_rows(d: ModelData) -> pd.DataFrame:
    """(capability, country, year, option, σ) for every foreign share of a deliverable pair.

    ``pos`` is the pair's position in ``d.deliveries`` (the order of ``m.x``).
    """
    foreign = d.origin[d.origin["country_id"] != d.home]
    pairs = d.deliveries[["option_id", "year", "capability_id"]].assign(
        pos=np.arange(len(d.deliveries)))
    return pairs.merge(foreign, on="option_id").reset_index(drop=True)


def _capped_rows(d: ModelData) -> pd.DataFrame:
    theta = d.countries["max_share"]
    rows = share_rows(d)
    return rows[rows["country_id"].map(theta) < 1.0].reset_index(drop=True)


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as one array block (see :mod:`sovopt.model.arrays`)."""
    rows = _capped_rows(d)
    if rows.empty:
        return
    key_cols = ["capability_id", "country_id", "year"]
    group = rows.groupby(key_cols, sort=False).ngroup().to_numpy()
    keys = rows.drop_duplicates(key_cols)  # first appearance: the groups' order
    rhs = (keys["country_id"].map(d.countries["max_share"]).to_numpy(float)
           * _demand(d, keys))
    add_rows(m, block(
        "country_share", tuple(keys[c].tolist() for c in key_cols), [segment(m.x)],
        group, rows["pos"].to_numpy(), rows["share"].to_numpy(float), -np.inf, rhs))


def _demand(d: ModelData, keys: pd.DataFrame) -> np.ndarray:
    """D[r,t] for each (capability_id, year) row of ``keys``."""
    demand = d.demand_of
    return np.fromiter((demand[r, t] for r, t in zip(keys["capability_id"], keys["year"],
                                                      strict=True)), float, len(keys))


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    theta = d.countries["max_share"]
    rows = _capped_rows(d)
    if rows.empty:
        return
    demand = d.demand_of
    o, t, s = rows["option_id"].tolist(), rows["year"].tolist(), rows["share"].tolist()
    by_row = rows.groupby(["capability_id", "country_id", "year"], sort=False).indices

    def rule(_m, r, c, yr):
        return (sum(s[i] * m.x[o[i], t[i]] for i in by_row[r, c, yr])
                <= float(theta[c]) * demand[r, yr])

    m.country_share = pyo.Constraint(list(by_row), rule=rule)


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    r, c, t = index
    current = float(d.countries.loc[c, "max_share"])
    demand = d.demand_of[r, t]
    needed = current + amount / demand
    cell = d.case.cell("Countries", "max_share", d.countries.loc[c, "row"])
    return Relaxation(
        "country_share", f"Max share of {c} ({r}, {t})", cell, current, needed,
        f"Max share of {c} ({cell}) must rise by {fmt(needed - current)} to {fmt(needed)} "
        f"for {r} in {t}",
    )


FAMILY = Family("country_share", add, reference=add_pyomo, relax=Relax(), describe=describe)
