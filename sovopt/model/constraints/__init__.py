"""One module per constraint family of formulation.md §4, in model order.

Every module has ``add(m, d)`` that adds the family's block to the model (and
adds nothing when the case has no data for it) and a docstring with the
family's maths. Families whose rows may be relaxed by the infeasibility
diagnosis also have ``describe(d, index, amount, deliveries)``.
"""

from sovopt.model.constraints import (
    budget,
    country_share,
    delivery_window,
    demand,
    dual_sourcing,
    hhi_epigraph,
    localization,
    min_order,
    one_start,
    scenario_shortfall,
    supplier_capacity,
    supplier_link,
)

#: family name -> module, in the order the rows are built
FAMILIES = {
    mod.__name__.rsplit(".", 1)[-1]: mod
    for mod in (demand, one_start, delivery_window, min_order, supplier_link,
                supplier_capacity, budget, localization, country_share, dual_sourcing,
                scenario_shortfall, hhi_epigraph)
}

#: families a preset may switch off; the others define what a portfolio is
OPTIONAL_FAMILIES = ("min_order", "supplier_capacity", "budget", "localization",
                     "country_share", "dual_sourcing", "scenario_shortfall", "hhi_epigraph")
