"""The options a solve leaves out before building the model, and why.

An option with any value from a prohibited country, or one that cannot start early
enough to deliver within the horizon, gets no column in the model. The solve notes
each on its Diagnostics sheet and terminal; ``sovopt validate`` warns of the same
ones, from this same function, before anything is solved.
"""

from __future__ import annotations

import pandas as pd

from sovopt.case import Case

#: Tolerance below which a share or a loss is treated as zero (the model data's too).
EPS = 1e-9


def excluded_options(case: Case, options: pd.DataFrame, origin: pd.DataFrame,
                     starts: pd.DataFrame) -> pd.DataFrame:
    """The options dropped before the model is built, and why (columns option_id,
    reason, row: the option's Options row): any value from a prohibited country
    (σ[o,c] > 0), or no start year that still delivers within the horizon.

    Called by :func:`sovopt.prepare.prepare`, whose table ``sovopt validate`` reads
    too, so validate warns of exactly what the solve leaves out.
    """
    countries = case.countries.set_index("country_id")
    prohibited = set(countries.index[countries["tier"] == "prohibited"])
    touched = origin[origin["country_id"].isin(prohibited) & (origin["share"] > EPS)]
    rows = []
    for oid, grp in touched.groupby("option_id", sort=False):
        names = ", ".join(sorted(grp["country_id"]))
        rows.append((oid, f"value from prohibited country {names}"))
    years = case.years
    no_start = set(options.index) - set(starts["option_id"])
    for oid in options.index[options.index.isin(no_start)]:
        o = options.loc[oid]
        rows.append(
            (oid, f"cannot deliver by {years[-1]}: available_from {int(o.available_from)} "
                  f"+ lead time {int(o.lead_time_years)}")
        )
    excluded = pd.DataFrame(rows, columns=["option_id", "reason"])
    excluded["row"] = excluded["option_id"].map(options["row"])
    return excluded.drop_duplicates("option_id").reset_index(drop=True)
