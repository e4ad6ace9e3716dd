"""The family registry: each constraint family declares its own links, consistently."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import sovopt.model.constraints as constraints
import sovopt.model.terms
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
from sovopt.model.constraints.home_support import home_supported
from sovopt.model.constraints.repair_line import repair_open
from sovopt.model.constraints.scenario_shortfall import shortfall
from sovopt.model.constraints.stock_balance import stock_level
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
                                      # the sustainment families
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


def _model_probes(source: str) -> list[str]:
    """Calls in ``source`` that look a component up on the model ``m`` by name:
    ``m.find_component(...)``, ``m.component(...)``, ``getattr(m, ...)``, ``hasattr(m, ...)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr in ("find_component", "component")
                and isinstance(func.value, ast.Name) and func.value.id == "m"):
            found.append(f"line {node.lineno}: m.{func.attr}")
        if (isinstance(func, ast.Name) and func.id in ("getattr", "hasattr") and node.args
                and isinstance(node.args[0], ast.Name) and node.args[0].id == "m"):
            found.append(f"line {node.lineno}: {func.id}(m, ...)")
    return found


def test_no_constraint_module_probes_the_model():
    """A family asks what another family built through that family's module (its
    ``needs``: home_support.home_supported, stock_balance.stock_level, ...) and reads the
    registrations the model carries through sovopt.model.shared, never by looking a name
    up on the model: a probe hides the link from the declarations and silently finds
    nothing when the other family renames or stops building its component."""
    assert _model_probes("getattr(m, 'x', 0)\nm.find_component('H')\nhasattr(m, 'v')") == [
        "line 1: getattr(m, ...)", "line 2: m.find_component", "line 3: hasattr(m, ...)"]
    for name, module in MODULES.items():
        source = Path(module.__file__).read_text(encoding="utf-8")
        assert _model_probes(source) == [], name
    terms = Path(sovopt.model.terms.__file__).read_text(encoding="utf-8")
    assert _model_probes(terms) == []


def test_the_accessors_return_what_the_families_built():
    """Each accessor gives exactly the component its family adds, and None (or nothing)
    when the preset switches the family, or one it needs, off. The example has a fleet
    with repair lines, a capability with stock and scenario losses."""
    d = prepare(example_case())
    m = build_model(d)
    assert home_supported(m, d) is m.find_component("H") is not None
    assert repair_open(m, d) is m.find_component("repair_open") is not None
    assert shortfall(m, d) is m.find_component("v") is not None
    for off in ("repair_line", "home_support"):
        other = build_model(d, frozenset({off}))
        assert home_supported(other, d) is None and other.find_component("H") is None
    assert shortfall(build_model(d, frozenset({"scenario_shortfall"})), d) is None
    assert repair_open(build_model(d, frozenset({"repair_line"})), d) is None
    assert stock_level(m, d) is m.find_component("stock") is not None
    off = build_model(d, frozenset({"stock_balance"}))
    assert stock_level(off, d) is None and off.find_component("scenario_stock") is None
