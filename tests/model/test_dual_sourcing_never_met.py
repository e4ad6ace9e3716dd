"""One dual-sourcing rule: a capability whose second supplier can never deliver its
share is single source throughout, not infeasible, and is named as a warning.

Capability R, min_suppliers 2, min_supplier_share 0.1, demand 10 a year in 2027 and
2028 (fractional units). SA (ally) offers R at 1 a unit without limit; SB's only
option is either too late (lead time 5 years: it can never deliver within the
horizon) or too small (at most 0.5 units a year, under the 0.1·10 = 1 unit a
supplier must deliver to count). By hand: no year has two suppliers able to deliver
their share, so the rule holds in no year; the least-cost plan buys 10 units of SA
each year for 10 + 10 = 20, proven optimal, breaking no limit. Before, the first
variant was declared infeasible ("only 1 supplier(s) have usable options").
"""

from __future__ import annotations

import json

import pytest

from sovopt.cli import main
from sovopt.diagnose import precheck
from sovopt.metrics import evaluate
from sovopt.prepare import prepare
from sovopt.solver import solve_case
from sovopt.sourcing import never_met
from sovopt.workbook.case_reader import read_case
from sovopt.workbook.write_case import write_case_workbook
from tests.model_cases import make_case, option


def _case(second: dict):
    capabilities = [{"capability_id": "R", "name": "capability R", "integer_units": False,
                     "min_suppliers": 2, "min_supplier_share": 0.1}]
    return make_case([option("A1", "SA", 1.0), option("B1", "SB", 2.0, **second)],
                     years=(2027, 2028), demand={"R": 10.0}, capabilities=capabilities,
                     budget=100.0, objective="min_cost", mip_gap=0.0, time_limit_s=20.0)


SECOND = {"too late": {"lead_time_years": 5}, "too small": {"max_qty_per_year": 0.5}}


@pytest.mark.parametrize("why", SECOND)
def test_a_capability_no_year_can_dual_source_is_single_source_throughout(why):
    case = _case(SECOND[why])
    d = prepare(case)
    assert [r.family for r in precheck(d)] == []
    src = d.sourcing.set_index("year")
    assert src["binding"].tolist() == [False, False] and src["able"].tolist() == [1, 1]
    never = never_met(d)
    assert never["capability_id"].tolist() == ["R"] and never["need"].tolist() == [2]
    cell = never["cell"].iloc[0]
    assert cell.startswith("Capabilities")  # a case built in memory has no row numbers
    result = solve_case(case, "min_cost", 20.0, 0.0)
    assert result.status == "optimal"
    metrics = evaluate(d, result.portfolio)
    assert metrics.kpis["total_cost"] == pytest.approx(20.0, abs=1e-6)
    assert metrics.violations == []
    delivered = result.portfolio.deliveries.groupby("option_id")["units"].sum().to_dict()
    assert delivered == pytest.approx({"A1": 20.0})


def test_validate_the_diagnostics_and_in_short_name_the_cell(tmp_path, capsys,
                                                            isolated_run_store):
    path = write_case_workbook(tmp_path / "never.xlsx", _case(SECOND["too late"]))
    cell = never_met(prepare(read_case(path)[0]))["cell"].iloc[0]
    with pytest.raises(SystemExit) as exit_:
        main(["validate", str(path), "--json"])
    out = capsys.readouterr()
    assert exit_.value.code == 0, out.err
    warnings = json.loads(out.out)["warnings"]
    said = [w for w in warnings if "cannot be met in any year" in w["message"]]
    assert cell.startswith("Capabilities!")
    assert len(said) == 1 and f"{said[0]['sheet']}!{said[0]['cell']}" == cell
    assert "single source throughout" in said[0]["message"]
    with pytest.raises(SystemExit) as exit_:
        main(["solve", str(path), "--objective", "min_cost", "--json"])
    out = capsys.readouterr()
    assert exit_.value.code == 0, out.err
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "never.results.xlsx")
    texts = [str(c.value) for row in wb["Summary"].iter_rows() for c in row if c.value]
    said = [t for t in texts if "cannot be met in any year" in t]  # the "In short" lines
    assert len(said) == 1 and cell in said[0] and said[0].lstrip("• ").startswith("Warning")
    diag = [[c.value for c in row] for row in wb["Diagnostics"].iter_rows()]
    hits = [r for r in diag if any("cannot be met in any year" in str(v) for v in r)]
    assert len(hits) == 1 and "warning" in hits[0]
    assert not any("single source by necessity (min_suppliers is kept in the other years)"
                   in str(v) for r in diag for v in r)
