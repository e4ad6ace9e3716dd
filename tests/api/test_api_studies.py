"""``sovopt.frontier`` / ``sweep`` / ``robust`` on the hand-worked two-capability case
(tests/study_cases.py): the tidy points, the runs, the store group and each plot.

Frontier (exposure against cost): spend 20 at exposure 0.10, R1 moves home at 5 per
point down to 0.02 at 60 (the knee), then R2 at 20 per point down to 0 at 100; three
points: 0.10 / 20, 0.05 / 45 (20 + 5 x 5), 0 / 100.
Sweep (exposure first, then cost) at budgets 50, 75, 100: exposure 0.08, 6.25 x 0.2 / 75,
0; spend is the whole budget each time.
Robust (min_cost): the foreign options (cost 1, at most 1.1 perturbed) always beat the
home ones (cost 5, at least 4.5): F1, F2 core (1.0), D1, D2 exterior (0.0).
"""

from __future__ import annotations

import pytest

import sovopt
from tests.study_cases import two_capability_case, write_preset

pytest.importorskip("matplotlib", reason="the plot extra is part of the test extra")


def test_frontier_points_runs_group_and_plot(tmp_path):
    store = sovopt.open_store(tmp_path / "store")
    fr = sovopt.frontier(two_capability_case(), points=3, measure="exposure", store=store)
    assert isinstance(fr, sovopt.FrontierResult)
    assert fr.status == "complete"
    assert fr.points["measure"].tolist() == pytest.approx([0.10, 0.05, 0.0], abs=1e-9)
    assert fr.points["cost"].tolist() == pytest.approx([20.0, 45.0, 100.0], rel=1e-9)
    assert fr.knee is not None and fr.knee["point"] == 1
    assert fr.frontier_status == "optimal"  # an LP: both ends proven
    assert fr.points["cost_bound"].tolist() == pytest.approx([20.0, 45.0, 100.0], rel=1e-6)
    assert sorted(fr.runs) == [0, 1, 2]
    assert fr.runs[2].summary["total_cost"] == pytest.approx(100.0)
    stored = store.runs(group=fr.group)
    assert stored["point"].tolist() == [0, 1, 2]
    assert stored["run_id"].tolist() == fr.points["run_id"].tolist()
    assert fr.runs[0].run_id == fr.points["run_id"].iloc[0]
    ax = fr.plot().axes[0]
    assert ax.get_xlabel() == "Risk-weighted foreign exposure (share of budget)"
    assert list(ax.lines[0].get_ydata()) == pytest.approx([20.0, 45.0, 100.0])


def test_sweep_points_and_plot(tmp_path):
    preset = write_preset(tmp_path)
    sw = sovopt.sweep(two_capability_case(), {"budget": [0.5, 0.75, 1.0]},
                      objective=str(preset), workers=1)
    assert sw.store is None  # a temporary store: the Results hold their reports
    # the case as given (budget x 1.0) is a grid point, so it is solved once, as point 2
    assert sw.points["point"].tolist() == [0, 1, 2]
    assert sw.points["budget (×)"].tolist() == [0.5, 0.75, 1.0]
    assert sw.points["exposure"].tolist() == pytest.approx(
        [0.08, 6.25 * 0.2 / 75, 0.0], abs=1e-7)
    assert sw.points["total_cost"].tolist() == pytest.approx([50, 75, 100], rel=1e-6)
    assert sw.runs[0].run_id is None and sw.runs[0].summary["budget_total"] == 50.0
    ax = sw.plot("exposure").axes[0]
    assert ax.get_xlabel() == "budget (×)"
    assert list(ax.lines[0].get_xdata()) == [0.5, 0.75, 1.0]
    assert list(ax.lines[0].get_ydata()) == pytest.approx([0.08, 6.25 * 0.2 / 75, 0.0],
                                                          abs=1e-7)


def test_robust_core_and_plot():
    rb = sovopt.robust(two_capability_case(), samples=3, seed=7, workers=1)
    core = rb.core.set_index("option_id")
    assert core["core_index"].to_dict() == {"F1": 1.0, "F2": 1.0, "D1": 0.0, "D2": 0.0}
    assert core["class"].to_dict() == {"F1": "core", "F2": "core", "D1": "exterior",
                                       "D2": "exterior"}
    assert len(rb.points) == 3 and set(rb.points["status"]) == {"optimal"}
    ax = rb.plot().axes[0]
    widths = dict(zip([t.get_text() for t in ax.get_yticklabels()],
                      [p.get_width() for p in ax.containers[0].patches], strict=True))
    assert widths == {"D1": 0.0, "D2": 0.0, "F1": 1.0, "F2": 1.0}


def test_study_arguments_are_checked():
    with pytest.raises(sovopt.SovoptError, match="--measure"):
        sovopt.frontier(two_capability_case(), measure="nonsense")
    for vary in ({"nonsense": [1.0]}, ["nonsense=1"]):  # a mapping, or --vary texts
        with pytest.raises(sovopt.SovoptError, match="no sheet has a numeric column"):
            sovopt.sweep(two_capability_case(), vary)
    with pytest.raises(sovopt.SovoptError, match="Scenarios has no row 'X'"):
        sovopt.sweep(two_capability_case(), {"scenario:X.loss": "0:1:3"})
