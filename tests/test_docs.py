"""The generated documents are in step with the code that generates them."""

import ast
import inspect
import re

import yaml

from sovopt import docs, schema
from sovopt.model import variables
from sovopt.model.constraints import MODULES
from sovopt.presets import BUILTIN, PRESET_DIR


def test_formulation_md_is_current():
    assert docs.FORMULATION.read_text(encoding="utf-8") == docs.formulation_markdown(), (
        "docs/FORMULATION.md is stale; run `make docs`"
    )


def _variables_built(module) -> set[str]:
    """The Pyomo variables ``module`` adds to the model: every ``m.NAME = pyo.Var(...)``."""
    built = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "Var"):
            built |= {t.attr for t in node.targets if isinstance(t, ast.Attribute)}
    return built


def test_every_family_section_names_the_variables_it_builds():
    """Each family's section is its module docstring, and that maths names every variable
    the module adds to the model, as ``NAME[index]`` or as ``NAME`` in code quotes (where
    the maths writes a symbol: "I is the model's variable ``stock``")."""
    text = docs.formulation_markdown()
    built_somewhere = set()
    for name, module in {**MODULES, "variables": variables}.items():
        doc = inspect.cleandoc(module.__doc__)
        if name != "variables":
            assert f": {name}\n" in text, name
        for var in _variables_built(module):
            built_somewhere.add(var)
            assert (re.search(rf"(?<![\w.]){re.escape(var)}\[", doc)
                    or f"``{var}``" in doc), f"{name}'s docstring does not name {var}"
    # the AST reading finds what is known to be built (so the check cannot pass empty)
    assert {"x", "start", "z", "u", "opened", "stock", "v_fleet", "h", "share"} <= built_somewhere


def test_preset_table_is_read_from_the_preset_files():
    """Every bundled preset's row lists its file's levels and terms in order; min_cost's
    row, from sovopt/presets/min_cost.yaml, is exactly as worked out from the file."""
    text = docs.formulation_markdown()
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines()
            if line.startswith("| ")}
    for name in BUILTIN:
        raw = yaml.safe_load((PRESET_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        row = rows[name]
        position = 0
        for level in raw["levels"]:
            for term in level["terms"]:
                found = row.find(term, position)
                assert found >= 0, (name, term)
                position = found
        assert raw["description"].strip() in row
    assert rows["min_cost"] == (
        "| min_cost | unmet · cost (gap 0.001) | 0.01 relative, 1e-06 | Unmet demand, then "
        "total cost (as a share of the total budget). |")


def test_readme_contract_is_current():
    readme = docs.README.read_text(encoding="utf-8")
    assert docs.readme_with_contract(readme) == readme, "README contract is stale; `make docs`"
    for sheet in schema.SHEETS:
        assert f"**{sheet.name}**" in readme
        for col in sheet.columns:
            assert f"`{col.name}`" in readme


def test_readme_output_contract_has_every_quantity():
    from sovopt import outputs

    readme = docs.README.read_text(encoding="utf-8")
    for q in outputs.SUMMARY:
        assert f"| `{q.key}` | {q.label} |" in readme
    for name, cols in outputs.TABLES.items():
        assert f"Table `{name}`" in readme
        for q in cols:
            assert f"| `{q.key}` | {q.label} |" in readme
