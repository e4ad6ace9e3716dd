"""The dual_sourcing family's years: where a capability's minimum of suppliers can hold.

The rule (the dual_sourcing family, :mod:`sovopt.model.constraints.dual_sourcing`,
and docs/FORMULATION.md): a capability with min_suppliers n ≥ 2 needs, in each
year with demand, n suppliers that each deliver at least the share β of that
year's demand, **in the years where n suppliers can**. A year in which fewer
than n suppliers can deliver their share (before a second line's lead time has
passed, or never: a second supplier whose options are too small or too late) is
single source by necessity: left out of the family, named in Diagnostics, never
made infeasible. A capability for which no year can hold is single source
throughout, and :func:`never_met` says so as a warning (``sovopt validate`` and
the results' "In short").

The precheck, the model, the metrics' check and the notes all read
:func:`sourcing_years` (through ``ModelData.sourcing``), so they cannot
disagree. Plain pandas: metrics and stress tests use it without the solver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sovopt.errors import Problem

if TYPE_CHECKING:
    from sovopt.prepare import ModelData

#: Float tolerance of the unit comparisons.
EPS = 1e-9


def sourcing_years(d: ModelData) -> pd.DataFrame:
    """One row per (capability, year) with demand of every capability with
    min_suppliers n ≥ 2.

    Columns: capability_id, year, demand, need (n), share (β, min_supplier_share),
    min_units (β·D, what a supplier must deliver that year to count), each (min_units
    rounded up to whole units where the capability counts them), able (the
    suppliers whose options can deliver at least min_units that year, whole units
    where the capability counts them: lead times, caps and every foreign country's
    max share θ·D/σ considered) and binding (able ≥ n, and n whole-unit shares fit in
    the year's demand): the rule holds in binding years; the others are single
    source by necessity and reported as such, not made infeasible.
    """

    cols = ["capability_id", "year", "demand", "need", "share", "min_units", "each",
            "able", "binding"]
    need = d.capabilities["min_suppliers"].astype(int)
    dem = d.demand[d.demand["capability_id"].map(need) >= 2]
    if dem.empty:
        return pd.DataFrame(columns=cols)
    out = dem[["capability_id", "year", "demand"]].copy()
    out["need"] = out["capability_id"].map(need).astype(int)
    out["share"] = out["capability_id"].map(
        d.capabilities["min_supplier_share"]).astype(float)
    out["min_units"] = out["share"] * out["demand"]
    # What each option can deliver in the year: its cap, and at most what every
    # foreign country in its value allows under that country's max share
    # (θ·D/σ), in whole units where the capability counts whole units.
    dv = d.deliveries[["option_id", "year", "capability_id", "supplier_id", "cap"]]
    dv = dv[dv["capability_id"].isin(out["capability_id"])]
    dv = dv.merge(out[["capability_id", "year", "demand", "min_units"]],
                  on=["capability_id", "year"])
    room = dv["option_id"].map(d.share_reach).astype(float) * dv["demand"]
    limit = np.fmin(dv["cap"].to_numpy(float), room.to_numpy(float))
    whole = dv["option_id"].map(d.options["integer"]).fillna(False).to_numpy(bool)
    limit = np.where(whole, np.floor(limit + 1e-9), limit)
    need = np.where(whole, np.ceil(dv["min_units"].to_numpy(float) - 1e-9),
                    dv["min_units"].to_numpy(float))
    reach = dv.assign(reach=limit, need=need).groupby(
        ["capability_id", "year", "supplier_id"], as_index=False).agg(
        reach=("reach", "sum"), need=("need", "first"))
    reach = reach[reach["reach"] >= reach["need"] - EPS]
    able = reach.groupby(["capability_id", "year"])["supplier_id"].nunique()
    key = pd.MultiIndex.from_frame(out[["capability_id", "year"]])
    out["able"] = able.reindex(key).fillna(0).astype(int).to_numpy()
    # n suppliers with a whole-unit share each must fit in the year's demand (two
    # suppliers cannot each deliver one of a single unit)
    whole = out["capability_id"].map(d.capabilities["integer_units"]).astype(bool)
    out["each"] = np.where(whole, np.ceil(out["min_units"] - 1e-9), out["min_units"])
    fits = out["need"] * out["each"] <= out["demand"] + EPS
    out["binding"] = (out["able"] >= out["need"]) & fits
    return out.reset_index(drop=True)[cols]


def never_met(d: ModelData) -> pd.DataFrame:
    """The capabilities whose minimum of suppliers can hold in no year with demand:
    capability_id, need (n), able (the most suppliers able in any year), cell."""
    src = d.sourcing
    if src.empty:
        return pd.DataFrame(columns=["capability_id", "need", "able", "cell"])
    by = src.groupby("capability_id", sort=True).agg(
        binding=("binding", "any"), need=("need", "first"), able=("able", "max"))
    by = by[~by["binding"].astype(bool)]
    cells = [d.case.cell("Capabilities", "min_suppliers", d.capabilities.loc[r, "row"])
             for r in by.index]
    return pd.DataFrame({"capability_id": list(by.index), "need": by["need"].astype(int),
                         "able": by["able"].astype(int), "cell": cells}).reset_index(drop=True)


def never_met_text(r: str, need: int, able: int, cell: str) -> str:
    """The warning for a capability whose minimum of suppliers can never be met."""
    return (f"capability {r} needs {need} suppliers ({cell}), but at most {able} can "
            f"deliver their share in any year: the requirement cannot be met in any year, "
            "so it is single source throughout")


def never_met_warnings(d: ModelData) -> list[Problem]:
    """:func:`never_met` as validation warnings naming the min_suppliers cell."""
    return [Problem(row.cell, never_met_text(row.capability_id, row.need, row.able,
                                             row.cell),
                    "add a second supplier able to deliver its share, or set "
                    "min_suppliers to 1", severity="warning")
            for row in never_met(d).itertuples()]
