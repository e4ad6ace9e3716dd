"""The portfolio model (Pyomo only): ``build_model(data, families) -> ConcreteModel``.

The builder knows nothing of files or solvers. It adds the variables, then
each constraint family of docs/FORMULATION.md (one module each, see
:mod:`sovopt.model.constraints`), then one Objective per dependence measure
(:mod:`sovopt.model.terms`). Families a preset switches off are skipped;
families with no data add nothing.
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
