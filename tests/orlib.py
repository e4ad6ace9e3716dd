"""OR-Library capacitated warehouse location instances as sovopt cases.

Beasley's ``capNN.txt`` format (whitespace separated; a customer's costs may
wrap lines)::

    m n
    capacity_i fixed_cost_i          (i = 1..m warehouses)
    demand_j  c_1j ... c_mj          (j = 1..n customers)

``c_ij`` is the cost of serving all of customer j's demand from warehouse i;
demand may be split. capa/capb/capc hold the word ``capacity`` instead of a
number, to be replaced by the capacity the instance is run with.

As a sovopt case (one year, min_cost): warehouse i is supplier ``W<i>`` in
the home country with activation_cost F_i and capacity_per_year s_i;
customer j is capability ``C<j>`` with demand d_j and integer_units no;
each (i, j) is a domestic option ``W<i>-C<j>`` with unit_cost c_ij / d_j.
The budget (one year) is Σ_i F_i + Σ_j max_i c_ij, which no sensible
solution exceeds, so the min_cost objective times the budget is the
instance's cost Σ F_i·y_i + Σ c_ij·x_ij.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.case_records import build_case

YEAR = 2027


@dataclass(frozen=True)
class OrlibInstance:
    """The numbers of one instance: capacities s (m), fixed costs F (m), demands d (n),
    costs c (m × n, cost of serving all of j from i)."""

    name: str
    capacity: np.ndarray
    fixed: np.ndarray
    demand: np.ndarray
    cost: np.ndarray


def read_orlib(path: str | Path, capacity: float | None = None) -> OrlibInstance:
    """Parse a ``capNN.txt`` file; ``capacity`` replaces every warehouse capacity.

    It is required when the file says ``capacity`` instead of a number
    (capa, capb, capc).
    """
    path = Path(path)
    tokens = path.read_text().split()
    m, n = int(tokens[0]), int(tokens[1])
    pos = 2
    caps, fixed = [], []
    for _ in range(m):
        word, f = tokens[pos], tokens[pos + 1]
        pos += 2
        if capacity is not None:
            caps.append(float(capacity))
        elif word.lower() == "capacity":
            raise ValueError(f"{path.name}: capacities are not given; pass capacity=")
        else:
            caps.append(float(word))
        fixed.append(float(f))
    body = np.asarray(tokens[pos:pos + n * (m + 1)], dtype=float)
    if body.size != n * (m + 1):
        raise ValueError(f"{path.name}: expected {n} customers of {m + 1} numbers each")
    body = body.reshape(n, m + 1)
    return OrlibInstance(name=path.stem, capacity=np.asarray(caps), fixed=np.asarray(fixed),
                         demand=body[:, 0].copy(), cost=body[:, 1:].T.copy())


def orlib_case(path: str | Path, capacity: float | None = None) -> Case:
    """The sovopt case of an OR-Library capacitated warehouse location instance."""
    inst = read_orlib(path, capacity)
    m, n = inst.cost.shape
    keep = np.flatnonzero(inst.demand > 0)  # a customer without demand costs nothing
    wid = [f"W{i + 1}" for i in range(m)]
    cid = [f"C{j + 1}" for j in range(n)]
    suppliers = pd.DataFrame({"supplier_id": wid, "name": wid, "country_id": "H",
                              "activation_cost": inst.fixed,
                              "capacity_per_year": inst.capacity})
    capabilities = pd.DataFrame({"capability_id": [cid[j] for j in keep],
                                 "name": [cid[j] for j in keep], "unit": "unit",
                                 "criticality": 1.0, "min_suppliers": 1,
                                 "integer_units": False})
    demand = pd.DataFrame({"capability_id": [cid[j] for j in keep], "year": YEAR,
                           "demand": inst.demand[keep]})
    ii, jj = np.meshgrid(np.arange(m), keep, indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    options = pd.DataFrame({
        "option_id": [f"{wid[i]}-{cid[j]}" for i, j in zip(ii, jj, strict=True)],
        "capability_id": [cid[j] for j in jj],
        "supplier_id": [wid[i] for i in ii],
        "mode": "domestic",
        "unit_cost": inst.cost[ii, jj] / inst.demand[jj],
        "local_content": 1.0,
    })
    budget = float(inst.fixed.sum() + inst.cost[:, keep].max(axis=0).sum())
    return build_case(
        {"case_name": inst.name, "home_country": "H", "first_year": YEAR, "last_year": YEAR,
         "objective": "min_cost", "mip_gap": 0.0},
        countries=[{"country_id": "H", "name": "Home", "tier": "home"}],
        suppliers=suppliers, capabilities=capabilities, demand=demand, options=options,
        budget=[{"year": YEAR, "budget": budget, "min_local_share": 0.0}],
    )
