"""What a portfolio pays, and where its risk-weighted foreign spending sits (pandas only).

One definition of each money quantity of docs/FORMULATION.md, used by the model's
budget and localization rows and its exposure and cost terms (as
coefficients, with one unit delivered), by the metrics of any portfolio, by
the marginal values of the duals and by the infeasibility diagnosis:

- unit spending of a delivery: cost = p[o]·x[o,t], paid in the delivery year;
  its local part: local = λ[o]·p[o]·x[o,t] (localization counts unit spending
  only);
- fixed cost F[o] of a start, paid in the start year;
- activation cost G[s] of every supplier with a started option, paid in the
  first year of the horizon;
- exposure rate e[o] = Σ_{c≠h} ρ[c]·σ[o,c]: the risk-weighted foreign share of
  each currency unit spent on option o (exposure = Σ e[o]·p[o]·x[o,t] / Σ_t B[t]).
"""

from __future__ import annotations

import pandas as pd


def unit_spend(options: pd.DataFrame, deliveries: pd.DataFrame) -> pd.DataFrame:
    """``deliveries`` (option_id, year, units, ...) with ``cost`` = p·units and ``local``
    = λ·p·units; ``options`` is indexed by option_id (unit_cost, local_content)."""
    o = options.reindex(deliveries["option_id"])
    cost = deliveries["units"].to_numpy(float) * o["unit_cost"].to_numpy(float)
    return deliveries.assign(cost=cost, local=cost * o["local_content"].to_numpy(float))


def unit_spend_by_year(options: pd.DataFrame, deliveries: pd.DataFrame) -> pd.DataFrame:
    """Unit spending and its local part per delivery year (index year; cost, local)."""
    spent = unit_spend(options, deliveries)
    return spent.groupby("year")[["cost", "local"]].sum()


def local_share(options: pd.DataFrame, deliveries: pd.DataFrame) -> float | None:
    """Local share of the unit spending of ``deliveries``; None when nothing is spent."""
    spent = unit_spend(options, deliveries)
    total = float(spent["cost"].sum())
    return float(spent["local"].sum()) / total if total > 0 else None


def start_spend(options: pd.DataFrame, starts: pd.DataFrame) -> pd.Series:
    """Fixed cost F[o] of each start (aligned with ``starts``, option_id column)."""
    return starts["option_id"].map(options["fixed_cost"]).astype(float)


def activation_spend(suppliers: pd.DataFrame, engaged: list[str] | pd.Index
                     ) -> pd.Series:
    """Activation cost G[s] > 0 of the ``engaged`` suppliers (``suppliers`` indexed by
    supplier_id): supplier_id -> amount."""
    g = suppliers.loc[list(engaged), "activation_cost"].astype(float)
    return g[g > 0]


def exposure_rate(origin: pd.DataFrame, countries: pd.DataFrame, home: str) -> pd.Series:
    """e[o] = Σ_{c≠h} ρ[c]·σ[o,c] per option (``origin``: option_id, country_id, share;
    ``countries`` indexed by country_id with risk_score)."""
    foreign = origin[origin["country_id"] != home]
    risk = foreign["country_id"].map(countries["risk_score"]).astype(float)
    return (foreign["share"] * risk).groupby(foreign["option_id"], sort=False).sum()
