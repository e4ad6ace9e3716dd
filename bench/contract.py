"""The second yardstick: the contract's formulation as written, one level of it.

docs/FORMULATION.md states the model family by family.
sovopt implements it with reformulations that keep every optimum (tight
big-Ms and x bounds, a running ``opened`` sum, only the shortfall rows that
lose anything, share variables and only the HHI tangents a share can reach).
This module writes the contract's rows literally instead, over the same
prepared data (sets, σ, φ and the exclusions are preprocessing, sovopt/prepare.py):

- x[o,t] ≥ 0 over the deliverable pairs, no upper bound; start, z binary;
- delivery_window  x[o,t] ≤ qmax[o] · Σ_{τ ≤ t−L[o]} start[o,τ], qmax blank → max_t D[r,t];
- scenario_shortfall  v[k,r,t] ≥ D[r,t] − Σ_o φ[k,o,t]·x[o,t] for every k, r, t;
- hhi_epigraph  h[r,c,t] ≥ 2a·Σ_o σ[o,c]·x[o,t]/D[r,t] − a², a ∈ {0, 0.05, …, 1};
- country_share for every foreign (r,c,t) with some σ > 0; dual_sourcing for every r
  and year in which it can hold, with a used binary for every supplier of r;
- the other families and the terms as docs/FORMULATION.md writes them.

:func:`write_contract_level` exports the first optimised level of a preset
(with unmet demand, when the case allows it, held at its optimum 0 by
leaving u out only if unmet demand is not allowed) as MPS, which the
benchmark solves with HiGHS's default settings (only the gap and the time
limit set), as someone would who wrote the contract down and handed it to
the solver.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from scipy import sparse

from sovopt.case import Case
from sovopt.highs import INF, new_highs, pass_arrays
from sovopt.prepare import ModelData, prepare
from sovopt.presets import load_preset

TANGENTS = np.round(np.arange(0, 21) * 0.05, 10)


def contract_model(d: ModelData) -> pyo.ConcreteModel:
    """The contract's model of ``d``; one Objective per term (as ``sovopt.model``)."""
    m = pyo.ConcreteModel()
    o_cap = d.options["capability_id"].to_dict()
    o_sup = d.options["supplier_id"].to_dict()
    integer = d.options["integer"].to_dict()
    dels = d.delivery_keys
    starts = d.start_keys
    m.x = pyo.Var(dels, within=pyo.NonNegativeReals)
    for o, t in dels:
        if integer[o]:
            m.x[o, t].domain = pyo.NonNegativeIntegers
    m.start = pyo.Var(starts, within=pyo.Binary)
    m.z = pyo.Var(list(d.suppliers.index), within=pyo.Binary)
    demand = d.demand_of
    allow_unmet = d.case.settings.allow_unmet
    if allow_unmet:
        m.u = pyo.Var(list(demand), within=pyo.NonNegativeReals)
    by_r_t: dict[tuple, list] = defaultdict(list)
    by_o_d: dict[str, list] = defaultdict(list)
    by_o_s: dict[str, list] = defaultdict(list)
    for o, t in dels:
        by_r_t[o_cap[o], t].append((o, t))
        by_o_d[o].append(t)
    for o, t in starts:
        by_o_s[o].append(t)
    m.c = pyo.ConstraintList()
    add = m.c.add

    # 1 demand
    for (r, t), dem in demand.items():
        add(sum(m.x[p] for p in by_r_t.get((r, t), ()))
            + (m.u[r, t] if allow_unmet else 0) == dem)
    # 2 one_start
    for o in d.options.index:
        if by_o_s.get(o):
            body = sum(m.start[o, t] for t in by_o_s[o])
            add(body == 1 if d.options.loc[o, "mandatory"] else body <= 1)
    # 3 delivery_window (qmax, or the capability's largest demand)
    lead = d.options["lead_time_years"].to_dict()
    qmax = d.options["qmax"].to_dict()  # blank already filled with the largest demand
    for o, t in dels:
        add(m.x[o, t] <= qmax[o] * sum(m.start[o, tau] for tau in by_o_s.get(o, ())
                                 if tau <= t - lead[o]))
    # 4 min_order
    moq = d.options["min_total_qty"].fillna(0.0).to_dict()
    for o in d.options.index:
        if moq[o] > 0 and by_o_s.get(o):
            add(sum(m.x[o, t] for t in by_o_d.get(o, ()))
                >= moq[o] * sum(m.start[o, t] for t in by_o_s[o]))
    # 5 supplier_link: an option starts only with its supplier, an engaged supplier
    # has a started option
    for o in d.options.index:
        if by_o_s.get(o):
            add(sum(m.start[o, t] for t in by_o_s[o]) <= m.z[o_sup[o]])
    for s in d.suppliers.index:
        mine = [(o, t) for o in d.options.index if o_sup[o] == s for t in by_o_s.get(o, ())]
        add(m.z[s] <= sum(m.start[p] for p in mine))
    # 6 supplier_capacity
    cap = d.suppliers["capacity_per_year"].to_dict()
    by_s_t: dict[tuple, list] = defaultdict(list)
    for o, t in dels:
        by_s_t[o_sup[o], t].append((o, t))
    for (s, _t), ps in by_s_t.items():
        if np.isfinite(cap.get(s, np.nan)):
            add(sum(m.x[p] for p in ps) <= cap[s] * m.z[s])
    # 7 budget, 8 localization
    price = d.options["unit_cost"].to_dict()
    fixed = d.options["fixed_cost"].to_dict()
    local = d.options["local_content"].to_dict()
    act = d.suppliers["activation_cost"].to_dict()
    spend = {}
    for t in d.years:
        buys = [p for p in dels if p[1] == t]
        spend[t] = (sum(price[o] * m.x[o, tt] for o, tt in buys)
                    + sum(fixed[o] * m.start[o, tt] for o, tt in starts if tt == t)
                    + (sum(g * m.z[s] for s, g in act.items()) if t == d.first_year else 0))
        add(spend[t] <= float(d.budget.loc[t, "budget"]))
        share = float(d.budget.loc[t, "min_local_share"] or 0.0)
        if share > 0 and buys:
            add(sum(local[o] * price[o] * m.x[o, tt] for o, tt in buys)
                >= share * sum(price[o] * m.x[o, tt] for o, tt in buys))
    # 9 country_share and the shares s[r,c,t] of 12
    foreign = d.origin[d.origin["country_id"] != d.home]
    sigma: dict[tuple, dict] = defaultdict(dict)
    for o, c, sh in zip(foreign["option_id"], foreign["country_id"], foreign["share"],
                        strict=True):
        sigma[o_cap[o], c][o] = sh
    theta = d.countries["max_share"].to_dict()
    shares = {}
    for (r, c), opts in sigma.items():
        for t in d.years:
            if (r, t) not in demand:
                continue
            terms = [(opts[o], (o, tt)) for o, tt in by_r_t.get((r, t), ()) if o in opts]
            if terms:
                shares[r, c, t] = sum(a * m.x[p] for a, p in terms)
                add(shares[r, c, t] <= min(theta[c], 1.0) * demand[r, t])
    # 10 dual_sourcing, per year: a supplier counts when it delivers β[r]·D[r,t]; the
    # rule holds in the years in which at least n[r] suppliers can (ModelData.sourcing)
    src = d.sourcing[d.sourcing["binding"]]
    used_keys = []
    for r, t in zip(src["capability_id"], src["year"], strict=True):
        used_keys += [(s, r, t) for s in d.suppliers.index
                      if any(o_sup[o] == s and o_cap[o] == r for o in d.options.index)]
    m.used = pyo.Var(used_keys, within=pyo.Binary)
    floor = src.set_index(["capability_id", "year"])["min_units"].to_dict()
    need = src.set_index(["capability_id", "year"])["need"].to_dict()
    for (r, t), n in need.items():
        mine = [k for k in used_keys if k[1] == r and k[2] == t]
        add(sum(m.used[k] for k in mine) >= int(n))
        for s, _, _ in mine:
            sent = [(o, tt) for o, tt in by_r_t.get((r, t), ()) if o_sup[o] == s]
            add(sum(m.x[p] for p in sent) >= floor[r, t] * m.used[s, r, t])
    # 11 scenario_shortfall (every k, r, t)
    phi = defaultdict(lambda: 1.0)
    for k, o, t, lost in zip(d.loss["scenario_id"], d.loss["option_id"], d.loss["year"],
                             d.loss["loss"], strict=True):
        phi[k, o, t] = 1.0 - lost
    scenarios = list(d.scenario_probability.index)
    m.v = pyo.Var([(k, r, t) for k in scenarios for r, t in demand],
                  within=pyo.NonNegativeReals)
    for k, r, t in m.v:
        add(m.v[k, r, t] >= demand[r, t] - sum(phi[k, o, tt] * m.x[o, tt]
                                               for o, tt in by_r_t.get((r, t), ())))
    # 12 hhi_epigraph (21 tangents, s written out)
    m.h = pyo.Var(list(shares), within=pyo.NonNegativeReals)
    for (r, c, t), expr in shares.items():
        for a in TANGENTS[1:]:  # a = 0 is h ≥ 0
            add(m.h[r, c, t] >= 2 * a * expr / demand[r, t] - a * a)

    # terms
    weight = d.demand.set_index(["capability_id", "year"])["weight"].to_dict()
    w_total = sum(weight.values()) or 1.0
    prob = d.scenario_probability.to_dict()
    beta = d.case.settings.cvar_beta
    loss = {k: sum(weight[r, t] * m.v[k, r, t] / demand[r, t] for r, t in demand) / w_total
            for k in scenarios}
    m.worst = pyo.Var(within=pyo.NonNegativeReals)
    m.eta = pyo.Var(within=pyo.NonNegativeReals)
    m.xi = pyo.Var(scenarios, within=pyo.NonNegativeReals)
    for k in scenarios:
        add(m.worst >= loss[k])
        add(m.xi[k] >= loss[k] - m.eta)
    b_total = d.total_budget or 1.0
    risk = d.countries["risk_score"].to_dict()
    terms = {
        "cvar": m.eta + sum(prob[k] * m.xi[k] for k in scenarios) / (1 - beta),
        "worst_case": m.worst,
        "expected_shortfall": sum(prob[k] * loss[k] for k in scenarios),
        "exposure": sum(risk[c] * sh * price[o] * m.x[o, t]
                        for o, c, sh in zip(foreign["option_id"], foreign["country_id"],
                                            foreign["share"], strict=True)
                        for t in by_o_d.get(o, ())) / b_total,
        "hhi": sum(m.h[i] for i in m.h) / (len(demand) or 1),
        "cost": sum(spend.values()) / b_total,
    }
    if allow_unmet:
        terms["unmet"] = sum(weight[r, t] * m.u[r, t] / demand[r, t]
                             for r, t in demand) / w_total
    m.terms = terms
    return m


