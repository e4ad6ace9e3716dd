"""The dependence measures (docs/FORMULATION.md, Terms), each one objective term.

Every term is declared as its own (active) Pyomo Objective so that the
standard-form compiler returns one cost row per term; a preset's level is then
a weighted sum of these rows, and switching levels changes only the cost
vector handed to HiGHS. All terms are normalised to order 1:

- unmet:   Σ_{r,t} w[r]·u[r,t]/D[r,t] / Σ_{r,t} w[r]
- loss[k]: unmet + Σ_{r,t} w[r]·v'[k,r,t]/D[r,t] / Σ_{r,t} w[r]  (weighted share lost;
  v' from scenario_shortfall, and for fleet and stock capabilities from scenario_stock and
  fleet_shortfall)
- expected_shortfall  Σ_k π[k]·loss[k]
- worst_case          W ≥ loss[k] for every k
- cvar                η + 1/(1−β)·Σ_k π[k]·ξ[k],  ξ[k] ≥ loss[k] − η,  η, ξ ≥ 0
- exposure            Σ_{o,t} Σ_{c≠h} ρ[c]·σ[o,c]·p[o]·x[o,t] / Σ_t B[t]
- hhi                 mean over (r,t) with demand of Σ_{c≠h} h[r,c,t]
- cost                Σ_t spend[t] / Σ_t B[t]

unmet is the weighted share of demand left unmet (criticality-weighted, each
(r,t) pair's unmet units as a share of its demand, averaged over the pairs
with demand); it exists only when Settings allow_unmet = yes and is always the
first level, so demand goes unmet only when nothing else is feasible. Unmet
demand is lost in every scenario too (it enters loss[k]).

η ≥ 0 is exact here because every loss is ≥ 0 and the probabilities left over
(1 − Σπ) belong to the undisrupted outcome, whose loss is 0.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from sovopt.model.arrays import (
    ArrayCost,
    ArrayRows,
    add_cost,
    add_rows,
    block,
    has_rows,
    row_sums,
    scalars,
    segment,
)
from sovopt.model.constraints import TERM_FAMILY
from sovopt.model.constraints.budget import spend_rows
from sovopt.model.constraints.scenario_shortfall import shortfall
from sovopt.model.shared import loss_parts
from sovopt.model.variables import unmet_column
from sovopt.prepare import ModelData
from sovopt.spend import exposure_rate

TERMS = ("unmet", "expected_shortfall", "worst_case", "cvar", "exposure", "hhi", "cost")


def add_terms(m: pyo.ConcreteModel, d: ModelData, pyomo_rows: bool = False) -> list[str]:
    """Add one Objective per term that the model can express; return their names.

    exposure and cost have an entry per delivery (and cost per start), hhi one per
    share: they are array terms (:class:`~sovopt.model.arrays.ArrayCost`, the same coefficients)
    unless ``pyomo_rows`` asks for the reference model's Objectives."""
    weight_total = d.total_weight or 1.0
    budget_total = d.total_budget or 1.0
    added: list[str] = []
    demand = d.demand.set_index(["capability_id", "year"])
    w_over_d = (demand["weight"] / demand["demand"] / weight_total).to_dict()

    unmet, u = 0, unmet_column(m, d)
    if u is not None:
        unmet = sum(w_over_d[r, t] * u[r, t] for r, t in m.demand_pairs)
        m.term_unmet = pyo.Objective(expr=unmet)
        added.append("unmet")

    if len(d.scenario_probability):
        scenarios = list(d.scenario_probability.index)
        prob = d.scenario_probability.to_dict()
        beta = d.case.settings.cvar_beta
        m.scenarios = pyo.Set(initialize=scenarios, ordered=True)
        m.worst = pyo.Var(bounds=(0, 1))
        m.eta = pyo.Var(bounds=(0, 1))
        m.xi = pyo.Var(m.scenarios, bounds=(0, 1))
        if pyomo_rows:
            by_scenario: dict[str, list[tuple]] = {k: [] for k in scenarios}
            v = shortfall(m, d)
            for k, r, t in (v.index_set() if v is not None else ()):
                by_scenario[k].append((w_over_d[r, t], v[k, r, t]))
            for k, r, t, var in loss_parts(m):
                by_scenario[k].append((w_over_d[r, t], var))
            m.loss = pyo.Expression(
                m.scenarios,
                rule=lambda _m, k: unmet + sum(w * v for w, v in by_scenario[k]),
            )
            m.worst_case_def = pyo.Constraint(m.scenarios,
                                              rule=lambda _m, k: m.worst >= m.loss[k])
            m.cvar_def = pyo.Constraint(m.scenarios,
                                        rule=lambda _m, k: m.xi[k] >= m.loss[k] - m.eta)
            m.term_expected_shortfall = pyo.Objective(
                expr=sum(prob[k] * m.loss[k] for k in scenarios))
        else:
            _scenario_arrays(m, d, scenarios, prob, w_over_d, u)
        m.term_worst_case = pyo.Objective(expr=m.worst)
        m.term_cvar = pyo.Objective(
            expr=m.eta + sum(prob[k] * m.xi[k] for k in scenarios) / (1.0 - beta))
        added += ["expected_shortfall", "worst_case", "cvar"]

    exposure = exposure_rate(d.origin, d.countries, d.home)
    exposure = (exposure * d.options["unit_cost"].reindex(exposure.index)) / budget_total
    exposure = exposure[exposure > 0]
    if len(exposure) and pyomo_rows:
        rate = exposure.to_dict()
        xs = [p for p in d.delivery_keys if p[0] in rate]
        m.term_exposure = pyo.Objective(expr=sum(rate[o] * m.x[o, t] for o, t in xs))
        added.append("exposure")
    elif len(exposure):
        rate = d.deliveries["option_id"].map(exposure).to_numpy(float)
        at = np.flatnonzero(~np.isnan(rate))
        add_cost(m, ArrayCost("exposure", [segment(m.x)], at, rate[at]))
        added.append("exposure")

    if has_rows(m, TERM_FAMILY["hhi"]):  # the family added its rows
        count = len(d.demand) or 1
        if pyomo_rows:
            m.term_hhi = pyo.Objective(expr=sum(m.h[i] for i in m.hhi_rows) / count)
        else:
            n = len(m.h)
            add_cost(m, ArrayCost("hhi", [segment(m.h)], np.arange(n), np.full(n, 1 / count)))
        added.append("hhi")

    if pyomo_rows:
        m.term_cost = pyo.Objective(expr=sum(m.spend[t] for t in d.years) / budget_total)
    else:
        spend = spend_rows(m, d)
        add_cost(m, ArrayCost("cost", spend.columns, np.arange(spend.A.shape[1]),
                              row_sums(spend) / budget_total))
    added.append("cost")
    return added


