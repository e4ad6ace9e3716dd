"""One module per constraint family (docs/FORMULATION.md), in model order.

Every module has ``add(m, d)`` that adds the family's block to the model (and
adds nothing when the case has no data for it), a docstring with the family's
maths, and ``FAMILY``: what it links to (:class:`sovopt.model.family.Family`:
whether a preset may switch it off, the terms it defines, the families it reads,
how the infeasibility diagnosis relaxes its rows, with ``describe``).

A new family is a new module and one line in :data:`REGISTRY`.
"""

import sys

from sovopt.model.constraints import (
    budget,
    country_share,
    delivery_window,
    demand,
    dual_sourcing,
    fleet_service,
    fleet_shortfall,
    hhi_epigraph,
    home_support,
    localization,
    min_order,
    one_start,
    repair_line,
    scenario_shortfall,
    scenario_stock,
    share_window,
    stock_balance,
    supplier_capacity,
    supplier_link,
    support_cost,
)
from sovopt.model.family import Family

#: Every family, in the order the rows are built (a family after those it ``needs``).
REGISTRY: tuple[Family, ...] = (
    demand.FAMILY,
    one_start.FAMILY,
    delivery_window.FAMILY,
    min_order.FAMILY,
    supplier_link.FAMILY,
    supplier_capacity.FAMILY,
    # the sustainment families: those that add to each year's spend come before budget; each
    # adds nothing to a case without fleets, repair lines or stock
    fleet_service.FAMILY,
    repair_line.FAMILY,
    home_support.FAMILY,
    support_cost.FAMILY,
    stock_balance.FAMILY,
    budget.FAMILY,
    localization.FAMILY,
    country_share.FAMILY,
    dual_sourcing.FAMILY,
    share_window.FAMILY,
    scenario_shortfall.FAMILY,
    scenario_stock.FAMILY,
    fleet_shortfall.FAMILY,
    hhi_epigraph.FAMILY,
)

#: family name -> its declaration, in build order
FAMILIES: dict[str, Family] = {f.name: f for f in REGISTRY}

#: the module of each family, by name (its docstring is the family's formulation)
MODULES = {f.name: sys.modules[f.add.__module__] for f in REGISTRY}

#: families a preset may switch off; the others define what a portfolio is
OPTIONAL_FAMILIES = tuple(f.name for f in REGISTRY if f.optional)

#: term -> the family whose rows define it (a preset using the term keeps the family)
TERM_FAMILY = {term: f.name for f in REGISTRY for term in f.terms}

#: families whose rows only tighten the LP relaxation (the diagnosis leaves them out)
IMPLIED_FAMILIES = frozenset(f.name for f in REGISTRY if f.implied)

#: families whose rows the infeasibility diagnosis may relax
RELAXABLE = tuple(f.name for f in REGISTRY if f.relax is not None)
