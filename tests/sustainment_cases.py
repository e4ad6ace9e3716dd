"""Shared builders of the fleet, repair-line and stock tests (the sustainment families)."""

from __future__ import annotations

import pandas as pd

from sovopt.case import Case
from tests.model_cases import preset

#: CVaR of scenario loss first, then cost.
RISK_THEN_COST = preset([{"cvar": 1.0}, {"cost": 1.0}])


def with_repair(case: Case, fixed_cost: float, lead: int = 1, factor: float = 1.0,
                option_id: str = "F") -> Case:
    case.repair = pd.DataFrame([{"repair_id": "RL", "option_id": option_id,
                                 "fixed_cost": fixed_cost, "lead_time_years": lead,
                                 "support_cost_factor": factor, "row": None}])
    return case
