"""delivery_window: an option delivers only once started and its lead time has passed.

    x[o,t] ≤ M[o,t] · Σ_{τ ≤ t − L[o]} start[o,τ]

M[o,t] = min(qmax[o], D[r(o),t], cap[s(o)]) is the tightest valid bound
(qmax defaults to the capability's largest yearly demand when blank): x can
never exceed the year's demand or the supplier's capacity anyway, so the
smaller big-M changes no answer and tightens the LP relaxation.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from sovopt.model.index import pairs
from sovopt.prepare import ModelData


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    lead = d.options["lead_time_years"].to_dict()
    start_years: dict[str, list[int]] = {}
    for o, t in pairs(d.starts):
        start_years.setdefault(o, []).append(t)
    start_arrays = {o: np.asarray(ts) for o, ts in start_years.items()}
    cap = dict(zip(m.deliveries, d.deliveries["cap"].tolist(), strict=True))

    def rule(_m, o, t):
        ts = start_arrays[o]
        opened = sum(m.start[o, int(tau)] for tau in ts[ts <= t - lead[o]])
        return m.x[o, t] <= cap[o, t] * opened

    m.delivery_window = pyo.Constraint(m.deliveries, rule=rule)
