"""The family registry: each constraint family declares its own links, consistently."""

from __future__ import annotations

import importlib
import pkgutil

import sovopt.model.constraints as constraints
from bench.generate import generate_case
from sovopt.example import example_case
from sovopt.model import TERMS, build_model
from sovopt.model.arrays import rows_of
from sovopt.model.constraints import (
    FAMILIES,
    IMPLIED_FAMILIES,
    MODULES,
    OPTIONAL_FAMILIES,
    REGISTRY,
    RELAXABLE,
    TERM_FAMILY,
)
from sovopt.model.constraints.country_share import held_shares
from sovopt.model.family import EQUAL, Family, Relax
from sovopt.model.variables import unmet_column
from sovopt.prepare import prepare
from tests.model_cases import make_case, option


def test_every_family_module_is_registered_once():
    names = [m.name for m in pkgutil.iter_modules(constraints.__path__)]
    assert sorted(names) == sorted(FAMILIES)
    assert len(REGISTRY) == len(FAMILIES)
    for name in names:
        module = importlib.import_module(f"sovopt.model.constraints.{name}")
        assert module.FAMILY is FAMILIES[name]
        assert MODULES[name] is module
        assert module.FAMILY.add is module.add


def test_a_family_is_built_after_the_families_it_needs():
    order = list(FAMILIES)
    for fam in REGISTRY:
        for need in fam.needs:
            assert need in FAMILIES, (fam.name, need)
            assert order.index(need) < order.index(fam.name), (fam.name, need)


def test_terms_and_switches_come_from_the_declarations():
    """The links that presets.py and diagnose.py once spelled out, read back."""
    assert TERM_FAMILY == {"expected_shortfall": "scenario_shortfall",
                           "worst_case": "scenario_shortfall", "cvar": "scenario_shortfall",
                           "hhi": "hhi_epigraph", "unmet": "demand"}
    assert set(TERM_FAMILY) <= set(TERMS)
    assert set(OPTIONAL_FAMILIES) == {"min_order", "supplier_capacity", "budget",
                                      "localization", "country_share", "dual_sourcing",
                                      "scenario_shortfall", "hhi_epigraph",
                                      # formulation.md §7
                                      "fleet_service", "repair_line", "home_support",
                                      "support_cost", "stock_balance", "scenario_stock",
                                      "fleet_shortfall",
                                      # rows that only tighten the relaxation
                                      "share_window"}
    assert set(IMPLIED_FAMILIES) == {"share_window"}
    assert set(RELAXABLE) == {"budget", "localization", "country_share", "supplier_capacity",
                              "dual_sourcing", "one_start", "demand", "fleet_service",
                              "stock_balance"}
    assert FAMILIES["one_start"].relax.rows == frozenset({EQUAL})
    assert FAMILIES["demand"].relax.weight == 1000.0
    for name in RELAXABLE:
        assert FAMILIES[name].describe is not None


def test_an_implied_family_is_optional_and_never_relaxed():
    for bad in ({"optional": False}, {"relax": Relax(), "describe": lambda *a: None}):
        try:
            Family("nothing", lambda m, d: None, implied=True, **bad)
        except ValueError as exc:
            assert "implied" in str(exc)
        else:
            raise AssertionError(f"an implied family with {bad} was accepted")


def test_a_relaxable_family_must_say_how_to_describe_its_rows():
    try:
        Family("nothing", lambda m, d: None, relax=Relax())
    except ValueError as exc:
        assert "describe" in str(exc)
    else:
        raise AssertionError("a relaxable family without describe() was accepted")


def test_the_links_a_family_reads_come_from_the_declaring_module():
    """hhi_epigraph needs country_share and reads the shares it holds to θ from
    country_share.held_shares: exactly the rows country_share builds (array rows in bench
    S, Pyomo rows in the example, which has a fleet), none when a preset switches it off.
    The unmet column and term exist exactly when Settings allow unmet demand."""
    assert "country_share" in FAMILIES["hhi_epigraph"].needs
    for case in (generate_case("S", 0), example_case()):
        d = prepare(case)
        m = build_model(d)
        held = held_shares(m, d)
        assert held and held == rows_of(m, "country_share")
        off = build_model(d, frozenset({"country_share"}))
        assert held_shares(off, d) == set()
        assert unmet_column(m, d) is None and "unmet" not in m.term_names
    d = prepare(make_case([option("O1", "SA", 1.0)], allow_unmet=True))
    m = build_model(d)
    assert unmet_column(m, d) is m.u and m.term_names[0] == "unmet"
