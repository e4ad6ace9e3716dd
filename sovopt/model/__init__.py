"""The portfolio model (Pyomo only): ``build_model(data, families) -> ConcreteModel``.

The builder knows nothing of files or solvers. It adds the variables, then
each constraint family of docs/FORMULATION.md (one module each, see
:mod:`sovopt.model.constraints`), then one Objective per dependence measure
(:mod:`sovopt.model.terms`). Families a preset switches off are skipped;
families with no data add nothing.

Notation: T years, C countries (h the home country), S suppliers (c(s) the
supplier's country), R capabilities, O options (each with capability r(o),
supplier s(o) and mode m(o) ∈ {buy, license, coproduce, domestic}), K
disruption scenarios. Parameters come from the workbook (see README, "The case
workbook"): D demand, w criticality, n minimum suppliers, p unit cost, F fixed
cost, λ local content, L lead time, a available_from, qmax yearly cap, MOQ
minimum total quantity, G activation cost, cap supplier capacity, B budget,
ℓ minimum local share, ρ country risk, θ max share, π scenario probability,
α scenario loss of a country's supply in a year. The sustainment families
(fleet_service, repair_line, home_support, support_cost, stock_balance,
scenario_stock, fleet_shortfall) model fleets kept in service, repair lines at
home and stock; each adds nothing to a case without them.
"""

from __future__ import annotations

import pyomo.environ as pyo

from sovopt.model.constraints import FAMILIES, OPTIONAL_FAMILIES
from sovopt.model.constraints.budget import add_spend
from sovopt.model.shared import record_switched_off
from sovopt.model.terms import TERMS, add_terms
from sovopt.model.variables import add_variables
from sovopt.prepare import ModelData

__all__ = ["FAMILIES", "OPTIONAL_FAMILIES", "TERMS", "build_model"]


def build_model(d: ModelData, switched_off: frozenset[str] = frozenset(),
                pyomo_rows: bool = False) -> pyo.ConcreteModel:
    """The Pyomo model of the prepared case ``d`` without the families in ``switched_off``.

    Families with many rows build them as arrays (:mod:`sovopt.model.arrays`);
    ``pyomo_rows`` builds every family's Pyomo reference block instead (the
    same rows, for the tests that check the arrays against it).
    """
    m = pyo.ConcreteModel(name=d.case.settings.case_name)
    record_switched_off(m, switched_off)  # families may defer to one another (sustainment)
    add_variables(m, d)
    add_spend(m, d, pyomo_rows)
    for name, family in FAMILIES.items():
        if name not in switched_off:
            add = family.reference if pyomo_rows and family.reference else family.add
            add(m, d)
    m.term_names = add_terms(m, d, pyomo_rows)
    return m
