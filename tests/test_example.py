"""The bundled Norland example: size, coverage of the contract, and feasibility by
arithmetic (necessary conditions a solver would otherwise discover the hard way)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sovopt import schema
from sovopt.example import example_case
from sovopt.workbook.write_case import write_case_workbook
from tests.builders import workbook_content

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "inputs" / "example_case.xlsx"


@pytest.fixture(scope="module")
def case():
    return example_case()


@pytest.fixture(scope="module")
def origin(case) -> pd.DataFrame:
    """Value origin: option_id x country_id -> share of the option's value (sigma)."""
    home = case.settings.home_country
    rows = []
    supplier_country = case.suppliers.set_index("supplier_id")["country_id"]
    for o in case.options.itertuples():
        inputs = case.inputs[case.inputs.option_id == o.option_id]
        rows.append((o.option_id, home, o.local_content))
        rows += [(o.option_id, i.source_country_id, i.value_share) for i in inputs.itertuples()]
        rest = 1.0 - o.local_content - inputs.value_share.sum()
        rows.append((o.option_id, supplier_country[o.supplier_id], rest))
    df = pd.DataFrame(rows, columns=["option_id", "country_id", "share"])
    return df.pivot_table(index="option_id", columns="country_id", values="share",
                          aggfunc="sum", fill_value=0.0)


@pytest.fixture(scope="module")
def usable(case, origin) -> pd.DataFrame:
    """Options left once those with any value from a prohibited country are excluded."""
    prohibited = case.countries.loc[case.countries.tier == "prohibited", "country_id"]
    bad = origin[list(prohibited)].sum(axis=1) > 0
    return case.options[~case.options.option_id.isin(origin.index[bad])]


def _deliverable(options: pd.DataFrame, year: int) -> pd.DataFrame:
    return options[options.available_from + options.lead_time_years <= year]


def _demand(case, cap: str, year: int) -> float:
    d = case.demand
    return float(d[(d.capability_id == cap) & (d.year == year)]["demand"].iloc[0])


def _is_fleet(case, cap: str) -> bool:
    return case.capabilities.set_index("capability_id").at[cap, "requirement"] == "fleet"


def _new_units(case, cap: str, year: int) -> float:
    """Units to deliver in ``year``: the demand, or for a fleet (the sustainment families, whose
    units outlive the horizon here) the rise of its requirement over every earlier year."""
    if not _is_fleet(case, cap):
        return _demand(case, cap, year)
    earlier = [_demand(case, cap, y) for y in case.years if y < year]
    return max(0.0, _demand(case, cap, year) - max(earlier, default=0.0))


def test_example_fleet_and_stock(case):
    """One fleet capability whose options outlive the horizon and carry a support cost,
    a repair line for its cheapest option, and one munition that may be stocked."""
    caps = case.capabilities.set_index("capability_id")
    fleet = caps.index[caps.requirement == "fleet"]
    assert list(fleet) == ["SHORAD"]
    options = case.options.set_index("option_id")
    shorad = options[options.capability_id == "SHORAD"]
    assert (shorad.service_life_years >= len(case.years)).all()
    assert (shorad.support_cost > 0).all()
    cheapest = shorad.unit_cost.idxmin()
    assert case.repair.option_id.tolist() == [cheapest]
    assert (caps.stock_max > 0).sum() == 1
    assert (options.partner_offtake_per_year > 0).any()


def test_size_and_coverage(case):
    assert case.years == list(range(2027, 2037))
    assert len(case.capabilities) >= 8
    assert len(case.countries) == 8
    assert set(case.countries.tier) == set(schema.TIERS)
    assert len(case.suppliers) == 12
    assert len(case.options) == 33
    assert set(case.options["mode"]) == set(schema.MODES)
    assert case.scenarios.scenario_id.nunique() >= 4
    assert case.settings.currency == "EUR m"
    assert (case.capabilities.min_suppliers >= 2).any()
    assert set(case.capabilities.integer_units) == {True, False}
    assert set(case.inputs.critical) == {True, False}
    assert case.inputs.source_country_id.nunique() >= 4
    assert case.options.lead_time_years.between(0, 4).all()
    assert case.options.lead_time_years.nunique() == 5
    assert case.budget.min_local_share.iloc[0] == pytest.approx(0.15)
    assert case.budget.min_local_share.iloc[-1] == pytest.approx(0.40)
    assert case.budget.min_local_share.is_monotonic_increasing


