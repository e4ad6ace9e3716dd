"""``import sovopt`` stays light (the solver stack, the workbook reader and matplotlib load
on first use), every public name resolves, and the package's modules named as public
functions (``sovopt.solver``, ``sovopt.comparison``) are those functions when called."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pyomo", "highspy", "pandas", "numpy", "openpyxl", "matplotlib", "scipy")


def _loaded_after(code: str) -> list[str]:
    """The heavy top-level packages loaded after running ``code`` in a fresh interpreter."""
    probe = (f"import sys, json\n{code}\n"
             f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_sovopt_loads_nothing_heavy():
    assert _loaded_after("import sovopt") == []
    assert _loaded_after("import sovopt; sovopt.__all__; dir(sovopt)") == []


@pytest.mark.parametrize("name", ["read_case", "Result", "solve", "open_store", "frontier"])
def test_a_public_name_loads_no_solver(name):
    loaded = _loaded_after(f"import sovopt; sovopt.{name}")
    assert "pyomo" not in loaded and "highspy" not in loaded and "matplotlib" not in loaded


def test_every_public_name_resolves():
    import sovopt

    for name in sovopt.__all__:
        assert getattr(sovopt, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sovopt.nope  # noqa: B018


def test_solve_and_compare_are_the_api_functions_once_the_modules_load():
    """The modules behind them (sovopt.solver, sovopt.comparison) have other names, so
    importing them first leaves sovopt.solve and sovopt.compare the API's functions."""
    code = ("import sovopt.solver, sovopt.comparison, sovopt\n"
            "from sovopt.api.run import solve\n"
            "from sovopt.api.store import compare\n"
            "print(sovopt.solve is solve, sovopt.compare is compare)\n"
            "r = sovopt.stress(sovopt.example_case(), sovopt.Portfolio.empty())\n"
            "print(sovopt.compare([r, r])['metric'].iloc[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "True", "total_cost"]
