"""Each picture of :mod:`sovopt.plots` drawn from a small case whose numbers are known.

The run pictures are drawn from the stress test of the metrics hand case
(:func:`tests.builders.hand_case` with :func:`tests.builders.hand_portfolio`),
worked by hand:

- spend by value origin, 2027: R-BUY-A 6 x 1 = 6 to Ally; R-LIC-B 4 x 2 + 5 fixed
  = 13 split by its origin (Home 0.5, Ally 0.2, Partner 0.3) = 6.5 / 2.6 / 3.9;
  Partner yard's activation 1; Q-DOM 4 x 3 = 12 split Home 0.75 / Partner 0.25 =
  9 / 3. So Home 15.5, Ally 8.6, Partner 7.9 (total 32 of a budget of 35);
  2028 (no fixed or activation cost): Home 6 + 9 = 15, Ally 4 + 2.4 = 6.4,
  Partner 3.6 + 3 = 6.6 (total 28 of 30);
- shares over the horizon: rounds Ally (10 + 0.2 x 10) / 20 = 0.6, Home 0.25,
  Partner 0.15; radios Home 0.75, Partner 0.25;
- scenario loss (criticality-weighted, criticality rounds 2, radios 1, total 3):
  S1 embargo A loses all 20 rounds: 2/3; S3 loses 0.4 of 2027's 10 Ally-origin
  rounds... its loss 4 / 20 x 2/3 = 0.1333; S2 half of Partner in 2028: rounds
  0.5 x 0.3 x 6 = 0.9 units (0.045 x 2/3 = 0.03), radios 0.5 x 0.25 x 4 = 0.5
  units (0.0625 x 1/3 = 0.0208).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib", reason="the plot extra is part of the test extra")

from sovopt import plots  # noqa: E402
from sovopt.pipeline import stress_and_report  # noqa: E402
from sovopt.portfolio import Portfolio  # noqa: E402
from tests.builders import hand_case, hand_portfolio  # noqa: E402
from tests.model_cases import make_case, option, scenario  # noqa: E402


@pytest.fixture(scope="module")
def report():
    return stress_and_report(hand_case(), hand_portfolio()).report


def test_spend_stacks_origin_by_year_against_the_budget(report):
    fig = plots.spend(report)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Year"
    assert ax.get_ylabel() == "Amount (EUR m)"
    heights = {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}
    assert set(heights) == {"Home", "Ally", "Partner"}  # names, not ids
    assert heights["Home"] == pytest.approx([15.5, 15.0])
    assert heights["Ally"] == pytest.approx([8.6, 6.4])
    assert heights["Partner"] == pytest.approx([7.9, 6.6])
    # stacked: the top of each year's last bar is the year's spending
    last = ax.containers[-1].patches
    assert [p.get_y() + p.get_height() for p in last] == pytest.approx([32.0, 28.0])
    budget = [ln for ln in ax.lines if ln.get_label() == "Budget"]
    assert len(budget) == 1
    # a step across each year's bar: 2027 from 2026.5 to 2027.5, 2028 to 2028.5
    assert list(budget[0].get_xdata()) == [2026.5, 2027.5, 2028.5]
    assert list(budget[0].get_ydata()) == pytest.approx([35.0, 30.0, 30.0])
    assert ax.get_legend().get_title().get_text() == "Country of origin"


def test_dependence_heat_map_of_shares_with_names(report):
    fig = plots.dependence(report)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Country of origin"
    assert ax.get_ylabel() == "Capability"
    cols = [t.get_text() for t in ax.get_xticklabels()]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(cols) == ["Ally", "Home", "Partner"]
    assert sorted(rows) == ["radios", "rounds"]
    grid = pd.DataFrame(ax.images[0].get_array(), index=rows, columns=cols)
    assert grid.loc["rounds", "Ally"] == pytest.approx(0.6)
    assert grid.loc["rounds", "Home"] == pytest.approx(0.25)
    assert grid.loc["rounds", "Partner"] == pytest.approx(0.15)
    assert grid.loc["radios", "Home"] == pytest.approx(0.75)
    assert grid.loc["radios", "Partner"] == pytest.approx(0.25)
    assert grid.loc["radios", "Ally"] == 0.0
    assert fig.axes[1].get_ylabel() == "Share (share of units)"  # the colour bar


def test_scenarios_loss_per_scenario_stacked_by_capability(report):
    fig = plots.scenarios(report)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Weighted loss (weighted share of demand)"
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["half of B", "A partial", "embargo A"]  # least loss first, worst on top
    widths = {c.get_label(): [p.get_width() for p in c.patches] for c in ax.containers}
    assert widths["rounds"] == pytest.approx([0.03, 4 / 20 * 2 / 3, 2 / 3])
    assert widths["radios"] == pytest.approx([0.0625 / 3, 0.0, 0.0])
    totals = np.sum([widths["rounds"], widths["radios"]], axis=0)
    assert totals == pytest.approx([0.03 + 0.0625 / 3, 0.4 / 3, 2 / 3])


def test_fleet_lines_and_no_fleet_is_said():
    """Fleet F: 10 units delivered in 2027 with a 5-year life; 10 required each year."""
    caps = [{"capability_id": "R", "name": "fleet R", "requirement": "fleet"}]
    case = make_case([option("F", "SA", 10.0, service_life_years=5, support_cost=1.0,
                             support_country_id="P")],
                     years=(2027, 2028, 2029), demand={"R": 10.0}, capabilities=caps,
                     budget=1000.0, scenarios=[scenario("E", "P", 1.0, 1.0, 2029, 2029)])
    pf = Portfolio(starts=pd.DataFrame({"option_id": ["F"], "start_year": [2027]}),
                   deliveries=pd.DataFrame({"option_id": ["F"], "year": [2027],
                                            "units": [10.0]}))
    rep = stress_and_report(case, pf).report
    fig = plots.fleet(rep)
    ax = fig.axes[0]
    assert ax.get_title() == "fleet R"
    assert ax.get_xlabel() == "Year" and ax.get_ylabel() == "Units"
    lines = {ln.get_label(): ln for ln in ax.lines}
    assert list(lines["Required"].get_ydata()) == [10.0, 10.0, 10.0]
    assert list(lines["In service"].get_ydata()) == [10.0, 10.0, 10.0]
    assert list(lines["In service"].get_xdata()) == [2027, 2028, 2029]
    worst = rep.tables["fleet"].sort_values("year")["worst_available"].astype(float)
    assert list(lines["Available (worst scenario)"].get_ydata()) == worst.tolist()
    with pytest.raises(plots.NothingToPlot, match="no fleet"):
        plots.fleet(stress_and_report(hand_case(), hand_portfolio()).report)


FRONTIER = pd.DataFrame({"point": [0, 1, 2, 3], "role": ["least cost", "level 1", "level 2",
                                                         "least exposure"],
                         "measure": [0.10, 0.06, 0.02, 0.0], "cost": [20.0, 40.0, 60.0, 100.0],
                         "gap": [0.0, 0.05, 0.0, np.nan],
                         "knee": ["", "", "knee", ""], "status": ["optimal"] * 4})


def test_frontier_cost_against_measure_knee_and_band():
    fig = plots.frontier(FRONTIER, "exposure", currency="EUR")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Risk-weighted foreign exposure (share of budget)"
    assert ax.get_ylabel() == "Total cost (EUR)"
    line = ax.lines[0]
    assert list(line.get_xdata()) == [0.10, 0.06, 0.02, 0.0]
    assert list(line.get_ydata()) == [20.0, 40.0, 60.0, 100.0]
    knee = [c for c in ax.collections if c.get_label() == "Knee"][0]
    assert knee.get_offsets().tolist() == [[0.02, 60.0]]
    band = [c for c in ax.containers if c.get_label() == "Proven band (gap)"][0]
    segments = band.lines[2][0].get_segments()
    # point 1: cost 40 with a 5 % gap -> proven no plan at that level below 38
    assert segments[1].ravel().tolist() == pytest.approx([0.06, 38.0, 0.06, 40.0])
    assert segments[0].ravel().tolist() == pytest.approx([0.10, 20.0, 0.10, 20.0])


def test_frontier_band_from_the_proven_cost_bound():
    """With the table's cost_bound (the lowest cost proven at the point's bound) the band
    runs from it, not from the gap; a blank bound falls back to cost x (1 - gap)."""
    pts = FRONTIER.assign(cost_bound=[19.0, np.nan, 55.0, 100.0])
    ax = plots.frontier(pts, "exposure").axes[0]
    band = [c for c in ax.containers if c.get_label() == "Proven band (gap)"][0]
    lows = [seg[0][1] for seg in band.lines[2][0].get_segments()]
    assert lows == pytest.approx([19.0, 38.0, 55.0, 100.0])


def test_frontier_reads_its_measure_from_the_table():
    pts = FRONTIER.copy()
    pts.attrs["measure"] = "cvar"
    assert plots.frontier(pts).axes[0].get_xlabel() == \
        "Tail loss (CVaR) (weighted share of demand)"


def test_robust_core_index_per_option():
    core = pd.DataFrame({"option_id": ["A", "B", "C"], "core_index": [1.0, 0.5, 0.0],
                         "class": ["core", "borderline", "exterior"]})
    fig = plots.robust(core)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Core index (share of samples)"
    assert ax.get_ylabel() == "Option"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["C", "B", "A"]
    assert [p.get_width() for p in ax.containers[0].patches] == [0.0, 0.5, 1.0]
    colours = [p.get_facecolor() for p in ax.containers[0].patches]
    assert len({tuple(c) for c in colours}) == 3  # one colour per class
    assert sorted(ln.get_xdata()[0] for ln in ax.lines) == [0.1, 0.9]


def test_sweep_one_and_two_inputs():
    one = pd.DataFrame({"point": [0, 1, 2, 3], "budget (×)": [1.0, 0.8, 1.0, 1.2],
                        "status": ["optimal"] * 4, "cvar": [0.2, 0.3, 0.2, 0.1],
                        "run_id": list("abcd")})
    ax = plots.sweep(one, "cvar").axes[0]
    assert ax.get_xlabel() == "budget (×)"
    assert ax.get_ylabel() == "Tail loss (CVaR) (weighted share of demand)"
    assert list(ax.lines[0].get_xdata()) == [0.8, 1.0, 1.2]  # the base point is 1.0 too
    assert list(ax.lines[0].get_ydata()) == [0.3, 0.2, 0.1]
    two = pd.DataFrame({"point": [1, 2, 3, 4], "budget (×)": [0.8, 1.2, 0.8, 1.2],
                        "scenario:E.loss": [0.5, 0.5, 1.0, 1.0], "status": ["optimal"] * 4,
                        "total_cost": [1.0, 2.0, 3.0, 4.0]})
    ax = plots.sweep(two, "total_cost", currency="EUR").axes[0]
    assert ax.get_ylabel() == "Total cost (EUR)"
    assert [ln.get_label() for ln in ax.lines] == ["scenario:E.loss = 0.5",
                                                   "scenario:E.loss = 1"]
    assert list(ax.lines[1].get_ydata()) == [3.0, 4.0]
    with pytest.raises(plots.NothingToPlot, match="no column"):
        plots.sweep(two, "hhi_max")


def test_empty_tables_say_so():
    from sovopt.report import Report

    with pytest.raises(plots.NothingToPlot, match="spending"):
        plots.spend(Report(summary={}, tables={}))
    with pytest.raises(plots.NothingToPlot, match="blank"):
        plots.robust(pd.DataFrame({"option_id": ["A"], "core_index": [None]}))


def test_figures_save_as_png_and_leave_pyplot_alone(report, tmp_path):
    fig = plots.spend(report)
    path = tmp_path / "spend.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    # no pyplot: no figure registry to leak into, no backend chosen or switched
    code = ("import sys; from sovopt import plots; import pandas as pd; "
            "plots.robust(pd.DataFrame({'option_id': ['A'], 'core_index': [1.0]}))"
            ".savefig(sys.argv[1]); print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r.png")],
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]
    assert (tmp_path / "r.png").stat().st_size > 1000


def test_a_stored_run_draws_the_same_pictures(report, tmp_path):
    """The run store keeps the tables and names a picture needs: read back, the same data."""
    import sovopt

    stored = sovopt.stress(hand_case(), hand_portfolio(), store=tmp_path / "store")
    back = sovopt.open_store(tmp_path / "store").result(stored.run_id).report
    for draw in (plots.spend, plots.dependence, plots.scenarios):
        fresh_ax, back_ax = draw(report).axes[0], draw(back).axes[0]
        assert [t.get_text() for t in back_ax.get_xticklabels()] == \
            [t.get_text() for t in fresh_ax.get_xticklabels()]
        assert [t.get_text() for t in back_ax.get_yticklabels()] == \
            [t.get_text() for t in fresh_ax.get_yticklabels()]
        fresh = [(c.get_label(), [p.get_height() * p.get_width() for p in c.patches])
                 for c in fresh_ax.containers]
        again = [(c.get_label(), [p.get_height() * p.get_width() for p in c.patches])
                 for c in back_ax.containers]
        assert again == fresh
        if fresh_ax.images:
            assert (back_ax.images[0].get_array() == fresh_ax.images[0].get_array()).all()


def test_a_plan_with_no_fleet_in_service_is_evaluated():
    """Nothing bought for fleet R (10 required a year): 0 in service and 0 available in
    every year; the stress test names the broken requirement instead of failing."""
    caps = [{"capability_id": "R", "name": "fleet R", "requirement": "fleet"}]
    case = make_case([option("F", "SA", 10.0, service_life_years=5, support_cost=1.0,
                             support_country_id="P")],
                     years=(2027, 2028), demand={"R": 10.0}, capabilities=caps,
                     budget=1000.0, scenarios=[scenario("E", "P", 1.0, 1.0, 2028, 2028)])
    rep = stress_and_report(case, Portfolio.empty()).report
    fleet = rep.tables["fleet"]
    assert fleet[["year", "required", "in_service", "worst_available", "availability"]] \
        .values.tolist() == [[2027, 10.0, 0.0, 0.0, 0.0], [2028, 10.0, 0.0, 0.0, 0.0]]
    assert rep.summary["status"] == "violated"
    lines = {ln.get_label(): ln for ln in plots.fleet(rep).axes[0].lines}
    assert list(lines["In service"].get_ydata()) == [0.0, 0.0]
