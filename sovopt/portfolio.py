"""A portfolio: what is started when and what is delivered each year.

It is all a plan is, whether it comes from the optimiser or from a planner's
hand: the metrics (:mod:`sovopt.metrics`) evaluate any portfolio the same way,
so a solve and a stress test of its portfolio report the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


def no_repairs() -> pd.DataFrame:
    """The repair-line starts of a portfolio that starts none."""
    return pd.DataFrame({"repair_id": pd.Series(dtype=str),
                         "start_year": pd.Series(dtype=int)})


@dataclass
class Portfolio:
    """``starts``: option_id, start_year; ``deliveries``: option_id, year, units (> 0);
    ``repairs``: repair_id, start_year of the repair lines started (the sustainment families).

    The stock of a capability is not a decision of its own: it follows from the
    deliveries and the demand (the stock balance), so the metrics derive it.

    >>> Portfolio.empty().started_options
    []
    """

    starts: pd.DataFrame
    deliveries: pd.DataFrame
    repairs: pd.DataFrame = field(default_factory=no_repairs)

    @classmethod
    def empty(cls) -> Portfolio:
        return cls(pd.DataFrame({"option_id": pd.Series(dtype=str),
                                 "start_year": pd.Series(dtype=int)}),
                   pd.DataFrame({"option_id": pd.Series(dtype=str),
                                 "year": pd.Series(dtype=int),
                                 "units": pd.Series(dtype=float)}))

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame]) -> Portfolio | None:
        """The portfolio a run's result tables hold (portfolio, deliveries, repairs), or
        None when they hold none (a run that did not finish, or was infeasible)."""
        pf, dl = tables.get("portfolio"), tables.get("deliveries")
        if pf is None or dl is None:
            return None
        starts = pf.loc[pf["start_year"].notna(), ["option_id", "start_year"]]
        starts = starts.astype({"start_year": int}).reset_index(drop=True)
        deliveries = dl[["option_id", "year", "units"]].astype({"year": int, "units": float})
        rp = tables.get("repairs")
        repairs = (rp[["repair_id", "start_year"]].astype({"start_year": int})
                   .reset_index(drop=True) if rp is not None and len(rp) else no_repairs())
        return cls(starts=starts, deliveries=pd.DataFrame(deliveries), repairs=repairs)

    @property
    def started_options(self) -> list[str]:
        return self.starts["option_id"].tolist()
