"""The examples in the public API's docstrings run (doctest) and show what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

pytest.importorskip("matplotlib", reason="the plot extra is part of the test extra")

MODULES = ("sovopt", "sovopt.api.cases", "sovopt.api.whatif", "sovopt.api.result",
           "sovopt.api.run", "sovopt.api.store", "sovopt.api.studies", "sovopt.plots",
           "sovopt.case", "sovopt.portfolio", "sovopt.errors", "sovopt.example")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    found = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                            report=True)
    assert found.failed == 0
    assert found.attempted > 0


def test_every_public_name_is_documented_with_an_example():
    """An example in its docstring, or in the walkthrough notebook that the suite runs."""
    import sovopt
    from tests.api.test_notebook import NOTEBOOK

    notebook = NOTEBOOK.read_text(encoding="utf-8")
    for name in sovopt.__all__:
        if name == "__version__":
            continue
        obj = getattr(sovopt, name)
        assert (obj.__doc__ or "").strip(), name
        shown = ">>>" in (obj.__doc__ or "") or f"sovopt.{name}" in notebook or \
            f".{name}(" in notebook
        assert shown, f"sovopt.{name} has no example a doctest or the notebook runs"
