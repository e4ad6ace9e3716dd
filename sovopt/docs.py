"""Generated documentation: docs/FORMULATION.md and the README's workbook contract.

Both are made from the code's own single sources, so they cannot drift from
it: the formulation from the docstrings of the preparation step, the
variables, every constraint family module and the terms; the README's
contract table from :mod:`sovopt.schema`. ``python -m sovopt.docs`` (or
``make docs``) rewrites them; a test fails when a committed copy is stale.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

from sovopt import outputs, prepare, schema
from sovopt.model import variables
from sovopt.model.constraints import MODULES
from sovopt.model.terms import add_terms

ROOT = Path(__file__).resolve().parent.parent
FORMULATION = ROOT / "docs" / "FORMULATION.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- contract:begin -->", "<!-- contract:end -->"
OUT_BEGIN, OUT_END = "<!-- outputs:begin -->", "<!-- outputs:end -->"

INTRO = """\
# The sovopt portfolio model

This file is generated from the code by `make docs` (`python -m sovopt.docs`);
edit the docstrings, not this file. Each section below is the docstring of the
module that implements it, so the mathematics here is the mathematics that runs.

Notation: T years, C countries (h the home country), S suppliers (c(s) the
supplier's country), R capabilities, O options (each with capability r(o),
supplier s(o) and mode m(o) ∈ {buy, license, coproduce, domestic}), K
disruption scenarios. Parameters come from the workbook (see README, "The case
workbook"): D demand, w criticality, n minimum suppliers, p unit cost, F fixed
cost, λ local content, L lead time, a available_from, qmax yearly cap, MOQ
minimum total quantity, G activation cost, cap supplier capacity, B budget,
ℓ minimum local share, ρ country risk, θ max share, π scenario probability,
α scenario loss of a country's supply in a year.
"""

OBJECTIVE = """\
## Objective: lexicographic levels

A preset (sovopt/presets/*.yaml) is an ordered list of levels, each a weighted sum of
the terms above. Levels are optimised in order on one compiled model and one
HiGHS instance: once a level is optimised, its objective row is added as a
constraint, `level ≤ value + max(relative·|value|, absolute)` (default 1 % and
1e-6), and the next level is optimised from the previous solution (MIP start).
Unmet demand is always the first level.

| preset | levels, in order |
|---|---|
| min_dependence | unmet · cvar + 0.1 × worst_case · exposure + hhi · cost |
| min_cost | unmet · cost |
| balanced | unmet · one weighted sum of all terms |

Every level's solution is verified before it is used (sovopt/verify.py): its
vector against the model's bounds, integrality and rows (held levels included)
and against the objective HiGHS reported, and its portfolio against every limit
of the case by the metrics. A vector that fails is never passed on: the level is
solved again from scratch, then without presolve, then with another seed; a
level whose optimum is exactly 0 is held by fixing its priced columns at 0.

## After the solve

- Duals: with the binaries fixed at their optimum, the LP of the primary level
  (the first after unmet demand) is re-solved, with its own time budget
  (a quarter of the time limit, at least 10 s); the marginal value of budget is
  the improvement of that level per currency unit more budget in a year, and
  the marginal value of localization the worsening per percentage point more
  target.
- Infeasibility: see `sovopt/diagnose.py`: an elastic copy with a slack on
  every row of budget, localization, country_share, supplier_capacity,
  dual_sourcing and mandatory one_start, scaled by the row's limit, and on
  the requirement rows (demand, and the sustainment families' fleet_service and stock_balance)
  weighted 1000 times more.
- Fleets, repair lines, stock and leverage are evaluated exactly for any
  portfolio by `sovopt/sustainment.py` (in service, home-supported fleet,
  support spend, the plan's and each scenario's stock path, the fleet's
  availability, leverage per partner), which the model's values must match.
"""


NOTES = """\
## Notes: strengthenings of the bound that were measured

`python -m bench.bound` measures a level's LP bound, root bound and time to
its gap with and without a change (the table is in bench/README.md, "The
bound of a level"). On the example the yearly budget rows carry the weak
bound of the exposure and concentration level (without them its root gap is
0.1 %), and of its integers the starts carry three quarters of the gap: the
LP opens a line partly, delivers that part and pays that part of its fixed
cost. Kept: share_window (above). Tried and not kept, because neither the LP
nor the root bound moved on the example, R or M:

- Chvátal–Gomory rows of each year's fixed costs,
  Σ_o ⌊F[o]/f⌋·start[o,t] ≤ ⌊(B[t] − LB[t])/f⌋ for divisors f among the fixed
  costs, LB[t] the least unit spending of year t (each deliveries
  capability's demand filled by its cheapest options up to their caps): valid
  as the year's fixed costs fit in what its budget leaves and starts are
  binary, but the LP point is far from these knapsacks (the example's LP pays
  155 of fixed costs in 2027 against 282 left);
- the same over windows of years ([first, t] and [t, t+1]), also with each
  window's least unit spending from the level's own LP (root bound +0.1 % at R);
- starts whose fixed cost alone exceeds B[t] − LB[t] removed: there are none.

Earlier variants that did not pay: a monotone y in place of start, integer
`opened`, perspective cuts for the HHI term, HHI as bounded segment columns.
"""


def _doc(obj) -> str:
    return inspect.cleandoc(obj.__doc__ or "")


def _section(title: str, text: str) -> str:
    body = re.sub(r"``([^`]+)``", r"`\1`", text)
    return f"## {title}\n\n{body}\n"


def formulation_markdown() -> str:
    """The full text of docs/FORMULATION.md."""
    parts = [INTRO, _section("Preparation (derived data)", _doc(prepare)),
             _section("Variables", _doc(variables))]
    for n, (name, module) in enumerate(MODULES.items(), start=1):
        parts.append(_section(f"Constraint family {n}: {name}", _doc(module)))
    parts.append(_section("Terms (dependence measures)",
                          _doc(sys.modules[add_terms.__module__])))
    parts.append(OBJECTIVE)
    parts.append(NOTES)
    return "\n".join(parts)


def _replace_block(text: str, begin: str, end: str, body: str) -> str:
    """``text`` with the lines between ``begin`` and ``end`` replaced by ``body``."""
    if begin not in text or end not in text:
        return text
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}{end}{tail}"


def readme_with_contract(readme: str) -> str:
    """The README text with the workbook contract (input schema) and the output
    contract (output schema) regenerated between their markers."""
    readme = _replace_block(readme, BEGIN, END, schema.contract_markdown())
    return _replace_block(readme, OUT_BEGIN, OUT_END, outputs.markdown_table())


def main() -> None:
    FORMULATION.write_text(formulation_markdown(), encoding="utf-8")
    if README.exists():
        README.write_text(readme_with_contract(README.read_text(encoding="utf-8")),
                          encoding="utf-8")
    print(f"wrote {FORMULATION.relative_to(ROOT)} and the contract in README.md")


if __name__ == "__main__":
    main()
