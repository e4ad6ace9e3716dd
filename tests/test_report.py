"""report: a Report from a fixed portfolio (stress) and the marginal values, by hand.

The case of tests/test_solve.py: demand 10 of R, budget 100, CHEAP from A at 1.0.
A planner's portfolio of 12 CHEAP units delivers 2 above demand (a surplus: it costs
money but breaks no limit), and A's share of the year's demand is 12 / 10 = 1.2,
above its (ally) max_share 1.0: one broken limit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sovopt.outputs import SUMMARY_KEYS, TABLE_COLUMNS
from sovopt.pipeline import stress_and_report
from sovopt.portfolio import Portfolio
from sovopt.report import STRESS_BROKEN, STRESS_OK, TABLE_NAMES, with_marginal_values
from tests.model_cases import FIRST_YEAR, make_case, option

Y = FIRST_YEAR


def portfolio(units: float) -> Portfolio:
    return Portfolio(starts=pd.DataFrame({"option_id": ["CHEAP"], "start_year": [Y]}),
                     deliveries=pd.DataFrame({"option_id": ["CHEAP"], "year": [Y],
                                              "units": [units]}))


@pytest.fixture(scope="module")
def case():
    return make_case([option("CHEAP", "SA", 1.0), option("DEAR", "SH", 3.0)])


def test_a_stress_report_of_a_plan_that_keeps_every_limit(case):
    report = stress_and_report(case, portfolio(10.0), source="hand").report
    s = report.summary
    assert list(s) == list(SUMMARY_KEYS) and list(report.tables) == list(TABLE_NAMES)
    assert s["status"] == STRESS_OK and s["objective"] == "stress"
    assert s["total_cost"] == 10.0 and s["mip_gap"] is None and s["solve_seconds"] is None
    assert report.run["portfolio_source"] == "hand" and report.run["command"] == "stress"
    for name, cols in TABLE_COLUMNS.items():
        assert list(report.tables[name].columns) == cols, name


def test_a_broken_limit_is_a_violation_row_and_the_status(case):
    report = stress_and_report(case, portfolio(12.0)).report
    assert report.summary["status"] == STRESS_BROKEN
    diag = report.tables["diagnostics"]
    broken = diag.loc[diag["severity"] == "violation", "message"].tolist()
    assert len(broken) == 1 and "1.2 of R" in broken[0] and "above its limit 1" in broken[0]
    surplus = diag.loc[diag["severity"] == "surplus", "message"].tolist()
    assert len(surplus) == 1 and "2 more than the demand 10" in surplus[0]


def test_marginal_values_join_by_constraint_and_year():
    constraints = pd.DataFrame({"constraint": ["budget", "budget", "localization"],
                                "year": [Y, Y + 1, Y], "used": [1.0, 2.0, 0.5],
                                "limit": [3.0, 3.0, 0.2], "slack": [2.0, 1.0, 0.3],
                                "marginal_value": np.nan})
    duals = pd.DataFrame({"constraint": ["budget"], "year": [Y], "marginal_value": [-0.0]})
    out = with_marginal_values(constraints, duals)
    assert out["marginal_value"].iloc[0] == 0.0 and not np.signbit(out["marginal_value"].iloc[0])
    assert out["marginal_value"].iloc[1:].isna().all()
