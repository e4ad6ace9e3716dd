"""share_window: the delivery window with the smaller big-M that the share limits imply.

    x[o,t] ≤ M'[o,t] · opened[o,t]        where M'[o,t] < M[o,t] (family delivery_window)

    M'[o,t] = min( M[o,t],
                   D[r,t] · min_{c ≠ h, σ[o,c] > 0} θ[c] / σ[o,c],       with country_share
                   D[r,t] − (n[r] − 1) · e[r,t] )                          with dual_sourcing,
                                                                           in the years it holds

rounded down where r counts whole units; e[r,t] = β[r]·D[r,t], rounded up to
whole units where r counts them (what a supplier must deliver to count).
Only for deliveries capabilities without stock, whose shares are of D[r,t].

Why it is valid (no integer-feasible point is cut off, so no optimum changes):

- country_share: σ[o,c]·x[o,t] ≤ Σ_{o'∈O_r} σ[o',c]·x[o',t] ≤ θ[c]·D[r,t], every
  term being ≥ 0, so x[o,t] ≤ θ[c]·D[r,t]/σ[o,c] for every such c;
- dual_sourcing: in a year the rule holds at least n[r] suppliers deliver e[r,t]
  or more each; at least n[r] − 1 of them are not o's supplier, and
  Σ_{o'∈O_r} x[o',t] ≤ D[r,t] (demand, unmet demand u ≥ 0 aside), so
  x[o,t] ≤ D[r,t] − (n[r] − 1)·e[r,t];
- so every feasible point has x[o,t] ≤ M'[o,t]; at an integer point opened[o,t]
  ∈ {0, 1} (a sum of starts, one_start): at 0 the delivery window gives x = 0,
  at 1 the row is x ≤ M'; with whole units x ≤ ⌊M'⌋ as x is integer.

Why it helps: the LP relaxation can open an option fractionally and deliver
M·opened; an import capped at θ of the demand then pays for (and counts) only
x/M of its start. With M' the same delivery needs opened ≥ x/M' > x/M. Measured
with ``python -m bench.bound`` (bench/README.md, "The bound of a level") on the
exposure and concentration level: on the example its LP bound rises 0.5 %, its
root bound 0.2-1.1 %, and it needs 40 % fewer nodes and 16 % less CPU time to a
1 % gap (means of three seeds; whole solves are the same within their spread);
on bench R and M the LP bound rises 3.8 % and 3.5 %, and HiGHS's root cuts
reach the same bound with or without the rows.

The rows are implied by country_share, dual_sourcing and demand, so they
exist only while those families are in the model, and the infeasibility
diagnosis, which relaxes the rows they come from, leaves this family out.

Other strengthenings of the bound were measured the same way and not kept.
On the example the yearly budget rows carry the weak bound of the exposure and
concentration level (without them its root gap is 0.1 %), and of its integers
the starts carry three quarters of the gap: the LP opens a line partly,
delivers that part and pays that part of its fixed cost. Tried, and neither the
LP nor the root bound moved on the example, R or M:

- Chvátal–Gomory rows of each year's fixed costs,
  Σ_o ⌊F[o]/f⌋·start[o,t] ≤ ⌊(B[t] − LB[t])/f⌋ for divisors f among the fixed
  costs, LB[t] the least unit spending of year t (each deliveries
  capability's demand filled by its cheapest options up to their caps): valid
  as the year's fixed costs fit in what its budget leaves and starts are
  binary, but the LP point is far from these knapsacks (the example's LP pays
  155 of fixed costs in 2027 against 282 left);
- the same over windows of years ([first, t] and [t, t+1]), also with each
  window's least unit spending from the level's own LP (root bound +0.1 % at R);
- starts whose fixed cost alone exceeds B[t] − LB[t] removed: there are none.

Earlier variants that did not pay: a monotone y in place of start, integer
``opened``, perspective cuts for the HHI term, HHI as bounded segment columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from sovopt.model.family import Family
from sovopt.model.shared import switched_off
from sovopt.prepare import ModelData

#: a bound below the delivery window's by less than this is not worth a row
MARGIN = 1e-6


def tighter_caps(d: ModelData, switched_off: frozenset[str] = frozenset()) -> pd.DataFrame:
    """The deliveries whose M'[o,t] is below cap[o,t]: ``pos`` (the position in
    ``d.deliveries``, the order of ``m.x``), option_id, year and ``limit`` = M'."""
    cols = ["pos", "option_id", "year", "limit"]
    if d.deliveries.empty:
        return pd.DataFrame(columns=cols)
    plain = d.capabilities.index[(d.capabilities["requirement"] == "deliveries")
                                 & ~d.capabilities.index.isin(d.stock.index)]
    dv = d.deliveries[["option_id", "year", "capability_id", "cap"]].assign(
        pos=np.arange(len(d.deliveries)))
    dv = dv[dv["capability_id"].isin(plain)]
    demand = pd.Series(d.demand_of, dtype=float)
    dem = demand.reindex(pd.MultiIndex.from_arrays([dv["capability_id"], dv["year"]]))
    limit = dv["cap"].to_numpy(float)
    if "country_share" not in switched_off:
        reach = dv["option_id"].map(d.share_reach).to_numpy(float) * dem.to_numpy(float)
        limit = np.fmin(limit, reach)
    src = d.sourcing
    if "dual_sourcing" not in switched_off and len(src):
        src = src[src["binding"]]
        rest = (src["demand"] - (src["need"] - 1) * src["each"]).to_numpy(float)
        rest = pd.Series(rest, index=pd.MultiIndex.from_frame(src[["capability_id", "year"]]))
        mine = rest.reindex(pd.MultiIndex.from_arrays([dv["capability_id"], dv["year"]]))
        limit = np.fmin(limit, mine.fillna(np.inf).to_numpy(float))
    whole = dv["option_id"].map(d.options["integer"]).astype(bool).to_numpy()
    limit = np.where(whole, np.floor(limit + 1e-9), limit)
    dv = dv.assign(limit=limit)
    return dv.loc[dv["limit"] < dv["cap"] - MARGIN, cols].reset_index(drop=True)


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    tight = tighter_caps(d, switched_off(m))
    if tight.empty:
        return
    keys = list(zip(tight["option_id"].tolist(), tight["year"].tolist(), strict=True))
    limit = dict(zip(keys, tight["limit"].tolist(), strict=True))
    m.share_window = pyo.Constraint(
        keys, rule=lambda _m, o, t: m.x[o, t] <= limit[o, t] * m.opened[o, t])


FAMILY = Family("share_window", add, needs=("delivery_window",), implied=True)
