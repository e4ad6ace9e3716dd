"""delivery_window: an option delivers only once started and its lead time has passed.

    x[o,t] ≤ M[o,t] · Σ_{τ ≤ t − L[o]} start[o,τ]

M[o,t] = min(qmax[o], D[r(o),t], cap[s(o)]) is the tightest valid bound
(qmax defaults to the capability's largest yearly demand when blank): x can
never exceed the year's demand or the supplier's capacity anyway, so the
smaller big-M changes no answer and tightens the LP relaxation.

The running sum is kept sparse with one variable per deliverable (o,t),
``opened[o,t] = Σ_{τ ≤ t − L[o]} start[o,τ]``, defined along each option's
delivery years t₁ < t₂ < … as

    opened[o,t₁] = Σ_{τ ≤ t₁ − L} start[o,τ]
    opened[o,tᵢ] = opened[o,tᵢ₋₁] + Σ_{tᵢ₋₁ − L < τ ≤ tᵢ − L} start[o,τ]
    x[o,t] ≤ M[o,t] · opened[o,t]

so every start appears in one row and each window row has two entries,
instead of every earlier start in every year's row: the same polytope with
O(years) rather than O(years²) non-zeros per option.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from sovopt.model.arrays import add_rows, block, segment
from sovopt.model.family import Family
from sovopt.prepare import ModelData


def first_enabled(d: ModelData) -> pd.DataFrame:
    """Each start (option_id, year) with ``enables``: the first delivery year it opens.

    ``spos`` is the start's position in ``d.starts`` (the order of ``m.start``).
    """
    lead = d.options["lead_time_years"]
    starts = d.starts.assign(ready=d.starts["year"] + d.starts["option_id"].map(lead),
                             spos=np.arange(len(d.starts)))
    dels = d.deliveries[["option_id", "year"]].rename(columns={"year": "enables"})
    linked = pd.merge_asof(
        starts.sort_values("ready"), dels.sort_values("enables"), left_on="ready",
        right_on="enables", by="option_id", direction="forward",
    )
    return linked.dropna(subset=["enables"]).astype({"enables": int})


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as two array blocks (see :mod:`sovopt.model.arrays`)."""
    if d.deliveries.empty:
        return
    n = len(d.deliveries)
    option = d.deliveries["option_id"].to_numpy()
    keys = (d.deliveries["option_id"].tolist(), d.deliveries["year"].tolist())
    m.opened = pyo.Var(m.deliveries, bounds=(0, 1))
    # opened[p] − opened[p−1] − Σ start = 0; p−1 the option's previous delivery year
    # (deliveries are sorted by option, then year)
    has_prev = np.flatnonzero(np.r_[False, option[1:] == option[:-1]])
    linked = first_enabled(d)
    dpos = d.deliveries[["option_id", "year"]].assign(dpos=np.arange(n)).rename(
        columns={"year": "enables"})
    linked = linked.merge(dpos, on=["option_id", "enables"])
    add_rows(m, block(
        "opened_link", keys, [segment(m.opened), segment(m.start)],
        np.concatenate([np.arange(n), has_prev, linked["dpos"].to_numpy()]),
        np.concatenate([np.arange(n), has_prev - 1, n + linked["spos"].to_numpy()]),
        np.concatenate([np.ones(n), -np.ones(len(has_prev)), -np.ones(len(linked))]),
        0.0, 0.0))
    # x[p] − M[p]·opened[p] ≤ 0
    add_rows(m, block(
        "delivery_window", keys, [segment(m.x), segment(m.opened)],
        np.r_[np.arange(n), np.arange(n)], np.r_[np.arange(n), n + np.arange(n)],
        np.r_[np.ones(n), -d.deliveries["cap"].to_numpy(float)], -np.inf, 0.0))


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    if d.deliveries.empty:
        return
    linked = first_enabled(d)
    opens = {key: list(grp) for key, grp in
             linked.groupby(["option_id", "enables"], sort=False)["year"]}
    previous: dict[tuple, tuple | None] = {}
    last: dict[str, tuple] = {}
    for o, t in m.deliveries:  # deliveries are sorted by option, then year
        previous[o, t] = last.get(o)
        last[o] = (o, t)
    cap = d.delivery_cap

    m.opened = pyo.Var(m.deliveries, bounds=(0, 1))

    def link(_m, o, t):
        before = previous[o, t]
        body = sum(m.start[o, tau] for tau in opens.get((o, t), ()))
        if before is not None:
            body = body + m.opened[before]
        return m.opened[o, t] == body

    m.opened_link = pyo.Constraint(m.deliveries, rule=link)
    m.delivery_window = pyo.Constraint(
        m.deliveries, rule=lambda _m, o, t: m.x[o, t] <= cap[o, t] * m.opened[o, t])


FAMILY = Family("delivery_window", add, reference=add_pyomo, optional=False)
