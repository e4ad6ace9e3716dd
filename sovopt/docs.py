"""Generated documentation: docs/FORMULATION.md and the README's workbook contract.

Both are made wholly from the code's own single sources, so they cannot drift
from it: the formulation from the docstrings of the model, the preparation
step, the variables, every constraint family module, the terms, the presets,
the solve, the verification, the diagnosis and the sustainment measures, and
its preset table from the preset files themselves (:data:`sovopt.presets.BUILTIN`);
the README's contract tables from :mod:`sovopt.schema` and :mod:`sovopt.outputs`.
``python -m sovopt.docs`` (or ``make docs``) rewrites them; a test fails when a
committed copy is stale.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

from sovopt import diagnose, model, outputs, prepare, presets, schema, solve, sustainment, verify
from sovopt.model import variables
from sovopt.model.constraints import MODULES
from sovopt.model.terms import add_terms
from sovopt.presets import BUILTIN, Level, load_preset

ROOT = Path(__file__).resolve().parent.parent
FORMULATION = ROOT / "docs" / "FORMULATION.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- contract:begin -->", "<!-- contract:end -->"
OUT_BEGIN, OUT_END = "<!-- outputs:begin -->", "<!-- outputs:end -->"

INTRO = """\
# The sovopt portfolio model

This file is generated from the code by `make docs` (`python -m sovopt.docs`);
edit the docstrings and the preset files, not this file. Each section below is
the docstring of the module that implements it, so the mathematics here is the
mathematics that runs; the preset table is read from the presets sovopt ships.
"""


def _number(value: float) -> str:
    """A weight or gap as written in a preset: 1, 0.1, 0.00022."""
    return f"{value:g}"


def _level_text(level: Level) -> str:
    """``cvar + 0.1 × worst_case`` (gap 0.00022): a level's weighted terms, as in its file."""
    terms = " + ".join(name if weight == 1 else f"{_number(weight)} × {name}"
                       for name, weight in level.terms.items())
    return terms + (f" (gap {_number(level.absolute_gap)})"
                    if level.absolute_gap is not None else "")


def preset_table() -> str:
    """The bundled presets, read from their YAML files: levels in order, tolerance."""
    rows = ["| preset | levels, in order | held within | what it is for |", "|---|---|---|---|"]
    for name in BUILTIN:
        p = load_preset(name)
        levels = " · ".join(_level_text(lv) for lv in p.levels)
        held = f"{_number(p.relative_tolerance)} relative, {_number(p.absolute_tolerance)}"
        off = f" Switched off: {', '.join(sorted(p.switch_off))}." if p.switch_off else ""
        rows.append(f"| {p.name} | {levels} | {held} | {p.description}{off} |")
    return "\n".join(rows) + "\n"


def _doc(obj) -> str:
    return inspect.cleandoc(obj.__doc__ or "")


def _section(title: str, text: str) -> str:
    body = re.sub(r"``([^`]+)``", r"`\1`", text)
    body = re.sub(r":(?:func|mod|class|data|meth|attr):`~?([^`]+)`", r"`\1`", body)
    return f"## {title}\n\n{body}\n"


def formulation_markdown() -> str:
    """The full text of docs/FORMULATION.md."""
    parts = [INTRO, _section("The model and its notation", _doc(model)),
             _section("Preparation (derived data)", _doc(prepare)),
             _section("Variables", _doc(variables))]
    for n, (name, module) in enumerate(MODULES.items(), start=1):
        parts.append(_section(f"Constraint family {n}: {name}", _doc(module)))
    parts.append(_section("Terms (dependence measures)",
                          _doc(sys.modules[add_terms.__module__])))
    parts.append(_section("Objective: presets of lexicographic levels",
                          _doc(presets) + "\n\n" + preset_table()))
    parts.append(_section("Solving level by level", _doc(solve)))
    parts.append(_section("Verification of every solution", _doc(verify)))
    parts.append(_section("Infeasibility diagnosis", _doc(diagnose)))
    parts.append(_section("Fleets, repair lines, stock and leverage of any portfolio",
                          _doc(sustainment)))
    return "\n".join(parts)


def _replace_block(text: str, begin: str, end: str, body: str) -> str:
    """``text`` with the lines between ``begin`` and ``end`` replaced by ``body``."""
    if begin not in text or end not in text:
        return text
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}{end}{tail}"


def readme_with_contract(readme: str) -> str:
    """The README text with the workbook contract (input schema) and the output
    contract (output schema) regenerated between their markers."""
    readme = _replace_block(readme, BEGIN, END, schema.contract_markdown())
    return _replace_block(readme, OUT_BEGIN, OUT_END, outputs.markdown_table())


def main() -> None:
    FORMULATION.write_text(formulation_markdown(), encoding="utf-8")
    if README.exists():
        README.write_text(readme_with_contract(README.read_text(encoding="utf-8")),
                          encoding="utf-8")
    print(f"wrote {FORMULATION.relative_to(ROOT)} and the contract in README.md")


if __name__ == "__main__":
    main()
