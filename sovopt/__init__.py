"""sovopt: dependency and sovereignty-risk optimisation for defence procurement planning.

A planner describes a case in an Excel workbook; sovopt reads and validates it
(:mod:`sovopt.workbook`), derives the sparse model data (:mod:`sovopt.prepare`),
builds the mixed-integer program (:mod:`sovopt.model`), solves it level by level
with HiGHS (:mod:`sovopt.solver`) and writes the answer back to Excel.

The same from Python, through the same pipeline as the command line::

    import sovopt
    case = sovopt.read_case("case.xlsx")          # or sovopt.example_case()
    result = sovopt.solve(case, time_limit=60, store=".sovopt")
    result.summary.describe()                     # KPIs with label, unit, meaning
    result.tables["spend"]                        # the result tables as DataFrames
    result.plot.spend()                           # a matplotlib Figure
    cheaper = sovopt.solve(case.scaled("budget", 0.9), time_limit=60)
    sovopt.compare([result, cheaper])             # KPI deltas
    sovopt.frontier(case, points=5, measure="cvar").plot()
    sovopt.open_store(".sovopt").runs()           # every stored run, KPIs as columns

``import sovopt`` is light: the names below load their modules (the workbook
reader, the solver stack, matplotlib) on first use. ``sovopt.solve`` is
:func:`sovopt.api.run.solve` and ``sovopt.compare`` is
:func:`sovopt.api.store.compare`; the modules behind them are
:mod:`sovopt.solver` (the level loop) and :mod:`sovopt.comparison` (runs side by
side).

>>> import sovopt
>>> sorted(sovopt.__all__)[:4]
['Case', 'CaseErrors', 'FrontierResult', 'InvalidCase']
"""

from __future__ import annotations

import importlib

#: typing's own constant, without importing typing (``import sovopt`` stays light)
TYPE_CHECKING = False

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported on first use).
_LAZY = {
    "read_case": "sovopt.api.cases",
    "example_case": "sovopt.api.cases",
    "CaseErrors": "sovopt.api.cases",
    "solve": "sovopt.api.run",
    "stress": "sovopt.api.run",
    "Result": "sovopt.api.result",
    "Summary": "sovopt.api.result",
    "frontier": "sovopt.api.studies",
    "sweep": "sovopt.api.studies",
    "robust": "sovopt.api.studies",
    "FrontierResult": "sovopt.api.studies",
    "SweepResult": "sovopt.api.studies",
    "RobustResult": "sovopt.api.studies",
    "open_store": "sovopt.api.store",
    "Store": "sovopt.api.store",
    "compare": "sovopt.api.store",
    "Case": "sovopt.case",
    "Portfolio": "sovopt.portfolio",
    "SovoptError": "sovopt.errors",
    "InvalidCase": "sovopt.errors",
}

__all__ = [
    "Case", "CaseErrors", "FrontierResult", "InvalidCase", "Portfolio", "Result",
    "RobustResult", "SovoptError", "Store", "Summary", "SweepResult", "__version__",
    "compare", "example_case", "frontier", "open_store", "plots", "read_case", "robust",
    "solve", "stress", "sweep",
]

if TYPE_CHECKING:
    from typing import Any

    from sovopt import plots
    from sovopt.api.cases import CaseErrors, example_case, read_case
    from sovopt.api.result import Result, Summary
    from sovopt.api.run import solve, stress
    from sovopt.api.store import Store, compare, open_store
    from sovopt.api.studies import (
        FrontierResult,
        RobustResult,
        SweepResult,
        frontier,
        robust,
        sweep,
    )
    from sovopt.case import Case
    from sovopt.errors import InvalidCase, SovoptError
    from sovopt.portfolio import Portfolio


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562), so ``import sovopt`` stays
    light; ``sovopt.plots`` is the plotting module (matplotlib, imported on first use)."""
    if name == "plots":
        return importlib.import_module("sovopt.plots")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sovopt' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

