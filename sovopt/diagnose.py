"""Why a case is infeasible, in terms of the cells a planner can change.

Two steps, both reporting :class:`~sovopt.model.relaxation.Relaxation` items:

1. :func:`precheck` catches the obvious before any model is built (pandas on
   the prepared data): a year's demand above what every option able to
   deliver by then can supply; a capability asking for more suppliers than
   have options; a mandatory option that was excluded.
2. :func:`elastic` solves an elastic copy of the compiled model: a slack on
   every row of each family that declares itself relaxable (``FAMILY.relax``
   in its module: budget, localization, country_share, supplier_capacity,
   dual_sourcing, mandatory one_start, and demand weighted 1000 times more, so
   a requirement is dropped only when no policy limit can make room), each
   scaled by its row's limit as the family says. Each row whose slack is used
   becomes one relaxation, described by its family's ``describe``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import sparse

from sovopt.highs import INF, HighsModel, has_solution, new_highs, pass_arrays, to_highs
from sovopt.model import build_model
from sovopt.model.constraints import FAMILIES
from sovopt.model.family import UPPER
from sovopt.model.relaxation import Relaxation, fmt
from sovopt.prepare import ModelData

USED = 1e-6


def precheck(d: ModelData) -> list[Relaxation]:
    """Problems visible without solving: reachable capacity, suppliers, mandatory options."""
    found: list[Relaxation] = []
    reach = d.deliveries.groupby(["capability_id", "year"])["cap"].sum()
    dem = d.demand.set_index(["capability_id", "year"])
    short = dem["demand"] - reach.reindex(dem.index).fillna(0.0)
    for r, t in short[short > 1e-6].index:
        row = dem.loc[(r, t)]
        cell = d.case.cell("Demand", str(t), row["row"])
        can = float(reach.get((r, t), 0.0))
        who = d.deliveries[(d.deliveries["capability_id"] == r) & (d.deliveries["year"] == t)]
        names = ", ".join(f"{o} ({fmt(c)})" for o, c in zip(who["option_id"], who["cap"],
                                                             strict=True)) or "none"
        found.append(Relaxation(
            "demand", f"Demand of {r} in {t}", cell, float(row["demand"]), can,
            f"Demand of {r} in {t} ({cell}) is {fmt(row['demand'])} but the options able to "
            f"deliver by {t} can supply at most {fmt(can)} that year (options: {names}); "
            "lower the demand, raise max_qty_per_year or capacity, or add an earlier option",
        ))
    need = d.capabilities["min_suppliers"]
    have = d.options[d.options.index.isin(d.starts["option_id"])].groupby(
        "capability_id")["supplier_id"].nunique()
    for r, n in need[need >= 2].items():
        k = int(have.get(r, 0))
        if k < n:
            cell = d.case.cell("Capabilities", "min_suppliers", d.capabilities.loc[r, "row"])
            found.append(Relaxation(
                "dual_sourcing", f"Minimum suppliers of {r}", cell, float(n), float(k),
                f"Minimum suppliers of {r} ({cell}) is {n} but only {k} supplier(s) have "
                f"usable options for it",
            ))
    options = d.case.options.set_index("option_id")
    for _, ex in d.excluded.iterrows():
        if bool(options.loc[ex["option_id"], "mandatory"]):
            cell = d.case.cell("Options", "mandatory", ex["row"])
            found.append(Relaxation(
                "one_start", f"Mandatory option {ex['option_id']}", cell, 1.0, 0.0,
                f"Mandatory option {ex['option_id']} ({cell}) was excluded: {ex['reason']}",
            ))
    return found


def diagnose(d: ModelData, switched_off: frozenset[str],
             options: dict[str, object]) -> list[Relaxation]:
    """The elastic diagnosis of an infeasible case, on a model built for it.

    The solve model bounds each delivery by its supplier's capacity (a tighter
    formulation); here that bound is left to the supplier_capacity rows, whose
    slack can then make room, as the diagnosis promises.
    """
    relaxed = replace(d, deliveries=d.deliveries.assign(cap=d.deliveries["own_cap"]))
    m = build_model(relaxed, switched_off)
    hm = to_highs(m, m.term_names, options)
    return elastic(hm, relaxed, hm.positions(m.x), options) or []


def elastic(hm: HighsModel, d: ModelData, x_positions: np.ndarray,
            options: dict[str, object]) -> list[Relaxation] | None:
    """Relaxations that make the case feasible, or None if the copy is infeasible too."""
    picked, coefs, weights, scales = [], [], [], []
    coef_max = abs(hm.A).max(axis=1).toarray().ravel()
    for i, (con, kind) in enumerate(hm.rows):
        family = FAMILIES.get(con.parent_component().local_name)
        relax = family.relax if family is not None else None
        if relax is None or kind not in relax.rows:
            continue
        rhs = hm.row_upper[i] if kind >= 0 else hm.row_lower[i]
        scale = relax.scale(d, con.index(), float(rhs), float(coef_max[i]))
        picked.append(i)
        coefs.append(-scale if kind == UPPER else scale)
        weights.append(relax.weight)
        scales.append(scale)
    if not picked:
        return None
    k = len(picked)
    S = sparse.csc_array((np.asarray(coefs), (np.asarray(picked), np.arange(k))),
                         shape=(hm.num_row, k))
    A = sparse.hstack([sparse.csc_array(hm.A), S])
    h = new_highs(options)
    pass_arrays(h, A, np.concatenate([np.zeros(hm.num_col), np.asarray(weights)]),
                np.concatenate([hm.col_lower, np.zeros(k)]),
                np.concatenate([hm.col_upper, np.full(k, INF)]),
                hm.row_lower, hm.row_upper,
                np.concatenate([hm.integrality, np.zeros(k, np.int32)]))
    h.run()
    if not has_solution(h):
        return None
    values = np.asarray(h.getSolution().col_value)
    slack = values[hm.num_col:]
    deliveries = d.deliveries[["option_id", "year"]].assign(units=values[x_positions])
    found = []
    for j in np.flatnonzero(slack > USED):
        con, _ = hm.rows[picked[j]]
        family = con.parent_component().local_name
        amount = float(slack[j] * scales[j])
        found.append(FAMILIES[family].describe(d, con.index(), amount, deliveries))
    return found


def as_table(relaxations: list[Relaxation]) -> pd.DataFrame:
    """The diagnosis as a tidy table (for the results workbook and the run store)."""
    return pd.DataFrame(
        [{"constraint": r.family, "limit": r.limit, "cell": r.cell, "current": r.current,
          "needed": r.needed, "change": r.change, "message": r.message}
         for r in relaxations],
        columns=["constraint", "limit", "cell", "current", "needed", "change", "message"],
    )
