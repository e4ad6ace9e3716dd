"""The benchmark: generated cases are valid, match their size and solve; the driver runs.

Timings are never asserted: they depend on the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import SIZES, case_counts, generate_case, write_case
from sovopt.prepare import prepare
from sovopt.solve import solve_case

REPO = Path(__file__).resolve().parent.parent

#: how far the counts of a generated case may be from its size's spec
TOLERANCE = 0.05


def _read(path: Path):
    read = pytest.importorskip("sovopt.workbook.read")
    return read.read_case(path)


@pytest.mark.parametrize("size", ["S", "M"])
def test_generated_case_reads_back_without_errors_and_matches_its_size(size, tmp_path):
    path = tmp_path / f"{size}.xlsx"
    write_case(size, path, seed=0)
    case, warnings = _read(path)  # raises InvalidCase on any error
    assert warnings == []
    spec = SIZES[size]
    counts = case_counts(case)
    for key in ("capabilities", "countries", "suppliers", "years", "scenarios"):
        assert counts[key] == getattr(spec, key), key
    assert abs(counts["options"] - spec.options) <= TOLERANCE * spec.options
    assert counts["inputs"] > 0
    # the same tables as the generator's, up to the workbook row numbers
    generated = generate_case(size, seed=0)
    assert case.options["option_id"].tolist() == generated.options["option_id"].tolist()
    assert case.budget["budget"].tolist() == pytest.approx(generated.budget["budget"].tolist())


def test_small_size_has_every_tier_and_the_features_that_make_it_non_trivial():
    case = generate_case("S", seed=0)
    assert set(case.countries["tier"]) == {"home", "ally", "partner", "neutral", "adversary",
                                           "prohibited"}
    assert case.options["lead_time_years"].between(0, 4).all()
    assert (case.capabilities["min_suppliers"] == 2).any()
    assert case.suppliers["capacity_per_year"].notna().any()
    assert case.inputs["critical"].any() and (~case.inputs["critical"]).any()
    assert case.inputs["source_country_id"].nunique() >= 3
    assert (case.budget["min_local_share"] > 0).any()
    assert case.scenarios.groupby("scenario_id").size().max() == 2  # a blockade of two
    assert case.scenarios["to_year"].eq(case.settings.last_year).any()  # sanctions


def test_generation_is_seeded():
    a, b, c = generate_case("M", 3), generate_case("M", 3), generate_case("M", 4)
    assert a.options.equals(b.options) and a.inputs.equals(b.inputs)
    assert not a.options["unit_cost"].equals(c.options["unit_cost"])


def test_value_origin_is_complete_and_no_demand_is_out_of_reach():
    case = generate_case("M", seed=1)
    d = prepare(case)
    total = d.origin.groupby("option_id")["share"].sum()
    assert total.to_numpy() == pytest.approx(1.0)
    reach = d.deliveries.groupby(["capability_id", "year"])["cap"].sum()
    dem = d.demand.set_index(["capability_id", "year"])["demand"]
    assert (reach.reindex(dem.index).fillna(0) >= dem - 1e-9).all()
    assert 0 < len(d.excluded) < 0.05 * len(case.options)


def test_small_case_solves_feasibly():
    result = solve_case(generate_case("S", seed=0), "min_dependence", time_limit=60, gap=0.05)
    assert result.status in ("optimal", "feasible")
    assert len(result.portfolio.starts) > 0


def test_cheapest_plan_is_feasible_too():
    result = solve_case(generate_case("S", seed=2), "min_cost", time_limit=60, gap=0.05)
    assert result.status in ("optimal", "feasible")


def test_bench_command_runs_on_the_small_size(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--sizes", "S", "--repeat", "1", "--time-limit", "60",
         "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "== S:" in proc.stdout
    for phase in ("prepare", "build", "hand_off", "solve level", "end to end"):
        assert phase in proc.stdout
    assert "Budgets:" in proc.stdout
    latest = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    entry = latest["sizes"]["S"]
    assert "error" not in entry["summary"]
    assert entry["summary"]["status"] in ("optimal", "feasible")
    assert entry["summary"]["stats"]["variables"] > 0
    assert list(out.glob("bench-*.json"))
