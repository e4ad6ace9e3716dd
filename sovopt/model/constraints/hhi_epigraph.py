"""hhi_epigraph: h[r,c,t] bounds the square of country c's share of capability r in t.

    s[r,c,t] = Σ_{o ∈ O_r} σ[o,c]·x[o,t] / D[r,t]
    h[r,c,t] ≥ 2a·s[r,c,t] − a²        for a ∈ {0.05, 0.10, …, 1}, c ≠ h

Tangents of the convex square at the breakpoints: exact there, at most
0.000625 too low in between. Tangent a = 0 is h ≥ 0, the variable's bound.
The share is a variable of its own, defined once (``hhi_share``), so each
tangent row has two entries rather than every option's: the rows stay sparse.
A tangent at a above the largest share s can reach (the largest σ[o,c] among
r's options, or θ[c] where a country_share row caps it) is dominated by the tangent at the
first breakpoint above that reach, so only breakpoints up to that one are
built: fewer rows, the same epigraph on every feasible s.

For a capability with stock (sustainment) the shares are of the year's deliveries
X[r,t] = Σ_{o ∈ O_r} x[o,t], which can exceed D[r,t]; for a fleet, of the fleet in
service (F in place of x, as in country_share). The square of
V/X (V = Σ_o σ[o,c]·x[o,t]) is not linear-representable, so the model uses the
tangents of its perspective, the linear outer approximation

    q[r,t] = X[r,t] / D[r,t]
    h[r,c,t] ≥ 2a·s[r,c,t] − a²·q[r,t]        (s = V / D as above)

which bounds V²/(X·D) = (V/X)²·(X/D): the exact square in a year that
delivers its demand, weighted by X/D in a year that builds stock (and 0 in a
year drawn wholly from stock). Rows only in years with demand. The metrics
report the exact HHI over the year's deliveries. s is the model's variable
``share``, q its variable ``hhi_volume``.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from sovopt.model.arrays import add_rows, block, segment
from sovopt.model.constraints.country_share import (
    held_shares,
    share_rows,
    supply,
    supply_pairs,
    supply_share_rows,
    volume_capabilities,
)
from sovopt.model.family import Family
from sovopt.model.index import groups
from sovopt.prepare import ModelData

STEP = 0.05
BREAKPOINTS = np.round(np.arange(1, 21) * STEP, 10)


def tangents_needed(reach: float) -> np.ndarray:
    """Breakpoints a > 0 up to and including the first one ≥ ``reach``."""
    k = int(np.searchsorted(BREAKPOINTS, reach - 1e-12))
    return BREAKPOINTS[: min(k + 1, len(BREAKPOINTS))]


def _rows_and_reach(m: pyo.ConcreteModel, d: ModelData):
    """Share terms, one row per (r,c,t) with the largest σ (top) and reach, or None."""
    rows = share_rows(d)
    if rows.empty:
        return None
    key_cols = ["capability_id", "country_id", "year"]
    group = rows.groupby(key_cols, sort=False).ngroup().to_numpy()
    keys = rows.drop_duplicates(key_cols).reset_index(drop=True)  # the groups' order
    top = rows["share"].groupby(group).max().to_numpy()
    held = held_shares(m, d)  # only where country_share holds s to θ
    capped = np.fromiter((key in held for key in zip(
        keys["capability_id"], keys["country_id"], keys["year"], strict=True)), bool, len(keys))
    theta = keys["country_id"].map(d.countries["max_share"]).to_numpy(float)
    reach = np.where(capped, np.minimum(theta, top), top)
    return rows, group, keys, top, reach


def tangent_cuts(m: pyo.ConcreteModel, d: ModelData, by_row: dict[tuple, list[int]],
                 share: list[float]) -> tuple[dict[tuple, float], list[tuple]]:
    """The largest σ of each (r,c,t) row (no mix of r's options has more) and its tangent
    cuts (r,c,t,a): up to the reach, which is θ[c] where country_share holds the share."""
    theta = d.countries["max_share"].to_dict()
    held = held_shares(m, d)
    top: dict[tuple, float] = {}
    cuts = []
    for key, idx in by_row.items():
        top[key] = max(share[i] for i in idx)
        reach = min(theta[key[1]], top[key]) if key in held else top[key]
        cuts.extend((*key, float(a)) for a in tangents_needed(reach))
    return top, cuts


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as two array blocks (see :mod:`sovopt.model.arrays`); a case with a fleet
    or a stock (sustainment) is built by :func:`add_sustained`."""
    if volume_capabilities(d):
        add_sustained(m, d)
        return
    found = _rows_and_reach(m, d)
    if found is None:
        return
    rows, group, keys, top, reach = found
    key_cols = ["capability_id", "country_id", "year"]
    index = list(zip(*(keys[c].tolist() for c in key_cols), strict=True))
    top_of = dict(zip(index, top.tolist(), strict=True))
    m.hhi_rows = pyo.Set(initialize=index, dimen=3, ordered=True)
    m.h = pyo.Var(m.hhi_rows, bounds=(0, 1))
    m.share = pyo.Var(m.hhi_rows, bounds=lambda _m, r, c, yr: (0, top_of[r, c, yr]))
    n = len(keys)
    demand = keys[["capability_id", "year"]].merge(
        d.demand[["capability_id", "year", "demand"]], how="left")["demand"].to_numpy(float)
    # share[g] − Σ σ/D · x = 0: the share column first, then the x columns
    add_rows(m, block(
        "hhi_share", tuple(keys[c].tolist() for c in key_cols),
        [segment(m.share), segment(m.x)],
        np.concatenate([np.arange(n), group]),
        np.concatenate([np.arange(n), n + rows["pos"].to_numpy()]),
        np.concatenate([np.ones(n), -rows["share"].to_numpy(float) / demand[group]]),
        0.0, 0.0))
    # h[g] − 2a·share[g] ≥ −a² for the breakpoints each row needs
    count = np.minimum(np.searchsorted(BREAKPOINTS, reach - 1e-12) + 1, len(BREAKPOINTS))
    g = np.repeat(np.arange(n), count)
    a = BREAKPOINTS[np.arange(len(g)) - np.repeat(np.cumsum(count) - count, count)]
    cut_keys = tuple(np.asarray(keys[c].tolist(), dtype=object)[g].tolist()
                     for c in key_cols) + (a.tolist(),)
    k = len(g)
    add_rows(m, block(
        "hhi_epigraph", cut_keys, [segment(m.h), segment(m.share)],
        np.concatenate([np.arange(k), np.arange(k)]), np.concatenate([g, n + g]),
        np.concatenate([np.ones(k), -2 * a]), -a * a, np.inf))


def add_sustained(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The block of a case with a fleet or a stock (sustainment), in Pyomo."""
    rows = supply_share_rows(d)
    demand = d.demand_of
    volume = volume_capabilities(d)
    if volume and not rows.empty:
        rows = rows[[(r, yr) in demand for r, yr in zip(rows["capability_id"], rows["year"],
                                                        strict=True)]].reset_index(drop=True)
    if rows.empty:
        return
    o, t, s = rows["option_id"].tolist(), rows["year"].tolist(), rows["share"].tolist()
    by_row = rows.groupby(["capability_id", "country_id", "year"], sort=False).indices
    m.hhi_rows = pyo.Set(initialize=list(by_row), dimen=3, ordered=True)
    top, cuts = tangent_cuts(m, d, by_row, s)
    pairs = supply_pairs(d)
    most = pairs.groupby(["capability_id", "year"])["cap"].sum().to_dict()
    Q = supply(m, d)
    grow = {key: max(1.0, most.get(key[::2], 0.0) / demand[key[0], key[2]])
            if key[0] in volume else 1.0 for key in by_row}
    if volume:
        m.h = pyo.Var(m.hhi_rows, bounds=lambda _m, r, c, yr: (0, grow[r, c, yr]))
    else:
        m.h = pyo.Var(m.hhi_rows, bounds=(0, 1))
    # θ is left to country_share (whose rows the diagnosis may relax), not this bound
    m.share = pyo.Var(m.hhi_rows, bounds=lambda _m, r, c, yr: (0, top[r, c, yr]
                                                              * grow[r, c, yr]))
    m.hhi_share = pyo.Constraint(
        m.hhi_rows,
        rule=lambda _m, r, c, yr: m.share[r, c, yr]
        == sum(s[i] / demand[r, yr] * Q(o[i], t[i]) for i in by_row[r, c, yr]),
    )
    m.hhi_cuts = pyo.Set(initialize=cuts, dimen=4, ordered=True)
    if not volume:
        m.hhi_epigraph = pyo.Constraint(
            m.hhi_cuts,
            rule=lambda _m, r, c, yr, a: m.h[r, c, yr] >= 2 * a * m.share[r, c, yr] - a * a,
        )
        return
    ps, p_by = list(zip(pairs["option_id"], pairs["year"], strict=True)), groups(
        pairs, ["capability_id", "year"])
    q_keys = sorted({(r, yr) for r, _c, yr in by_row if r in volume})
    m.hhi_volume = pyo.Var(q_keys, bounds=lambda _m, r, yr: (0, None))
    m.hhi_volume_def = pyo.Constraint(
        q_keys, rule=lambda _m, r, yr: m.hhi_volume[r, yr]
        == sum(Q(*ps[i]) for i in p_by.get((r, yr), ())) / demand[r, yr])

    def cut(_m, r, c, yr, a):
        q = m.hhi_volume[r, yr] if r in volume else 1.0
        return m.h[r, c, yr] >= 2 * a * m.share[r, c, yr] - a * a * q

    m.hhi_epigraph = pyo.Constraint(m.hhi_cuts, rule=cut)


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    if volume_capabilities(d):
        add_sustained(m, d)
        return
    rows = share_rows(d)
    if rows.empty:
        return
    demand = d.demand_of
    o, t, s = rows["option_id"].tolist(), rows["year"].tolist(), rows["share"].tolist()
    by_row = rows.groupby(["capability_id", "country_id", "year"], sort=False).indices
    m.hhi_rows = pyo.Set(initialize=list(by_row), dimen=3, ordered=True)
    top, cuts = tangent_cuts(m, d, by_row, s)
    m.h = pyo.Var(m.hhi_rows, bounds=(0, 1))
    # θ is left to country_share (whose rows the diagnosis may relax), not this bound
    m.share = pyo.Var(m.hhi_rows, bounds=lambda _m, r, c, yr: (0, top[r, c, yr]))
    m.hhi_share = pyo.Constraint(
        m.hhi_rows,
        rule=lambda _m, r, c, yr: m.share[r, c, yr]
        == sum(s[i] / demand[r, yr] * m.x[o[i], t[i]] for i in by_row[r, c, yr]),
    )
    m.hhi_cuts = pyo.Set(initialize=cuts, dimen=4, ordered=True)
    m.hhi_epigraph = pyo.Constraint(
        m.hhi_cuts,
        rule=lambda _m, r, c, yr, a: m.h[r, c, yr] >= 2 * a * m.share[r, c, yr] - a * a,
    )


#: needs country_share: the shares it holds to θ (:func:`held_shares`) bound the reach
FAMILY = Family("hhi_epigraph", add, reference=add_pyomo, terms=("hhi",),
                needs=("country_share", "fleet_service"))
