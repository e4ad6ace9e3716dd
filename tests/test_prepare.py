"""prepare: the derived data (σ, φ, sparse pairs, exclusions), worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from sovopt.prepare import prepare
from tests.model_cases import FIRST_YEAR, input_row, make_case, option, scenario, supplier

Y = FIRST_YEAR


def test_value_origin_splits_local_inputs_and_the_suppliers_remainder():
    """O1 bought from A: local 0.3, an input from B of 0.2, so A keeps 1 - 0.3 - 0.2 = 0.5."""
    d = prepare(make_case([option("O1", "SA", 1.0, local_content=0.3)],
                          inputs=[input_row("O1", "B", 0.2)]))
    sigma = d.origin.set_index(["option_id", "country_id"])["share"]
    assert sigma[("O1", "H")] == pytest.approx(0.3)
    assert sigma[("O1", "B")] == pytest.approx(0.2)
    assert sigma[("O1", "A")] == pytest.approx(0.5)
    assert sigma.sum() == pytest.approx(1.0)


def test_excluded_options_keep_their_table_sigma_and_phi_for_the_metrics():
    """O2's input from the prohibited Z excludes it from the model, but the option
    table, σ and φ still cover it (``kept`` False), so a hand-made portfolio that uses
    it is evaluated with the same numbers."""
    case = make_case([option("O1", "SA", 1.0), option("O2", "SB", 1.0)],
                     inputs=[input_row("O2", "Z", 0.1)],
                     scenarios=[scenario("K", "B", 0.5, 0.1)])
    d = prepare(case)
    assert list(d.options.index) == ["O1"]
    assert d.excluded["option_id"].tolist() == ["O2"]
    assert d.all_options["kept"].to_dict() == {"O1": True, "O2": False}
    assert set(d.all_origin["option_id"]) == {"O1", "O2"}
    # B gates O2 (its assembly country): loss 0.5 whenever it delivers in Y
    loss = d.survival.loss(pd.DataFrame({"option_id": ["O2"], "year": [Y]}))
    assert loss["loss"].tolist() == [pytest.approx(0.5)]


def test_survival_gates_on_critical_inputs_and_charges_partial_shares():
    """O1 bought from A, a critical input from B (0.2), a non-critical one from N (0.3).
    Scenario K: B loses 0.6, N loses 0.5, A untouched.
    gate = max(α[A], α[B]) = 0.6; partial = 0.3 × 0.5 = 0.15; 1 − φ = 0.75."""
    case = make_case([option("O1", "SA", 1.0)],
                     inputs=[input_row("O1", "B", 0.2, critical=True),
                             input_row("O1", "N", 0.3, critical=False)],
                     scenarios=[scenario("K", "B", 0.6, 0.1), scenario("K", "N", 0.5, 0.1)])
    d = prepare(case)
    assert d.loss[["scenario_id", "option_id", "year"]].values.tolist() == [["K", "O1", Y]]
    assert d.loss["loss"].tolist() == [pytest.approx(0.75)]


def test_delivery_pairs_start_after_the_lead_time_with_their_big_m():
    """Years Y..Y+2, demand 10; O1's cap 6 a year, its supplier 4 a year, lead time 1,
    so it delivers in Y+1 and Y+2 with cap min(6, 10, 4) = 4 (own cap 6), and may
    start in Y or Y+1 (a start in Y+2 leaves no delivery year)."""
    case = make_case([option("O1", "SA", 1.0, max_qty_per_year=6.0, lead_time_years=1)],
                     years=(Y, Y + 1, Y + 2),
                     suppliers=[supplier("A", capacity=4.0), supplier("H")])
    d = prepare(case)
    assert d.deliveries[["year", "cap", "own_cap"]].values.tolist() == [
        [Y + 1, 4.0, 6.0], [Y + 2, 4.0, 6.0]]
    assert d.starts["year"].tolist() == [Y, Y + 1]
