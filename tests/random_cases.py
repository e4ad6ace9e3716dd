"""Random small planning cases for the property test of verified levels.

:func:`random_case` draws a case of 1–3 years, 1–3 capabilities and a handful
of options in every mode from a seeded generator: suppliers in every tier with
activation costs and capacities, fixed costs, lead times, minimum orders,
caps, inputs (critical or not), budgets from generous to tight, localization
targets, scenarios and dual sourcing. Many are infeasible; those that are not
exercise every constraint family and every objective term.

:func:`level_problems` checks a solve the way a reviewer would: every
optimised level's portfolio passes the independent checker, and the level's
reported value is the value of that portfolio, recomputed from the case and
the portfolio alone (the exact metrics; the HHI term, a tangent under-estimate
of the exact one, within the tangent error of the hhi_epigraph family).
"""

from __future__ import annotations

import numpy as np

from sovopt.case import Case
from sovopt.case_records import build_case
from sovopt.metrics import evaluate
from sovopt.solver import SolveResult
from tests.checker import check_portfolio

TIERS = {"H": "home", "A": "ally", "P": "partner", "N": "neutral", "X": "adversary"}
MODES = ("buy", "license", "coproduce", "domestic")
#: Largest error of the tangent outer approximation of s² per (r, c, t) term.
TANGENT_ERROR = 0.000625


def random_case(rng: np.random.Generator) -> Case:
    """One random small case (see the module docstring)."""
    n_years = int(rng.integers(1, 4))
    years = list(range(2027, 2027 + n_years))
    countries = []
    for cid, tier in TIERS.items():
        row: dict = {"country_id": cid, "name": f"country {cid}", "tier": tier,
                     "risk_score": 0.0 if tier == "home" else round(float(rng.uniform(0, 1)), 2)}
        if tier != "home" and rng.random() < 0.3:
            row["max_share"] = round(float(rng.uniform(0.2, 1.0)), 2)
        countries.append(row)
    foreign = [c for c in TIERS if c != "H"]
    suppliers = []
    for i in range(int(rng.integers(2, 6))):
        country = "H" if i == 0 else str(rng.choice(list(TIERS)))
        row = {"supplier_id": f"S{i}", "name": f"supplier {i}", "country_id": country,
               "activation_cost": float(rng.choice([0.0, 0.0, 2.0, 5.0]))}
        if rng.random() < 0.3:
            row["capacity_per_year"] = float(rng.integers(3, 15))
        suppliers.append(row)
    capabilities, demand, options, inputs = [], [], [], []
    for r in range(int(rng.integers(1, 4))):
        cap = {"capability_id": f"R{r}", "name": f"capability {r}",
               "criticality": float(rng.choice([1.0, 2.0, 3.0])),
               "integer_units": bool(rng.random() < 0.6),
               "min_suppliers": int(rng.choice([1, 1, 1, 2]))}
        if rng.random() < 0.3:
            cap["min_supplier_share"] = round(float(rng.uniform(0.05, 0.4)), 2)
        capabilities.append(cap)
        for t in years:
            demand.append({"capability_id": f"R{r}", "year": t,
                           "demand": float(rng.integers(0, 4) * 5 + rng.integers(0, 5))})
        for j in range(int(rng.integers(2, 6))):
            s = suppliers[int(rng.integers(0, len(suppliers)))]
            home = s["country_id"] == "H"
            mode = "domestic" if home and rng.random() < 0.7 else str(
                rng.choice(MODES[:3] if not home else MODES))
            opt: dict = {"option_id": f"O{r}{j}", "capability_id": f"R{r}",
                         "supplier_id": s["supplier_id"], "mode": mode,
                         "unit_cost": float(rng.integers(1, 10)),
                         "fixed_cost": float(rng.choice([0.0, 0.0, 3.0, 10.0])),
                         "local_content": 1.0 if mode == "domestic" else round(
                             float(rng.choice([0.0, 0.2, 0.5])), 2),
                         "lead_time_years": int(rng.choice([0, 0, 1]))}
            if rng.random() < 0.25:
                opt["min_total_qty"] = float(rng.integers(2, 12))
            if rng.random() < 0.3:
                opt["max_qty_per_year"] = float(rng.integers(2, 12))
            if rng.random() < 0.05:
                opt["mandatory"] = True
            options.append(opt)
            if rng.random() < 0.35 and opt["local_content"] < 0.8:
                room = 1.0 - opt["local_content"]
                inputs.append({"option_id": opt["option_id"], "input": "part",
                               "source_country_id": str(rng.choice(foreign)),
                               "value_share": round(float(rng.uniform(0.05, room * 0.8)), 2),
                               "critical": bool(rng.random() < 0.6)})
    scale = float(rng.choice([0.6, 1.0, 2.0, 5.0]))
    per_year = sum(d["demand"] for d in demand) / n_years * 5.0 * scale + 10.0
    budget = [{"year": t, "budget": round(per_year, 1),
               "min_local_share": float(rng.choice([0.0, 0.0, 0.2, 0.4]))} for t in years]
    scenarios = []
    for k in range(int(rng.integers(0, 4))):
        for c in rng.choice(foreign, size=int(rng.integers(1, 3)), replace=False):
            row = {"scenario_id": f"K{k}", "name": f"scenario {k}",
                   "probability": [0.05, 0.1, 0.2][k % 3], "country_id": str(c),
                   "loss": float(rng.choice([0.3, 0.5, 1.0]))}
            if n_years > 1 and rng.random() < 0.4:
                row["from_year"] = row["to_year"] = int(rng.choice(years))
            scenarios.append(row)
    return build_case(
        {"case_name": "random", "home_country": "H", "first_year": years[0],
         "last_year": years[-1], "allow_unmet": bool(rng.random() < 0.3)},
        countries=countries, suppliers=suppliers, capabilities=capabilities, demand=demand,
        options=options, inputs=inputs, budget=budget, scenarios=scenarios)