def write_contract_level(case: Case, preset_name: str, path: Path) -> dict[str, object]:
    """Export the preset's first level after unmet demand, contract-formulated, as MPS.

    With allow_unmet = no, u is absent and the unmet level is 0 by construction,
    so the first optimised level is the whole question; with allow_unmet = yes the
    level is exported with unmet demand as its first term weighted far above the
    rest (the contract's lexicographic order, approximated in one solve).
    """
    d = prepare(case)
    m = contract_model(d)
    preset = load_preset(preset_name)
    level = next(lv for lv in preset.levels if set(lv.terms) != {"unmet"})
    expr = sum(w * m.terms[t] for t, w in level.terms.items() if t in m.terms)
    if "unmet" in m.terms:
        expr = 1e4 * m.terms["unmet"] + expr
    m.objective = pyo.Objective(expr=expr)
    info = LinearStandardFormCompiler().write(m, mixed_form=True)
    columns = list(info.columns)
    n = len(columns)
    rhs = np.asarray(info.rhs, dtype=float)
    kinds = np.fromiter((r.bound_type for r in info.rows), dtype=np.int8, count=len(info.rows))
    h = new_highs()
    pass_arrays(h, sparse.csr_array(info.A), np.asarray(info.c.todense()).ravel(),
                np.fromiter((-INF if v.lb is None else v.lb for v in columns), float, n),
                np.fromiter((INF if v.ub is None else v.ub for v in columns), float, n),
                np.where(kinds <= 0, rhs, -INF), np.where(kinds >= 0, rhs, INF),
                np.fromiter((1 if v.is_integer() else 0 for v in columns), np.int32, n))
    h.writeModel(str(path))
    return {"level": level.name, "variables": n, "constraints": len(rhs),
            "nonzeros": int(info.A.nnz)}
