"""The small case the study tests share, worked by hand.

One year, budget 100, two capabilities of 10 units each (fractional units,
so every point is an LP optimum worked on paper), two options each:

====== ========== ======== ========= ===================================
option capability supplier unit cost exposure per unit (risk × 1 / 100)
====== ========== ======== ========= ===================================
F1     R1         SA (A)   1         0.8 / 100 = 0.008
D1     R1         SH       5         0
F2     R2         SB (B)   1         0.2 / 100 = 0.002
D2     R2         SH       5         0
====== ========== ======== ========= ===================================

Country A is an ally with risk 0.8, B an ally with risk 0.2 (max share 1.0:
no country-share limit binds). Exposure = Σ risk·share·price·units / total
budget; cost = spend.

The cost–exposure frontier: the cheapest plan buys everything abroad (spend
20, exposure 10·0.008 + 10·0.002 = 0.10). Moving a unit of R1 home costs 4
and lowers exposure by 0.008 (500 per unit of exposure); a unit of R2 costs
4 for 0.002 (2000 per unit). So exposure is bought down through R1 first,
until exposure 0.02 at spend 20 + 10·4 = 60 (the knee), then through R2 to
exposure 0 at spend 100:

    cost(ε) = 20 + 500·(0.10 − ε)   for 0.02 ≤ ε ≤ 0.10
    cost(ε) = 60 + 2000·(0.02 − ε)  for 0 ≤ ε ≤ 0.02
"""

from __future__ import annotations

from pathlib import Path

from sovopt.case import Case
from sovopt.workbook.write_case import write_case_workbook
from tests.model_cases import countries, make_case, option

#: (exposure level, least spend) of the frontier above at 6 evenly spaced levels.
FRONTIER_6 = [(0.0, 100.0), (0.02, 60.0), (0.04, 50.0), (0.06, 40.0), (0.08, 30.0),
              (0.10, 20.0)]

#: A preset that minimises exposure, then cost, holding exposure exactly.
EXPOSURE_FIRST = """\
name: exposure first
tolerance: {relative: 0.0, absolute: 1.0e-9}
levels:
  - name: exposure
    terms: {exposure: 1}
  - name: cost
    terms: {cost: 1}
"""


def two_capability_case(budget: float = 100.0, objective: str = "min_cost") -> Case:
    capabilities = [{"capability_id": r, "name": f"capability {r}", "integer_units": False}
                    for r in ("R1", "R2")]
    return make_case(
        [option("F1", "SA", 1.0, capability="R1"), option("D1", "SH", 5.0, capability="R1"),
         option("F2", "SB", 1.0, capability="R2"), option("D2", "SH", 5.0, capability="R2")],
        demand={"R1": 10.0, "R2": 10.0}, capabilities=capabilities, budget=budget,
        country_rows=countries(risk={"A": 0.8, "B": 0.2}), objective=objective,
        mip_gap=0.0, time_limit_s=30.0)


def write_two_capability_case(folder: Path, **kw) -> Path:
    return write_case_workbook(folder / "two_capabilities.xlsx", two_capability_case(**kw))


def write_preset(folder: Path) -> Path:
    path = folder / "exposure_first.yaml"
    path.write_text(EXPOSURE_FIRST)
    return path
