"""What the model carries for its families: the registrations several of them share.

A family asks another family's module for what that family built (for example
:func:`sovopt.model.constraints.home_support.home_supported`), never the model.
A few things are not one family's: which families the preset switched off,
the sustainment spend that several families add to the localization row, the scenario
losses that several families register, how the year's spend is built, and an
expression built by whichever family needs it first. They live on the model,
and this module is the one place that reads and writes them; a model built
step by step without :func:`sovopt.model.build_model` (the bench's profile)
reads the defaults: nothing switched off, nothing registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyomo.environ as pyo


def record_switched_off(m: pyo.ConcreteModel, families: frozenset[str]) -> None:
    """Remember that the preset switches ``families`` off in ``m``."""
    m.switched_off = frozenset(families)


def switched_off(m: pyo.ConcreteModel) -> frozenset[str]:
    """The families the preset switches off in ``m`` (families may defer to one another,
    the sustainment families: demand rows give way to fleet_service's only when it is on)."""
    return getattr(m, "switched_off", frozenset())


def loss_parts(m: pyo.ConcreteModel) -> list[tuple[Any, Any, Any, Any]]:
    """The (k, r, t, variable) shortfalls registered in ``m`` beside scenario_shortfall's v
    (:func:`sovopt.model.constraints.scenario_shortfall.add_loss_parts`), which the loss
    term adds to scenario k's loss; the list is created on first use."""
    if not hasattr(m, "loss_parts"):
        m.loss_parts = []
    return m.loss_parts


def localized_spend(m: pyo.ConcreteModel) -> dict[int, tuple[Any, Any]]:
    """year -> (total, local part) of the sustainment spend added to ``m`` that joins the
    localization row (:func:`sovopt.model.constraints.budget.add_spend_terms`);
    the dict is created on first use."""
    if not hasattr(m, "sustainment_spend"):
        m.sustainment_spend = {}
    return m.sustainment_spend


def record_spend_arrays(m: pyo.ConcreteModel) -> None:
    """Remember that ``m.spend`` holds only what the sustainment families add, the rest being arrays
    (:func:`sovopt.model.constraints.budget.add_spend`)."""
    m.spend_arrays = True


def spend_arrays(m: pyo.ConcreteModel) -> bool:
    """Whether the year's spend of ``m`` is built as arrays (else ``m.spend`` is all of it)."""
    return bool(getattr(m, "spend_arrays", False))


def built_once(m: pyo.ConcreteModel, name: str, build: Callable[[], Any]) -> Any:
    """The component ``name`` of ``m``, which ``build()`` adds the first time it is asked
    for: an expression that several families use and whichever comes first builds
    (fleet_service's F, :func:`sovopt.model.constraints.fleet_service.in_service`)."""
    if m.component(name) is None:
        build()
    return m.component(name)
