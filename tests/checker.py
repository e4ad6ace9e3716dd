"""An independent feasibility check of a portfolio against the constraint families of
docs/FORMULATION.md.

:func:`check_portfolio` recomputes every constraint family from the Case's
tables and the portfolio alone. It deliberately shares no code with the model
(no :mod:`sovopt.model`, no :mod:`sovopt.prepare`, not even the schema's tier
defaults): value origin σ, the default yearly cap, the engaged suppliers and
each year's spending are all worked out again here, so a bug in the model's
data preparation cannot hide behind the same bug in the check.

What is checked (docs/FORMULATION.md, family by family):

1. demand: Σ_o x[o,t] = D[r,t] for every capability and horizon year (≤ when
   Settings allow_unmet = yes); deliveries only for known options, in horizon
   years, never negative;
2. one_start: at most one start per option, in a horizon year, not before
   available_from; every mandatory option started;
3. delivery_window: an option delivers only in years ≥ start + lead time and
   at most max_qty_per_year a year (blank: its capability's largest demand);
4. min_order: a started option delivers at least min_total_qty in total;
5. supplier_link / 7. budget: suppliers of started options are engaged and
   pay their activation cost in the first year; unit costs are paid in the
   delivery year, fixed costs in the start year; spending ≤ budget per year;
6. supplier_capacity: a supplier's deliveries per year ≤ capacity_per_year;
8. localization: Σ λ·p·x ≥ ℓ[t]·Σ p·x per year;
9. country_share: Σ_{o∈O_r} σ[o,c]·x[o,t] ≤ θ[c]·D[r,t] for every foreign
   country (θ blank: the tier default); an option with any value from a
   prohibited country is not used at all;
10. dual_sourcing: in every year with demand in which at least min_suppliers
    suppliers could deliver min_supplier_share of the demand (lead times,
    available_from, yearly caps and capacities considered), at least that many
    suppliers each deliver that share;
and integer units where the capability counts whole units.

The sustainment families, worked out again here as well:

- a fleet capability (requirement fleet): the units in service, those
  delivered within their service life, reach the requirement each year;
- a capability with stock_max > 0: the stock, initial_stock plus deliveries
  minus demand year by year, never goes below 0 (unless allow_unmet) nor above
  stock_max; such a capability and a fleet may deliver in years without demand;
- budget also pays the support cost of every unit in service (times the
  repair line's support_cost_factor for units supported at home, from the line's
  start year plus lead time), each repair line's fixed cost in its start year and
  the holding cost of the stock; localization counts support spend (local where
  support is at home) and repair lines (local);
- country_share of a stock capability is a share of the year's deliveries,
  θ[c]·Σ_o x[o,t], and of a fleet a share of its units in service;
- a repair line starts at most once, in a horizon year.

The scenario and HHI families define measures, not limits: they have nothing
to check here.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pandas as pd

from sovopt.case import Case
from sovopt.portfolio import Portfolio

#: Default max share by tier (sovopt/schema.py; EU CRMA benchmark for partners).
TIER_DEFAULT = {"home": 1.0, "ally": 1.0, "partner": 0.65, "neutral": 0.35,
                "adversary": 0.10, "prohibited": 0.0}


def _blank(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def _num(value: object, default: float = 0.0) -> float:
    return default if _blank(value) else float(value)


def value_origin(case: Case) -> dict[str, dict[str, float]]:
    """σ[o][c]: share of each option's value that originates in country c.

    σ[o,h] = local content; each Inputs row adds its share to its source
    country; the remainder goes to the supplier's country (may be negative if
    the case is invalid: the caller reports it).
    """
    home = case.settings.home_country
    supplier_country = dict(zip(case.suppliers["supplier_id"], case.suppliers["country_id"],
                                strict=True))
    sigma: dict[str, dict[str, float]] = {}
    for row in case.options.itertuples(index=False):
        local = _num(row.local_content)
        sigma[row.option_id] = defaultdict(float)
        sigma[row.option_id][home] += local
    for row in case.inputs.itertuples(index=False):
        if row.option_id in sigma:
            sigma[row.option_id][row.source_country_id] += float(row.value_share)
    for row in case.options.itertuples(index=False):
        s = sigma[row.option_id]
        s[supplier_country[row.supplier_id]] += 1.0 - sum(s.values())
    return {o: dict(s) for o, s in sigma.items()}


def max_share(case: Case) -> dict[str, float]:
    """θ[c]: the Countries row's max_share, or its tier's default when blank."""
    out = {}
    for row in case.countries.itertuples(index=False):
        given = row.max_share
        out[row.country_id] = TIER_DEFAULT[row.tier] if _blank(given) else float(given)
    return out


def check_portfolio(case: Case, portfolio: Portfolio, tol: float = 1e-6) -> list[str]:
    """Every constraint of docs/FORMULATION.md that ``portfolio`` violates (empty = feasible).

    ``tol`` is an absolute tolerance on units and a relative one on money and
    shares (scaled by the row's size).
    """
    bad: list[str] = []
    st = case.settings
    years = list(range(int(st.first_year), int(st.last_year) + 1))
    home = st.home_country
    opts = case.options.set_index("option_id")
    caps = case.capabilities.set_index("capability_id")
    sups = case.suppliers.set_index("supplier_id")
    fleet_caps = {r for r in caps.index
                  if "requirement" in caps.columns and caps.loc[r, "requirement"] == "fleet"}
    stock_max = {r: _num(caps.loc[r, "stock_max"]) for r in caps.index
                 if "stock_max" in caps.columns and _num(caps.loc[r, "stock_max"]) > 0
                 and r not in fleet_caps}

    def close_le(lhs: float, rhs: float) -> bool:
        return lhs <= rhs + tol * max(1.0, abs(rhs), abs(lhs))

    # --- the demand table, every horizon year (blank = 0)
    demand: dict[tuple[str, int], float] = {(r, t): 0.0 for r in caps.index for t in years}
    for r, t, q in zip(case.demand["capability_id"], case.demand["year"],
                       case.demand["demand"], strict=True):
        if int(t) in years:
            demand[r, int(t)] = float(q)

    # --- deliveries
    x: dict[tuple[str, int], float] = defaultdict(float)
    for o, t, u in zip(portfolio.deliveries["option_id"], portfolio.deliveries["year"],
                       portfolio.deliveries["units"], strict=True):
        t, u = int(t), float(u)
        if o not in opts.index:
            bad.append(f"deliveries: unknown option {o}")
            continue
        if t not in years:
            bad.append(f"deliveries: {o} delivers {u:g} in {t}, outside the horizon")
            continue
        if u < -tol:
            bad.append(f"deliveries: {o} delivers a negative amount {u:g} in {t}")
        x[o, t] += u
    x = {k: u for k, u in x.items() if abs(u) > tol}

    # integer units
    for (o, t), u in x.items():
        r = opts.loc[o, "capability_id"]
        if bool(caps.loc[r, "integer_units"]) and abs(u - round(u)) > tol:
            bad.append(f"integer units: {o} delivers {u:g} units of {r} in {t}")

    # --- 2. one_start
    started: dict[str, int] = {}
    for o, t in zip(portfolio.starts["option_id"], portfolio.starts["start_year"],
                    strict=True):
        t = int(t)
        if o not in opts.index:
            bad.append(f"one_start: unknown option {o} started")
            continue
        if o in started:
            bad.append(f"one_start: {o} started more than once ({started[o]} and {t})")
            continue
        started[o] = t
        avail = opts.loc[o, "available_from"]
        avail = years[0] if _blank(avail) else int(avail)
        if t not in years:
            bad.append(f"one_start: {o} starts in {t}, outside the horizon")
        if t < avail:
            bad.append(f"one_start: {o} starts in {t}, before available_from {avail}")
    for o in opts.index[opts["mandatory"].astype(bool)]:
        if o not in started:
            bad.append(f"one_start: mandatory option {o} is not started")

    # --- 3. delivery_window
    peak = {r: max([q for (rr, _t), q in demand.items() if rr == r] or [0.0])
            + stock_max.get(r, 0.0) for r in caps.index}
    for (o, t), u in x.items():
        if o not in started:
            bad.append(f"delivery_window: {o} delivers {u:g} in {t} but is never started")
            continue
        lead = int(_num(opts.loc[o, "lead_time_years"]))
        if t < started[o] + lead:
            bad.append(f"delivery_window: {o} delivers in {t}, before start {started[o]} "
                       f"+ lead time {lead}")
        qmax = opts.loc[o, "max_qty_per_year"]
        qmax = peak[opts.loc[o, "capability_id"]] if _blank(qmax) else float(qmax)
        if u > qmax + tol:
            bad.append(f"delivery_window: {o} delivers {u:g} in {t}, above its yearly "
                       f"maximum {qmax:g}")

    # --- 4. min_order
    total: dict[str, float] = defaultdict(float)
    for (o, _t), u in x.items():
        total[o] += u
    for o in started:
        moq = _num(opts.loc[o, "min_total_qty"])
        if total[o] < moq - tol:
            bad.append(f"min_order: {o} is started but delivers {total[o]:g} < "
                       f"min_total_qty {moq:g}")

    # --- 1. demand
    delivered: dict[tuple[str, int], float] = defaultdict(float)
    for (o, t), u in x.items():
        delivered[opts.loc[o, "capability_id"], t] += u
    in_service: dict[tuple[str, int], float] = defaultdict(float)  # (option, year)
    for (o, t), u in x.items():
        if opts.loc[o, "capability_id"] in fleet_caps:
            life = int(_num(opts.loc[o, "service_life_years"], 1.0))
            for tt in range(t, min(t + life, years[-1] + 1)):
                in_service[o, tt] += u
    stock: dict[tuple[str, int], float] = {}
    for r, cap in stock_max.items():
        level = _num(caps.loc[r, "initial_stock"])
        for t in years:
            level += delivered[r, t] - demand[r, t]
            if level < -tol:
                if not st.allow_unmet:
                    bad.append(f"stock_balance: {r} in {t} is {-level:g} short of its "
                               "demand after drawing its stock")
                level = 0.0
            if level > cap + tol:
                bad.append(f"stock_balance: stock of {r} at the end of {t} is {level:g}, "
                           f"stock_max {cap:g}")
            stock[r, t] = max(level, 0.0)
    for (r, t), q in demand.items():
        if r in stock_max:
            continue
        if r in fleet_caps:
            have = sum(u for (o, tt), u in in_service.items()
                       if tt == t and opts.loc[o, "capability_id"] == r)
            if not st.allow_unmet and have < q - tol:
                bad.append(f"fleet_service: {r} in {t} has {have:g} in service, "
                           f"requirement {q:g}")
            continue
        got = delivered[r, t]
        if got > q + tol or (not st.allow_unmet and got < q - tol):
            bad.append(f"demand: {r} in {t} gets {got:g}, demand is {q:g}")

    # --- repair lines: at most one start each, in the horizon
    repair = case.repair.set_index("repair_id") if len(case.repair) else None
    opened: dict[str, int] = {}  # option -> first year supported at home
    factor: dict[str, float] = {}
    repair_cost: dict[int, float] = defaultdict(float)
    for p, t in zip(portfolio.repairs["repair_id"], portfolio.repairs["start_year"],
                    strict=True):
        t = int(t)
        if repair is None or p not in repair.index:
            bad.append(f"repair_line: unknown repair line {p} started")
            continue
        o = repair.loc[p, "option_id"]
        if o in opened:
            bad.append(f"repair_line: {p} started more than once")
            continue
        if t not in years:
            bad.append(f"repair_line: {p} starts in {t}, outside the horizon")
        opened[o] = t + int(_num(repair.loc[p, "lead_time_years"]))
        factor[o] = _num(repair.loc[p, "support_cost_factor"], 1.0)
        repair_cost[t] += _num(repair.loc[p, "fixed_cost"])
    support: dict[int, float] = defaultdict(float)
    support_local: dict[int, float] = defaultdict(float)
    for (o, t), n in in_service.items():
        g = _num(opts.loc[o, "support_cost"])
        at_home = n if o in opened and t >= opened[o] else 0.0
        country = opts.loc[o, "support_country_id"]
        if _blank(country):
            country = (sups.loc[opts.loc[o, "supplier_id"], "country_id"]
                       if opts.loc[o, "mode"] == "buy" else home)
        away = g * (n - at_home)
        home_part = g * factor.get(o, 1.0) * at_home
        support[t] += away + home_part
        support_local[t] += home_part + (away if country == home else 0.0)

    # --- 6. supplier_capacity
    by_supplier: dict[tuple[str, int], float] = defaultdict(float)
    for (o, t), u in x.items():
        by_supplier[opts.loc[o, "supplier_id"], t] += u
    for (s, t), u in by_supplier.items():
        cap = sups.loc[s, "capacity_per_year"]
        if not _blank(cap) and u > float(cap) + tol:
            bad.append(f"supplier_capacity: {s} delivers {u:g} in {t}, capacity {float(cap):g}")

    # --- 5. supplier_link and 7. budget
    engaged = {opts.loc[o, "supplier_id"] for o in started}
    spend = dict.fromkeys(years, 0.0)
    for (o, t), u in x.items():
        spend[t] += float(opts.loc[o, "unit_cost"]) * u
    for o, t in started.items():
        if t in spend:
            spend[t] += _num(opts.loc[o, "fixed_cost"])
    spend[years[0]] += sum(_num(sups.loc[s, "activation_cost"]) for s in engaged)
    for t in years:
        spend[t] += support[t] + repair_cost[t]
    for (r, t), level in stock.items():
        spend[t] += _num(caps.loc[r, "holding_cost"]) * level
    budget = case.budget.set_index("year")
    for t in years:
        if t not in budget.index:
            bad.append(f"budget: no budget row for {t}")
            continue
        limit = float(budget.loc[t, "budget"])
        if not close_le(spend[t], limit):
            bad.append(f"budget: spending in {t} is {spend[t]:g}, budget {limit:g}")

    # --- 8. localization
    for t in years:
        if t not in budget.index:
            continue
        target = _num(budget.loc[t, "min_local_share"])
        if target <= 0:
            continue
        paid = support[t] + repair_cost[t]
        local = support_local[t] + repair_cost[t]
        for (o, tt), u in x.items():
            if tt == t:
                p = float(opts.loc[o, "unit_cost"]) * u
                paid += p
                local += _num(opts.loc[o, "local_content"]) * p
        if not close_le(target * paid, local):
            bad.append(f"localization: local share in {t} is "
                       f"{local / paid if paid else 0.0:.6g}, target {target:g}")

    # --- 9. country_share (and prohibited countries)
    sigma = value_origin(case)
    theta = max_share(case)
    tiers = dict(zip(case.countries["country_id"], case.countries["tier"], strict=True))
    for o, s in sigma.items():
        for c, share in s.items():
            if share < -tol:
                bad.append(f"value origin: {o} gives {c} a negative share {share:g} "
                           "(local content + inputs exceed 1)")
    used = set(started) | {o for o, _t in x}
    banned_options = {o for o, s in sigma.items()
                      if any(share > tol and tiers.get(c) == "prohibited"
                             for c, share in s.items())}
    for o in sorted(used):
        banned = sorted(c for c, share in sigma[o].items()
                        if share > tol and tiers.get(c) == "prohibited")
        if banned:
            bad.append(f"country_share: {o} is used but has value from prohibited "
                       f"{', '.join(banned)}")
    origin: dict[tuple[str, str, int], float] = defaultdict(float)
    held: dict[tuple[str, int], float] = defaultdict(float)  # a fleet's units in service
    quantities = [(o, t, u) for (o, t), u in x.items()
                  if opts.loc[o, "capability_id"] not in fleet_caps]
    quantities += [(o, t, u) for (o, t), u in in_service.items()]
    for o, t, u in quantities:
        r = opts.loc[o, "capability_id"]
        if r in fleet_caps:
            held[r, t] += u
        for c, share in sigma[o].items():
            if c != home:
                origin[r, c, t] += share * u
    for (r, c, t), amount in origin.items():
        # a stock's share is of the year's deliveries, a fleet's of its units in service
        base = (held[r, t] if r in fleet_caps else delivered[r, t] if r in stock_max
                else demand[r, t])
        limit = theta[c] * base
        if amount > limit + tol * max(1.0, base):
            bad.append(f"country_share: {c} supplies {amount:g} of {r} in {t}, max "
                       f"{theta[c]:g} x {base:g} = {limit:g}")

    # --- 10. dual_sourcing (per year, suppliers that deliver their share)
    for r in caps.index:
        need = int(_num(caps.loc[r, "min_suppliers"], 1.0))
        if need < 2:
            continue
        share = _num(caps.loc[r, "min_supplier_share"], 0.1)
        for t in years:
            if demand[r, t] <= tol:
                continue
            floor = share * demand[r, t]
            reach: dict[str, float] = defaultdict(float)
            for o in opts.index[opts["capability_id"] == r]:
                if o in banned_options:
                    continue
                avail = opts.loc[o, "available_from"]
                avail = max(years[0], years[0] if _blank(avail) else int(avail))
                if t < avail + int(_num(opts.loc[o, "lead_time_years"])):
                    continue
                qmax = opts.loc[o, "max_qty_per_year"]
                qmax = peak[r] if _blank(qmax) else float(qmax)
                s_id = opts.loc[o, "supplier_id"]
                cap = sups.loc[s_id, "capacity_per_year"]
                most = min(qmax, demand[r, t], float("inf") if _blank(cap) else float(cap))
                for c, part in sigma[o].items():  # each foreign country's max share
                    if c != home and part > tol:
                        most = min(most, theta[c] * demand[r, t] / part)
                if bool(caps.loc[r, "integer_units"]):
                    most = math.floor(most + 1e-9)
                reach[s_id] += most
            whole = bool(caps.loc[r, "integer_units"])
            each = math.ceil(floor - 1e-9) if whole else floor
            able = sum(1 for v in reach.values() if v >= each - tol)
            if able < need or need * each > demand[r, t] + tol:
                continue  # single source by necessity that year
            sent: dict[str, float] = defaultdict(float)
            for (o, tt), u in x.items():
                if tt == t and opts.loc[o, "capability_id"] == r:
                    sent[opts.loc[o, "supplier_id"]] += u
            have = sum(1 for v in sent.values() if v > tol and v >= floor - tol)
            if have < need:
                bad.append(f"dual_sourcing: {r} in {t} has {have} supplier(s) delivering "
                           f"at least {share:g} of demand, needs {need}")
    return bad
