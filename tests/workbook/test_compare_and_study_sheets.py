"""The compare and sweep workbooks as people read and print them, and a stress test's
status in words: differences from the base run, distinguishable series, axis formats,
labels, PDF pages at a legible size."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from sovopt.comparison import compare
from sovopt.metrics import evaluate
from sovopt.report import report_from_stress
from sovopt.solver import solve_case
from sovopt.workbook.compare_sheets import write_comparison
from sovopt.workbook.print_setup import MIN_SCALE
from sovopt.workbook.study_sheets import (
    frontier_sheet,
    new_workbook,
    sweep_sheet,
    write_study_workbook,
)
from sovopt.workbook.table_writer import PALETTE
from tests.builders import (
    Y1,
    Y2,
    base_and_other,
    comparison_case_bytes,
    hand_case,
)
from tests.libreoffice import (
    FULL_SIZE_HEIGHT,
    convert_to_pdf,
    needs_libreoffice,
    page_word_heights,
    reading_order_text,
)


def _comparison(tmp_path: Path) -> Path:
    base, other = base_and_other()
    c = compare([base, other], [comparison_case_bytes(), comparison_case_bytes(budget_2028=650.0)])
    return write_comparison(c, tmp_path / "cmp.xlsx")


def _chart_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return [zf.read(n).decode() for n in sorted(zf.namelist())
                if n.startswith("xl/charts/chart")]


def test_compare_chart_shows_each_kpi_as_its_difference_from_the_base(tmp_path):
    """base_and_other: total cost 240 -> 310, so the chart's bar is +70/240 = 29.2 %."""
    path = _comparison(tmp_path)
    ws = load_workbook(path)["KPIs"]
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Chart data"))
    data = {r[0]: r[1] for r in rows[top + 2:] if r[0] and not str(r[0]).startswith("Note")}
    assert data["Total cost"] == pytest.approx(70.0 / 240.0, abs=1e-9)
    assert "Total budget" in data and all(v != 0 for v in data.values())
    xml = _chart_xml(path)[0]
    assert "Difference from the base run" in xml and "largest = 100" not in xml
    assert 'formatCode="0%"' in xml
    opts = load_workbook(path)["Options"]
    heads = [c.value for c in opts[1]]
    assert "Cost Δ vs base" in heads and "Change vs base" in heads


def _sweep_table() -> pd.DataFrame:
    """A sweep of budget (×) over three points, KPIs as a solve would report them."""
    return pd.DataFrame({
        "point": [0, 1, 2], "budget (×)": [1.0, 0.94, 1.06],
        "status": ["optimal"] * 3, "total_cost": [100.0, 96.5, 101.25],
        "local_share": [0.4, 0.38, 0.41], "exposure": [0.1, 0.12, 0.09],
        "hhi_mean": [0.3, 0.32, 0.29], "expected_shortfall": [0.05, 0.06, 0.04],
        "worst_case_shortfall": [0.1, 0.12, 0.08], "cvar": [0.1, 0.12, 0.08],
        "unmet_units": [0.0, 0.0, 0.0], "mip_gap": [0.0, 0.0, 0.0],
        "run_id": ["r0", "r1", "r2"]})


def test_sweep_chart_series_are_distinct_joined_and_the_axis_reads_as_typed(tmp_path):
    wb = new_workbook()
    sweep_sheet(wb, _sweep_table(), ["budget (×)"], ["Sweep of budget"], "EUR m")
    path = write_study_workbook(wb, tmp_path / "sweep.xlsx")
    xml = _chart_xml(path)[0]
    colours = [c for c in PALETTE if f'val="{c}"' in xml]
    assert len(colours) >= 6  # five share measures and the cost: each its own colour
    assert 'formatCode="#,##0.00"' in xml  # 0.94, not 0.940000
    assert xml.count("Dependence measures (left) and total cost (right)") == 1
    assert 'scatterStyle val="lineMarker"' in xml


def test_stress_status_detail_names_each_broken_limit_and_how_far():
    """The hand case's optimum with 3 units of its first delivery cut: the demand of
    that capability and year is 3 units short, and status_detail says so."""
    case = hand_case(budget=[{"year": Y1, "budget": 60.0}, {"year": Y2, "budget": 60.0}])
    result = solve_case(case, "min_cost")
    cut = result.portfolio.deliveries.copy()
    first = cut.index[cut["units"] >= 3][0]
    cut.loc[first, "units"] -= 3
    plan = dataclasses.replace(result.portfolio, deliveries=cut)
    metrics = evaluate(result.data, plan)
    report = report_from_stress(metrics, result.data)
    detail = report.summary["status_detail"]
    assert report.summary["status"] == "violated"
    assert detail.startswith(f"The portfolio breaks {len(metrics.violations)} limit")
    assert metrics.violations[0] in detail and "(off by 3)" in detail
    ok = report_from_stress(evaluate(result.data, result.portfolio), result.data)
    assert ok.summary["status_detail"].startswith("The portfolio keeps every limit")


def _frontier_table() -> pd.DataFrame:
    """Three points of a cost-CVaR frontier, the middle one the knee."""
    return pd.DataFrame({
        "point": [1, 2, 3], "role": ["least cost", "level 1", "least cvar"],
        "measure_level": [None, 0.08, None], "measure": [0.12, 0.08, 0.05],
        "cost": [100.0, 104.0, 130.0], "cost_per_point": [None, 1.0, 10.0],
        "gap": [0.0, 0.0, 0.0], "status": ["optimal"] * 3, "knee": ["", "yes", ""],
        "knee_cost": [None, 104.0, None], "enters": ["", "LIC-A", "DOM-B"],
        "leaves": ["", "BUY-A", ""], "run_id": ["r1", "r2", "r3"]})


@needs_libreoffice
@pytest.mark.libreoffice
def test_compare_sweep_and_frontier_workbooks_print_legibly(tmp_path):
    wb = new_workbook()
    sweep_sheet(wb, _sweep_table(), ["budget (×)"], ["Sweep of budget"], "EUR m")
    sweep = write_study_workbook(wb, tmp_path / "sweep.xlsx")
    wb = new_workbook()
    frontier_sheet(wb, _frontier_table(), "cvar", ["Frontier of cvar"], "EUR m")
    frontier = write_study_workbook(wb, tmp_path / "frontier.xlsx")
    for path, words in ((_comparison(tmp_path), ("Total cost", "Cost Δ vs base")),
                        (sweep, ("Total cost", "Sweep of budget")),
                        (frontier, ("Cost per point bought", "Frontier of cvar"))):
        pdf = convert_to_pdf(path, tmp_path / f"pdf-{path.stem}")
        text = " ".join(reading_order_text(pdf).split())
        for word in words:
            assert word in text, (path.name, word)
        heights = page_word_heights(pdf)
        assert heights and min(heights) >= FULL_SIZE_HEIGHT * MIN_SCALE / 100 * 0.95, \
            (path.name, heights)