def test_tables_match_the_schema(case):
    for sh in schema.SHEETS[1:]:
        table = case.table(sh.name)
        if sh.layout == "years":
            assert list(table.columns) == ["capability_id", "year", "demand", "row"]
        else:
            assert list(table.columns) == [*sh.column_names, "row"]
        for col in sh.columns:
            if col.kind in ("number", "integer") and col.name in table:
                values = table[col.name].dropna()
                if col.minimum is not None:
                    assert (values >= col.minimum).all(), (sh.name, col.name)
                if col.maximum is not None:
                    assert (values <= col.maximum).all(), (sh.name, col.name)
            if col.kind == "choice":
                assert set(table[col.name]) <= set(col.choices), (sh.name, col.name)
            if col.unique and sh.layout != "years":  # demand is long form here
                assert table[col.name].is_unique, (sh.name, col.name)


def test_references_resolve(case):
    countries = set(case.countries.country_id)
    assert case.settings.home_country in countries
    home = case.countries.set_index("country_id").loc[case.settings.home_country, "tier"]
    assert home == "home"
    assert set(case.suppliers.country_id) <= countries
    assert set(case.options.capability_id) == set(case.capabilities.capability_id)
    assert set(case.options.supplier_id) == set(case.suppliers.supplier_id)
    assert set(case.inputs.option_id) <= set(case.options.option_id)
    assert set(case.inputs.source_country_id) <= countries
    assert set(case.scenarios.country_id) <= countries
    pairs = set(zip(case.demand.capability_id, case.demand.year, strict=True))
    assert pairs == {(c, y) for c in case.capabilities.capability_id for y in case.years}
    assert list(case.budget.year) == case.years


def test_value_shares_add_up(case, origin):
    inputs = case.inputs.groupby("option_id").value_share.sum()
    total = case.options.set_index("option_id").local_content.add(inputs, fill_value=0)
    assert (total <= 1.0 + 1e-9).all(), total[total > 1]
    assert origin.sum(axis=1).round(9).eq(1.0).all()


def test_scenarios_cover_the_kinds_of_disruption(case):
    by_id = case.scenarios.groupby("scenario_id")
    sizes = by_id.country_id.nunique()
    assert (sizes == 1).any(), "a single-country embargo"
    assert (sizes >= 2).any(), "a blockade hitting two countries"
    assert ((case.scenarios.loss > 0) & (case.scenarios.loss < 1)).any(), "a partial loss"
    later = case.scenarios[(case.scenarios.from_year > case.settings.first_year)
                           & (case.scenarios.to_year == case.settings.last_year)]
    assert not later.empty, "sanctions from a year on"
    assert by_id.probability.first().between(0, 1).all()


def test_a_prohibited_input_is_excluded_but_never_the_only_way(case, usable):
    excluded = set(case.options.option_id) - set(usable.option_id)
    assert excluded, "the example should show an option excluded for prohibited content"
    assert set(usable.capability_id) == set(case.capabilities.capability_id)


def test_every_years_demand_is_reachable_in_time(case, usable):
    """Options that can deliver by then offer at least the demand, every year."""
    caps = case.suppliers.set_index("supplier_id").capacity_per_year
    for cap in case.capabilities.capability_id:
        for year in case.years:
            opts = _deliverable(usable[usable.capability_id == cap], year)
            per_supplier = opts.groupby("supplier_id").max_qty_per_year.sum()
            offered = sum(min(q, caps[s]) if pd.notna(caps[s]) else q
                          for s, q in per_supplier.items())
            assert offered >= _new_units(case, cap, year), (cap, year, offered)


