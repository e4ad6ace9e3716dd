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
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from sovopt.model.constraints.country_share import share_rows
from sovopt.model.family import Family
from sovopt.prepare import ModelData

STEP = 0.05
BREAKPOINTS = np.round(np.arange(1, 21) * STEP, 10)


def tangents_needed(reach: float) -> np.ndarray:
    """Breakpoints a > 0 up to and including the first one ≥ ``reach``."""
    k = int(np.searchsorted(BREAKPOINTS, reach - 1e-12))
    return BREAKPOINTS[: min(k + 1, len(BREAKPOINTS))]


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    rows = share_rows(d)
    if rows.empty:
        return
    demand = d.demand_of
    theta = d.countries["max_share"].to_dict()
    o, t, s = rows["option_id"].tolist(), rows["year"].tolist(), rows["share"].tolist()
    by_row = rows.groupby(["capability_id", "country_id", "year"], sort=False).indices
    m.hhi_rows = pyo.Set(initialize=list(by_row), dimen=3, ordered=True)
    capped = m.find_component("country_share")
    top: dict[tuple, float] = {}  # the largest σ: no mix of r's options has more
    cuts = []
    for key, idx in by_row.items():
        top[key] = max(s[i] for i in idx)
        reach = top[key]
        if capped is not None and key in capped:
            reach = min(theta[key[1]], reach)
        cuts.extend((*key, float(a)) for a in tangents_needed(reach))
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


FAMILY = Family("hhi_epigraph", add, terms=("hhi",), needs=("country_share",))
