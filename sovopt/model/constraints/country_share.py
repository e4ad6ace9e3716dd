"""country_share: no foreign country holds more than its max share of a capability.

    Σ_{o ∈ O_r} σ[o,c]·x[o,t] ≤ θ[c] · D[r,t]        for c ≠ h

Rows exist only where some option of r delivering in t has value from c and
θ[c] < 1 (at θ ≥ 1 the row cannot bind, since Σ x ≤ D). Options with value
from a prohibited country (θ = 0) were excluded in preparation.

A year that builds stock delivers more than its demand, so for a capability
with stock the cap is on the share of the year's deliveries (sustainment):

    Σ_{o ∈ O_r} σ[o,c]·x[o,t] ≤ θ[c] · Σ_{o ∈ O_r} x[o,t]

(rows in every year with deliveries, written as Σ_o (σ[o,c] − θ[c])·x[o,t] ≤ 0).
A fleet's Demand counts units in service, so its shares are of the fleet in
service F[o,t] (family fleet_service) in place of x:
Σ_o (σ[o,c] − θ[c])·F[o,t] ≤ 0 in every year the fleet can have units in
service (the maths does not say it for fleets; this measures the dependence
of the fleet the country holds, not of one year's purchases).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from sovopt.model.arrays import add_rows, block, segment
from sovopt.model.constraints.fleet_service import in_service
from sovopt.model.family import Family, Relax
from sovopt.model.index import groups
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.model.shared import switched_off
from sovopt.prepare import ModelData


def share_rows(d: ModelData) -> pd.DataFrame:
    """(capability, country, year, option, σ) for every foreign share of a deliverable pair.

    ``pos`` is the pair's position in ``d.deliveries`` (the order of ``m.x``).
    """
    foreign = d.origin[d.origin["country_id"] != d.home]
    pairs = d.deliveries[["option_id", "year", "capability_id"]].assign(
        pos=np.arange(len(d.deliveries)))
    return pairs.merge(foreign, on="option_id").reset_index(drop=True)


def volume_capabilities(d: ModelData) -> set[str]:
    """Capabilities whose shares are of a quantity other than D (sustainment): a stock's deliveries,
    a fleet's units in service."""
    return set(d.fleet["capability_id"]) | set(d.stock.index)


def supply_pairs(d: ModelData) -> pd.DataFrame:
    """(option, year, capability, cap) of what shares are taken over: the deliveries, and
    for a fleet option its in-service pairs (cap = the most units in service then)."""
    cols = ["option_id", "year", "capability_id", "cap"]
    if d.in_service.empty:
        return d.deliveries[cols]
    plain = d.deliveries[~d.deliveries["option_id"].isin(d.fleet.index)][cols]
    fleet = d.in_service.rename(columns={"fleet_max": "cap"})[cols]
    return pd.concat([plain, fleet], ignore_index=True)


def supply(m: pyo.ConcreteModel, d: ModelData):
    """(option, year) -> its quantity in the shares: x[o,t], or F[o,t] for a fleet option."""
    if d.in_service.empty:
        return lambda o, t: m.x[o, t]
    F, fleet = in_service(m, d), set(d.fleet.index)
    return lambda o, t: F[o, t] if o in fleet else m.x[o, t]


def supply_share_rows(d: ModelData) -> pd.DataFrame:
    """(capability, country, year, option, σ) for every foreign share of a supply pair."""
    foreign = d.origin[d.origin["country_id"] != d.home]
    rows = supply_pairs(d)[["option_id", "year", "capability_id"]].merge(foreign,
                                                                          on="option_id")
    return rows.reset_index(drop=True)


def _capped_rows(d: ModelData) -> pd.DataFrame:
    """The share terms of this family's rows: the foreign shares of countries with θ < 1
    (of the supply pairs in a case with a fleet or a stock)."""
    theta = d.countries["max_share"]
    rows = supply_share_rows(d) if volume_capabilities(d) else share_rows(d)
    return rows[rows["country_id"].map(theta) < 1.0].reset_index(drop=True)


def held_shares(m: pyo.ConcreteModel, d: ModelData) -> set[tuple[str, str, int]]:
    """The (capability, country, year) shares this family holds to θ[c] in ``m``: the keys
    of its rows, none when the preset switches it off. The link the HHI family declares
    (``needs``) and reads, instead of looking for the rows on the model."""
    if FAMILY.name in switched_off(m):
        return set()
    rows = _capped_rows(d)
    return set(zip(rows["capability_id"], rows["country_id"], rows["year"], strict=True))


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as one array block (see :mod:`sovopt.model.arrays`); a case with a fleet
    or a stock (sustainment) is built by :func:`add_sustained`."""
    if volume_capabilities(d):
        add_sustained(m, d)
        return
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


def add_sustained(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows of a case with a fleet or a stock (sustainment), as a Pyomo block."""
    theta = d.countries["max_share"]
    rows = _capped_rows(d)
    if rows.empty:
        return
    demand = d.demand_of
    volume = volume_capabilities(d)
    o, t, s = rows["option_id"].tolist(), rows["year"].tolist(), rows["share"].tolist()
    by_row = rows.groupby(["capability_id", "country_id", "year"], sort=False).indices
    pairs = supply_pairs(d)
    ps, p_by = list(zip(pairs["option_id"], pairs["year"], strict=True)), groups(
        pairs, ["capability_id", "year"])
    Q = supply(m, d)

    def rule(_m, r, c, yr):
        if r in volume:
            th = float(theta[c])
            share = {o[i]: s[i] for i in by_row[r, c, yr]}
            return sum((share.get(ps[i][0], 0.0) - th) * Q(*ps[i]) for i in p_by[r, yr]) <= 0
        return (sum(s[i] * m.x[o[i], t[i]] for i in by_row[r, c, yr])
                <= float(theta[c]) * demand[r, yr])

    m.country_share = pyo.Constraint(list(by_row), rule=rule)


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    if volume_capabilities(d):
        add_sustained(m, d)
        return
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
    demand = d.demand_of.get((r, t), 0.0)
    if demand <= 0 or r in volume_capabilities(d):  # a share of the year's deliveries
        year = deliveries[(deliveries["year"] == t)
                          & (deliveries["option_id"].map(d.options["capability_id"]) == r)]
        demand = float(year["units"].sum()) or 1.0
    needed = current + amount / demand
    cell = d.case.cell("Countries", "max_share", d.countries.loc[c, "row"])
    return Relaxation(
        "country_share", f"Max share of {c} ({r}, {t})", cell, current, needed,
        f"Max share of {c} ({cell}) must rise by {fmt(needed - current)} to {fmt(needed)} "
        f"for {r} in {t}",
    )


FAMILY = Family("country_share", add, reference=add_pyomo, needs=("fleet_service",),
                relax=Relax(key=lambda index: index[1],  # (capability, country, year)
                            limit=("countries", "max_share")),
                describe=describe)