def loss_rows(m: pyo.ConcreteModel, d: ModelData, scenarios: list, w_over_d: dict,
              u: pyo.Var | None) -> ArrayRows:
    """loss[k] as array rows (one per scenario, bounds open): the unmet share (u, in every
    scenario), the scenario shortfalls v' and the sustainment families' loss parts, each weighted
    w[r]/D[r,t]/Σw as in the Pyomo Expression ``m.loss``."""
    row_of = {k: i for i, k in enumerate(scenarios)}
    columns, rows, cols, vals = [], [], [], []
    width = 0
    if u is not None:  # u over m.demand_pairs
        w = np.fromiter((w_over_d[key] for key in m.demand_pairs), float, len(m.demand_pairs))
        n, K = len(w), len(scenarios)
        columns.append(segment(u))
        rows.append(np.repeat(np.arange(K), n))
        cols.append(np.tile(np.arange(n), K))
        vals.append(np.tile(w, K))
        width += n
    v = shortfall(m, d)
    if v is not None:
        keys = list(v.index_set())
        columns.append(segment(v))
        rows.append(np.fromiter((row_of[k] for k, _r, _t in keys), np.int64, len(keys)))
        cols.append(width + np.arange(len(keys)))
        vals.append(np.fromiter((w_over_d[r, t] for _k, r, t in keys), float, len(keys)))
        width += len(keys)
    parts = list(loss_parts(m))
    if parts:
        columns.append(scalars([var for *_, var in parts]))
        rows.append(np.fromiter((row_of[k] for k, *_ in parts), np.int64, len(parts)))
        cols.append(width + np.arange(len(parts)))
        vals.append(np.fromiter((w_over_d[r, t] for _k, r, t, _v in parts), float, len(parts)))
    if not columns:
        return block("loss", (scenarios,), [], [], [], [], -np.inf, np.inf)
    return block("loss", (scenarios,), columns, np.concatenate(rows), np.concatenate(cols),
                 np.concatenate(vals), -np.inf, np.inf)


def _scenario_arrays(m: pyo.ConcreteModel, d: ModelData, scenarios: list, prob: dict,
                     w_over_d: dict, u: pyo.Var | None) -> None:
    """worst_case_def, cvar_def and expected_shortfall over :func:`loss_rows` (an entry per
    scenario shortfall each):

        W − loss[k] ≥ 0,   ξ[k] − loss[k] + η ≥ 0,   expected_shortfall = Σ_k π[k]·loss[k]
    """
    loss = loss_rows(m, d, scenarios, w_over_d, u)
    K, width = loss.num_row, loss.A.shape[1]
    k = np.arange(K)
    add_rows(m, block("worst_case_def", loss.keys, loss.columns + [segment(m.worst)],
                      np.r_[loss.A.row, k], np.r_[loss.A.col, np.full(K, width)],
                      np.r_[-loss.A.data, np.ones(K)], 0.0, np.inf))
    add_rows(m, block("cvar_def", loss.keys,
                      loss.columns + [segment(m.xi), segment(m.eta)],
                      np.r_[loss.A.row, k, k],
                      np.r_[loss.A.col, width + k, np.full(K, width + K)],
                      np.r_[-loss.A.data, np.ones(K), np.ones(K)], 0.0, np.inf))
    weights = np.asarray([prob[s] for s in scenarios], dtype=float)
    add_cost(m, ArrayCost("expected_shortfall", loss.columns, np.arange(width),
                          row_sums(loss, weights)))