def test_demand_is_reachable_within_country_caps(case, usable, origin):
    """Each option's yearly units are also capped by theta[c] * D / sigma[o, c] for every
    foreign country it draws value from; the capped offers still reach demand."""
    theta = case.countries.set_index("country_id").max_share
    home = case.settings.home_country
    for cap in case.capabilities.capability_id:
        for year in case.years:
            d = _new_units(case, cap, year)
            offered = 0.0
            for o in _deliverable(usable[usable.capability_id == cap], year).itertuples():
                limit = o.max_qty_per_year
                for c, s in origin.loc[o.option_id].items():
                    if c != home and s > 0:
                        limit = min(limit, theta[c] * d / s)
                offered += limit
            assert offered >= d - 1e-9, (cap, year, offered, d)


def _fill(case, options: pd.DataFrame, year: int, key) -> tuple[float, float]:
    """Fill every capability's demand in ``year`` from the deliverable options in
    ``key`` order, each up to its yearly cap: (unit spending, local spending). A fleet
    also pays the support of its units in service at the first option's support cost."""
    spend = local = 0.0
    for cap in case.capabilities.capability_id:
        need = _new_units(case, cap, year)
        opts = sorted(_deliverable(options[options.capability_id == cap], year).itertuples(),
                      key=key)
        if _is_fleet(case, cap) and opts:
            spend += _demand(case, cap, year) * opts[0].support_cost
        for o in opts:
            q = min(need, o.max_qty_per_year)
            spend += q * o.unit_cost
            local += q * o.unit_cost * o.local_content
            need -= q
        assert need <= 1e-9
    return spend, local


def test_the_cheapest_portfolio_fits_the_budget(case, usable):
    budget = case.budget.set_index("year").budget
    for year in case.years:
        spend, _ = _fill(case, usable, year, key=lambda o: o.unit_cost)
        assert spend <= budget[year], (year, spend, budget[year])
    cheapest_total = sum(_fill(case, usable, y, key=lambda o: o.unit_cost)[0]
                         for y in case.years)
    assert budget.sum() >= 1.05 * cheapest_total, "room for fixed costs and some localization"


def test_localization_is_reachable_but_costs_money(case, usable):
    """Most-local-first filling reaches every year's local share target, but over the
    horizon it costs more than the budget: cost and dependence pull apart."""
    budget = case.budget.set_index("year")
    most_local = 0.0
    for year in case.years:
        spend, local = _fill(case, usable, year, key=lambda o: -o.local_content)
        assert local / spend >= budget.loc[year, "min_local_share"], year
        most_local += spend
    assert most_local > budget.budget.sum()


def test_cheap_options_are_foreign_and_riskier(case, usable, origin):
    """For every capability, the cheapest option draws more value from risky countries
    than the most local one, which costs more and is not faster."""
    risk = case.countries.set_index("country_id").risk_score
    exposure = origin.mul(risk, axis=1).sum(axis=1)
    caps = case.capabilities
    # the fleet and the stocked munition are about support and stock (sustainment), not origin
    plain = caps[(caps.requirement == "deliveries") & (caps.stock_max == 0)]
    for cap in plain.capability_id:
        opts = usable[usable.capability_id == cap]
        cheap = opts.loc[opts.unit_cost.idxmin()]
        local = opts.loc[opts.local_content.idxmax()]
        assert local.unit_cost > cheap.unit_cost, cap
        assert local.lead_time_years >= cheap.lead_time_years, cap
        assert exposure[cheap.option_id] > exposure[local.option_id], cap


def test_committed_example_is_fresh(tmp_path):
    assert COMMITTED.exists(), "inputs/example_case.xlsx is missing: run `make inputs`"
    fresh = write_case_workbook(tmp_path / "example_case.xlsx", example_case())
    assert workbook_content(COMMITTED) == workbook_content(fresh), (
        "inputs/example_case.xlsx is out of date: run `make inputs`")


def test_cli_example(tmp_path, capsys):
    from sovopt.cli import main

    out = tmp_path / "ex.xlsx"
    for args, want in ((["example", str(out)], 0), (["example", str(out)], 2),
                       (["example", str(out), "--force"], 0)):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == want, capsys.readouterr().err
    assert "Norland" in capsys.readouterr().err
    assert workbook_content(out) == workbook_content(
        write_case_workbook(tmp_path / "again.xlsx", example_case()))
