"""Objective presets: ordered levels of weighted terms, read from YAML and validated.

A preset names its levels in order; each level is a weighted sum of the terms
of :mod:`sovopt.model.terms`. Optional keys: ``tolerance`` (``relative``,
``absolute``: how far an optimised level may move while later levels are
optimised) and ``switch_off`` (constraint families to leave out of the model).
Unmet demand is always the first level: a preset that does not start with it
gets it added in front.

The bundled presets live in the repository's ``models/`` folder; a user copies
one, edits it and passes the file with ``--objective FILE.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sovopt.errors import SovoptError

PRESET_DIR = Path(__file__).resolve().parent.parent / "models"
BUILTIN = ("min_dependence", "min_cost", "balanced")


@dataclass(frozen=True)
class Level:
    name: str
    terms: dict[str, float]


@dataclass(frozen=True)
class Preset:
    name: str
    levels: tuple[Level, ...]
    description: str = ""
    relative_tolerance: float = 0.01
    absolute_tolerance: float = 1e-6
    switch_off: frozenset[str] = field(default_factory=frozenset)
    source: str = ""

    def as_dict(self) -> dict:
        return {
            "name": self.name, "description": self.description,
            "tolerance": {"relative": self.relative_tolerance,
                          "absolute": self.absolute_tolerance},
            "switch_off": sorted(self.switch_off),
            "levels": [{"name": lv.name, "terms": dict(lv.terms)} for lv in self.levels],
        }


def load_preset(name_or_path: str) -> Preset:
    """A bundled preset by name, or a user's YAML file; every problem reported at once."""
    path = Path(name_or_path)
    if name_or_path in BUILTIN:
        path = PRESET_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise SovoptError(f"bundled preset {name_or_path} not found at {path}")
    elif path.suffix.lower() not in (".yaml", ".yml"):
        raise SovoptError(f"unknown objective {name_or_path!r}; expected one of "
                          f"{', '.join(BUILTIN)} or a .yaml preset file")
    if not path.is_file():
        raise SovoptError(f"objective preset file {path} not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SovoptError(f"{path.name}: not valid YAML ({exc})") from None
    return parse_preset(raw, source=path.name)


def parse_preset(raw: object, source: str = "preset") -> Preset:
    """Validate a preset read from YAML; raise one SovoptError listing every problem."""
    from sovopt.model import OPTIONAL_FAMILIES  # the model (and Pyomo) only when needed
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise SovoptError(f"{source}: a preset is a mapping with a 'levels' list")
    known = {"name", "description", "tolerance", "levels", "switch_off"}
    problems += [f"{source}: unknown key {k!r}; expected one of {', '.join(sorted(known))}"
                 for k in raw if k not in known]
    tol = raw.get("tolerance") or {}
    rel, abs_ = 0.01, 1e-6
    if not isinstance(tol, dict):
        problems.append(f"{source}: tolerance must map relative/absolute to numbers")
    else:
        rel = _number(tol.get("relative", rel), f"{source}: tolerance.relative", problems)
        abs_ = _number(tol.get("absolute", abs_), f"{source}: tolerance.absolute", problems)
    off = raw.get("switch_off") or []
    if not isinstance(off, list):
        problems.append(f"{source}: switch_off must be a list of constraint families")
        off = []
    for fam in off:
        if fam not in OPTIONAL_FAMILIES:
            problems.append(f"{source}: switch_off: {fam!r} cannot be switched off; expected "
                            f"any of {', '.join(OPTIONAL_FAMILIES)}")
    levels = _levels(raw.get("levels"), source, problems)
    needs = {"cvar": "scenario_shortfall", "worst_case": "scenario_shortfall",
             "expected_shortfall": "scenario_shortfall", "hhi": "hhi_epigraph"}
    for lv in levels:
        for term in lv.terms:
            if needs.get(term) in off:
                problems.append(f"{source}: level {lv.name!r} uses {term}, but switch_off "
                                f"removes {needs[term]}, which defines it")
    if problems:
        raise SovoptError("invalid objective preset:\n  " + "\n  ".join(problems))
    if not levels or set(levels[0].terms) != {"unmet"}:
        levels.insert(0, Level("unmet demand", {"unmet": 1.0}))
    return Preset(name=str(raw.get("name") or source), levels=tuple(levels),
                  description=str(raw.get("description") or ""), relative_tolerance=rel,
                  absolute_tolerance=abs_, switch_off=frozenset(off), source=source)


def _number(value: object, where: str, problems: list[str]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problems.append(f"{where}: {value!r} is not a number >= 0")
        return 0.0
    return float(value)


def _levels(raw: object, source: str, problems: list[str]) -> list[Level]:
    from sovopt.model import TERMS
    if not isinstance(raw, list) or not raw:
        problems.append(f"{source}: levels must be a non-empty list")
        return []
    levels = []
    for i, item in enumerate(raw, start=1):
        where = f"{source}: levels[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("terms"), dict):
            problems.append(f"{where}: expected a mapping with 'name' and 'terms' "
                            "(term: weight)")
            continue
        terms = {}
        for term, weight in item["terms"].items():
            if term not in TERMS:
                problems.append(f"{where}: unknown term {term!r}; expected one of "
                                f"{', '.join(TERMS)}")
                continue
            terms[term] = _number(weight, f"{where}.terms.{term}", problems)
        if not terms:
            problems.append(f"{where}: has no terms")
        levels.append(Level(str(item.get("name") or f"level {i}"), terms))
    return levels
