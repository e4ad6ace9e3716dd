"""The results workbook of a case with a fleet, a repair line, a stock and a co-production
line: Fleet and Stock sheets with their charts, repair rows and the stock plan on the
Portfolio sheet (read back by ``sovopt stress``), the leverage table and sentence."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sovopt.metrics import evaluate
from sovopt.report import report_from_solve
from sovopt.workbook.portfolio_sheet import read_portfolio
from sovopt.workbook.results import RESULT_SHEETS, write_results
from tests.model_cases import make_case, option, scenario, solve
from tests.sustainment_cases import RISK_THEN_COST, with_repair


@pytest.fixture(scope="module")
def solved():
    """Fleet F (10 in service, supported from P, cut in 2029) with repair line RL; stock
    capability M (100 a year, stock_max 100, A cut in 2029); co-production line C with
    partner P (local content 0.5, unit cost 2, offtake 10: leverage 10 a year)."""
    caps = [{"capability_id": "R", "name": "fleet", "requirement": "fleet"},
            {"capability_id": "M", "name": "rounds", "stock_max": 100.0,
             "holding_cost": 0.05},
            {"capability_id": "K", "name": "kits"}]
    case = make_case(
        [option("F", "SA", 10.0, service_life_years=5, support_cost=1.0,
                support_country_id="P"),
         option("O", "SA", 1.0, capability="M"),
         option("C", "SP", 2.0, capability="K", mode="coproduce", local_content=0.5,
                partner_offtake_per_year=10.0)],
        years=(2027, 2028, 2029), demand={"R": 10.0, "M": 100.0, "K": 5.0},
        capabilities=caps, budget=1000.0,
        scenarios=[scenario("E", "P", 1.0, 1.0, 2029, 2029),
                   scenario("E", "A", 1.0, 1.0, 2029, 2029)])
    case = with_repair(case, 30.0)
    result = solve(case, RISK_THEN_COST)
    return case, result


def test_results_show_fleet_stock_repair_and_leverage(solved, tmp_path: Path):
    case, result = solved
    metrics = evaluate(result.data, result.portfolio)
    assert metrics.violations == []
    report = report_from_solve(result, metrics, None)
    path = write_results(report, tmp_path / "r.xlsx", "EUR")
    wb = openpyxl.load_workbook(path)
    names = list(RESULT_SHEETS)
    names[names.index("Dependence") + 1:names.index("Dependence") + 1] = ["Fleet", "Stock"]
    assert wb.sheetnames == names
    assert len(wb["Fleet"]._charts) == 1 and len(wb["Stock"]._charts) == 1
    fleet = pd.read_excel(path, sheet_name="Fleet").set_index("Year")
    assert fleet.loc[2029, "Availability (worst scenario) (share of requirement)"] == 1.0
    stock = pd.read_excel(path, sheet_name="Stock").set_index("Year")
    assert stock["Planned stock (units)"].tolist() == [0, 100, 0]
    summary = "\n".join(str(c.value) for row in wb["Summary"].iter_rows() for c in row
                        if isinstance(c.value, str))
    assert "Repair lines at home: RL (" in summary and "(R), from" in summary
    assert "(P) takes 30.0 EUR of home-made value" in summary  # 0.5·2·10 · 3 years
    dep = wb["Dependence"]
    texts = [c.value for row in dep.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Dependence on and leverage over") for t in texts)
    back = read_portfolio(path, case)
    assert back.repairs.to_dict("records") == result.portfolio.repairs.to_dict("records")
    again = evaluate(result.data, back)
    assert again.kpis == metrics.kpis