def term_values(case: Case, result: SolveResult, level_portfolio) -> dict[str, float]:
    """Each objective term (docs/FORMULATION.md, Terms) for a portfolio, from the exact metrics."""
    d = result.data
    m = evaluate(d, level_portfolio)
    k = m.kpis
    dem = d.demand.set_index(["capability_id", "year"])
    delivered = level_portfolio.deliveries.merge(
        d.case.options[["option_id", "capability_id"]], on="option_id").groupby(
        ["capability_id", "year"])["units"].sum()
    short = (dem["demand"] - delivered.reindex(dem.index).fillna(0.0)).clip(lower=0.0)
    weight = float(dem["weight"].sum()) or 1.0
    out = {"cost": float(k["total_cost"]) / d.total_budget,
           "unmet": float((dem["weight"] * short / dem["demand"]).sum()) / weight,
           "exposure": float(k["exposure"])}
    for term, key in (("cvar", "cvar"), ("worst_case", "worst_case_shortfall"),
                      ("expected_shortfall", "expected_shortfall")):
        if k.get(key) is not None:
            out[term] = float(k[key])
    out["hhi"] = float(k["hhi_mean"]) if k.get("hhi_mean") is not None else 0.0
    return out


def level_problems(case: Case, result: SolveResult) -> list[str]:
    """What is wrong with the levels of ``result`` (empty: every level checks out)."""
    bad: list[str] = []
    foreign = len([c for c in case.countries["country_id"]
                   if c != case.settings.home_country])
    for lv in result.levels:
        if lv.value is None:
            continue
        if lv.portfolio is None:
            bad.append(f"{lv.name}: a value without a portfolio")
            continue
        found = check_portfolio(case, lv.portfolio)
        if found:
            bad.append(f"{lv.name}: portfolio breaks {found[0]}")
            continue
        terms = term_values(case, result, lv.portfolio)
        exact = sum(w * terms.get(t, 0.0) for t, w in lv.terms.items() if t != "hhi")
        # The tangents of s² lie below it: the model's HHI is at most the exact one and
        # at least that less the tangent error of each foreign country's term.
        hhi_w = lv.terms.get("hhi", 0.0)
        high = exact + hhi_w * terms["hhi"]
        low = high - hhi_w * TANGENT_ERROR * foreign
        tol = 1e-6 * max(1.0, abs(lv.value))
        if not low - tol <= lv.value <= high + tol:
            bad.append(f"{lv.name}: reported {lv.value:.9g}, its portfolio gives "
                       + (f"{low:.9g} to {high:.9g}" if hhi_w else f"{high:.9g}"))
    if result.has_portfolio:
        found = check_portfolio(case, result.portfolio)
        if found:
            bad.append(f"final portfolio breaks {found[0]}")
    return bad
