"""``sovopt frontier``: the hand-worked cost–exposure frontier, point by point, with its knee.

The case and its frontier are worked in tests/study_cases.py: spend 20 at exposure
0.10 (everything abroad); R1 moves home first at 500 per unit of exposure (5 per
point), down to exposure 0.02 at spend 60; then R2 at 2000 per unit (20 per
point) down to exposure 0 at spend 100. Six evenly spaced levels hit
0.10, 0.08, ..., 0.02, 0; the slope changes only at 0.02: the knee.
"""

from __future__ import annotations

import json

import openpyxl
import pytest

from sovopt.cli import main
from sovopt.runs import RunStore
from sovopt.studies.frontier import FrontierSpec, frontier_points, frontier_table, knee
from tests.study_cases import FRONTIER_6, two_capability_case, write_two_capability_case


def test_two_capability_frontier_point_by_point():
    points = frontier_points(two_capability_case(), FrontierSpec("exposure", 6))
    table = frontier_table(points, {})
    expected = sorted(FRONTIER_6, reverse=True)  # least cost first
    assert table["measure"].tolist() == pytest.approx([m for m, _ in expected], abs=1e-9)
    assert table["cost"].tolist() == pytest.approx([c for _, c in expected], rel=1e-9)
    assert table["measure_level"].tolist()[1:-1] == pytest.approx([0.08, 0.06, 0.04, 0.02])
    # 10 spent per 2 points of exposure on R1, then 40 per 2 points on R2
    assert table["cost_per_point"].tolist()[1:] == pytest.approx([5, 5, 5, 5, 20])
    assert table["knee"].tolist() == ["", "", "", "", "knee", ""]
    # D1 enters at the first level bought, F1 leaves at the knee, then D2 replaces F2
    assert table["enters"].tolist() == ["", "D1", "", "", "", "D2"]
    assert table["leaves"].tolist() == ["", "", "", "", "F1", "F2"]
    assert set(table["status"]) == {"optimal"}
    for p in points:  # every point's portfolio kept every limit of the case
        assert p.extra["violations"] == 0


def test_knee_is_the_largest_change_of_slope():
    """Slopes −2000 then −500 (cost per unit of measure): the change is at 0.02;
    a straight line has no knee. Example-like step: slopes (4761−4725)/(0.0738−0.094)
    = −1782 and (4802−4761)/(0.0636−0.0738) = −4020: the knee is the 0.0738 plan."""
    assert knee([0.0, 0.02, 0.04, 0.10], [100, 60, 50, 20]) == 1
    assert knee([0.0, 0.5, 1.0], [2, 1, 0]) is None
    # two levels that found the same plan (a MIP frontier's step) count once
    assert knee([0.094, 0.0738, 0.0738, 0.0636], [4725, 4761, 4761, 4802]) in (1, 2)


def test_frontier_command_records_a_group_and_writes_the_chart(tmp_path, capsys,
                                                               isolated_run_store):
    case_path = write_two_capability_case(tmp_path)
    out = tmp_path / "frontier.xlsx"
    with pytest.raises(SystemExit) as exit_:
        main(["frontier", str(case_path), "--points", "3", "--measure", "exposure",
              "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert exit_.value.code == 0, captured.err
    doc = json.loads(captured.out)
    # 3 levels: 0.10, 0.05, 0: cost 20, 20 + 500·0.05 = 45, 100
    assert [p["cost"] for p in doc["points"]] == pytest.approx([20, 45, 100])
    assert [p["knee"] for p in doc["points"]] == ["", "knee", ""]
    with RunStore(isolated_run_store) as store:
        runs = store.list(group=doc["group"])
        assert runs["point"].tolist() == [0, 1, 2]
        assert runs["total_cost"].tolist() == pytest.approx([20, 45, 100])
        assert store.group_info(doc["group"])["status"] == "complete"
    ws = openpyxl.load_workbook(out)["Frontier"]
    assert len(ws._charts) == 1


def test_a_case_without_the_measure_is_refused(tmp_path, capsys):
    case_path = write_two_capability_case(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["frontier", str(case_path), "--measure", "cvar"])
    assert exit_.value.code == 2
    assert "has no cvar" in capsys.readouterr().err
