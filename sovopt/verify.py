"""Whether a solution vector may be used: the one check every solver answer passes.

HiGHS can hand back a vector that is not the solution of the level it
reports on (a MIP start returned unchanged after presolve solved the reduced
problem; a "solve error" whose primal values break rows). A plan a minister
acts on must never rest on such a vector, so each one is checked twice
before it is passed to the next level, to the metrics or to the report:

1. in the model's own terms (:func:`sovopt.highs.check_vector`): column
   bounds, integrality, every row HiGHS holds (held levels included), and
   that its objective is the one HiGHS reported;
2. as a plan (:func:`sovopt.metrics.violations`): the portfolio it encodes,
   integers rounded as reported, against every limit of the case (budget,
   localization, country shares, supplier capacity, demand, starts, delivery
   windows, minimum orders, mandatory options, supplier counts), computed
   from the case tables by the metrics, independently of the Pyomo rows.

An empty list means the vector may be used.
"""

from __future__ import annotations

import numpy as np

from sovopt.highs import HighsModel, check_vector
from sovopt.metrics import violations
from sovopt.portfolio import Portfolio
from sovopt.prepare import ModelData


def solution_problems(hm: HighsModel, values: np.ndarray, cost: np.ndarray | None,
                      claimed: float | None, d: ModelData,
                      portfolio: Portfolio,
                      switched_off: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with ``values`` (and its ``portfolio``); empty when it may be used.

    ``switched_off``: the families the preset leaves out, whose limits the
    solution need not keep.
    """
    bad = check_vector(hm, values, cost, claimed)
    if bad:
        return [f"model: {b}" for b in bad]
    return [f"plan: {b}" for b in violations(d, portfolio, switched_off)]
