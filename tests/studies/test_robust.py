"""``sovopt robust``: core index 1.0 for an option that wins under every perturbation,
0.0 for one that never does; samples reproducible from their seeds."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pytest

from sovopt.cli import main
from sovopt.errors import InvalidCase
from sovopt.runs import RunStore
from sovopt.studies.robust import RANGES, bounds, check_ranges, perturb, sample_seeds
from tests.model_cases import countries, make_case, option, scenario
from tests.study_cases import write_two_capability_case


def test_dominating_option_is_core_and_dominated_one_exterior(tmp_path, capsys,
                                                              isolated_run_store):
    """min_cost on two_capability_case: F1 and F2 cost 1 (at most 1.1 perturbed),
    D1 and D2 cost 5 (at least 4.5): every sample buys abroad. Core index of F1
    and F2 exactly 1.0, of D1 and D2 exactly 0.0."""
    case_path = write_two_capability_case(tmp_path)
    out = tmp_path / "robust.xlsx"
    with pytest.raises(SystemExit) as exit_:
        main(["robust", str(case_path), "--samples", "4", "--seed", "7", "--workers", "2",
              "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert exit_.value.code == 0, captured.err
    doc = json.loads(captured.out)
    core = {o["option_id"]: (o["core_index"], o["class"]) for o in doc["options"]}
    assert core == {"F1": (1.0, "core"), "F2": (1.0, "core"), "D1": (0.0, "exterior"),
                    "D2": (0.0, "exterior")}
    seeds = [s["seed"] for s in doc["samples"]]
    assert seeds == sample_seeds(7, 4)
    # the costs differ per sample (perturbed), and spend = 10·c(F1) + 10·c(F2)
    costs = [s["total_cost"] for s in doc["samples"]]
    assert len(set(costs)) == 4 and all(18.0 <= c <= 22.0 for c in costs)
    with RunStore(isolated_run_store) as store:
        assert store.list(group=doc["group"])["point"].tolist() == [0, 1, 2, 3]
    assert len(openpyxl.load_workbook(out)["Robust"]._charts) == 1
    # one sample solved again from its seed gives the same cost
    with pytest.raises(SystemExit):
        main(["robust", str(case_path), "--sample-seed", str(seeds[2]), "--json",
              "--workers", "1", "--out", str(tmp_path / "one.xlsx")])
    again = json.loads(capsys.readouterr().out)
    assert again["samples"][0]["total_cost"] == pytest.approx(costs[2], rel=1e-12)


def _case_with_scenarios():
    return make_case([option("F", "SA", 1.0), option("D", "SH", 2.0, cost_low=1.5)],
                     country_rows=countries(risk={"A": 0.5}),
                     scenarios=[scenario("E", "A", 0.8, 0.6), scenario("E", "B", 0.4, 0.6),
                                scenario("Q", "P", 1.0, 0.4)])


def test_perturbation_stays_in_its_ranges_and_follows_its_seed():
    """Defaults: cost ±10 %, risk ±10 %, probability and loss ±25 % capped at 1; D's
    cost_low 1.5 given. One probability per scenario id; E (0.6) and Q (0.4), a
    valid case (1.0 in all), drawn in [0.45, 0.75] and [0.3, 0.5] may add up to more
    than 1 (up to 1.25), and are then scaled to add up to 1."""
    case = _case_with_scenarios()
    low, high = bounds(case, RANGES[0])
    assert low.tolist() == pytest.approx([0.9, 1.5]) and high.tolist() == pytest.approx(
        [1.1, 2.2])
    low, high = bounds(case, RANGES[3])
    assert high.tolist() == pytest.approx([1.0, 0.5, 1.0])  # 0.8·1.25 = 1.0 capped
    for s in sample_seeds(3, 20):
        p = perturb(case, s)
        cost = p.options.set_index("option_id")["unit_cost"]
        assert 0.9 <= cost["F"] <= 1.1 and 1.5 <= cost["D"] <= 2.2
        prob = p.scenarios.groupby("scenario_id")["probability"].agg(["min", "max"])
        assert (prob["min"] == prob["max"]).all()  # one per scenario id
        assert prob["max"].sum() <= 1.0 + 1e-12
        loss = p.scenarios["loss"].to_numpy()
        assert np.all((loss >= [0.6, 0.3, 0.75]) & (loss <= [1.0, 0.5, 1.0]))
        again = perturb(case, s)
        assert again.options.equals(p.options) and again.scenarios.equals(p.scenarios)
    assert case.options["unit_cost"].tolist() == [1.0, 2.0]  # the case is untouched


def test_a_range_that_excludes_its_value_is_refused():
    case = make_case([option("F", "SA", 1.0, cost_low=1.2, cost_high=0.5)])
    with pytest.raises(InvalidCase) as err:
        check_ranges(case)
    text = [str(p) for p in err.value.problems]
    assert any("cost_low 1.2 is above unit_cost 1" in t for t in text)
    assert any("cost_high 0.5 is below unit_cost 1" in t for t in text)
