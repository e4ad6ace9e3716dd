"""Objective presets: ordered levels of weighted terms, read from YAML and validated.

A preset names its levels in order; each level is a weighted sum of the terms
of :mod:`sovopt.model.terms`. Optional keys: ``tolerance`` (``relative``,
``absolute``: how far an optimised level may move while later levels are
optimised), ``switch_off`` (constraint families to leave out of the model) and,
per level, ``gap`` (``relative``, ``absolute``: when the level's solve may stop,
the absolute gap in the level's own units) and ``time_weight`` (its claim on
the time left; see :class:`Level`).
Unmet demand is always the first level: a preset that does not start with it
gets it added in front. Levels are optimised in order on one compiled model
(:mod:`sovopt.solver`): once a level is optimised, its objective row is held as
a constraint, ``level ≤ value + max(relative·|value|, absolute)`` (the
``tolerance``), and the next level starts from the previous solution.

The bundled presets ship inside the package (``sovopt/presets/*.yaml``, beside
this module as package data, so a wheel install has them); a user copies one,
edits it and passes the file with ``--objective FILE.yaml``.

A preset file is untrusted input, so it is read within bounds: a regular file
of at most :data:`MAX_PRESET_BYTES`, parsed by PyYAML's safe loader with at
most :data:`MAX_ALIASES` aliases, nesting at most :data:`MAX_DEPTH` deep and
at most :data:`MAX_NODES` values once aliases are expanded (a 518-byte alias
bomb would otherwise expand to gigabytes the first time it is printed).
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sovopt.errors import SovoptError

PRESET_DIR = Path(__file__).resolve().parent
BUILTIN = ("min_dependence", "min_cost", "balanced")

#: Bounds on a preset file (a real preset is a few hundred bytes, a dozen values deep 4).
MAX_PRESET_BYTES = 256 * 1024
MAX_ALIASES = 50
MAX_DEPTH = 32
MAX_NODES = 100_000


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits on aliases and nesting depth (checked while
    composing, before any object is built, so a deep file cannot exhaust the stack)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise SovoptError(f"uses more than {MAX_ALIASES} YAML aliases (*name); "
                                  "a preset needs none")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise SovoptError(f"nests values more than {MAX_DEPTH} levels deep; a preset "
                                  "is a mapping of levels and terms")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded_size(value: object) -> int:
    """How many values ``value`` holds once every alias is expanded (shared objects
    counted each time they are reached, as printing them would); stops past
    MAX_NODES. Raises for a value that contains itself."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(v: object) -> int:
        if not isinstance(v, dict | list):
            return 1
        key = id(v)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise SovoptError("holds a value that contains itself (a recursive YAML alias)")
        active.add(key)
        items = list(v.keys()) + list(v.values()) if isinstance(v, dict) else v
        total = 1
        for item in items:
            total += size(item)
            if total > MAX_NODES:
                break
        active.discard(key)
        sizes[key] = total
        return total

    return size(value)


def read_yaml(path: Path) -> object:
    """The YAML document in ``path``, read within the bounds above; every way it can fail
    is one SovoptError naming the file."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise SovoptError(f"objective preset file {path}: cannot be read "
                          f"({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise SovoptError(f"objective preset file {path} is not a regular file (a folder, "
                          "a pipe or a device); give a .yaml file")
    if info.st_size > MAX_PRESET_BYTES:
        raise SovoptError(f"objective preset file {path} is {info.st_size // 1024} KB; a "
                          f"preset is at most {MAX_PRESET_BYTES // 1024} KB")
    try:
        with open(path, "rb") as fh:
            text = fh.read(MAX_PRESET_BYTES + 1).decode("utf-8")
        loader = _BoundedLoader(text)
        try:
            raw = loader.get_single_data()
        finally:
            loader.dispose()
    except SovoptError as exc:
        raise SovoptError(f"{path.name}: {exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise SovoptError(f"{path.name}: not valid YAML ({exc})") from None
    except OSError as exc:
        raise SovoptError(f"objective preset file {path}: cannot be read "
                          f"({exc.strerror or exc})") from None
    try:
        if _expanded_size(raw) > MAX_NODES:
            raise SovoptError(f"expands to more than {MAX_NODES} values through its "
                              "aliases (a YAML bomb?); a preset holds a few dozen")
    except SovoptError as exc:
        raise SovoptError(f"{path.name}: {exc}") from None
    return raw


#: Default absolute gap of each term, in the term's own units (shares of weighted
#: demand, of the total budget, an HHI in 0..1): below these the data cannot tell
#: two plans apart (1 % of a CVaR of 0.0045 would be 4.5e-5 of demand). A level's
#: default is the weighted sum over its terms; a preset may set ``gap`` per level.
DEFAULT_ABSOLUTE_GAP = {"unmet": 0.0, "expected_shortfall": 2e-4, "worst_case": 2e-4,
                        "cvar": 2e-4, "exposure": 1e-3, "hhi": 1e-3, "cost": 1e-3}

#: Default share of the solve's time a level may take, relative to the other levels,
#: by its hardest term. Measured with bench/ (example, R, M): the risk levels
#: (scenario losses; exposure and concentration) carry the weak bounds and the
#: search for a first plan; the cost level starts from a plan within a fraction
#: of a percent of its optimum and mostly proves it, and unmet demand is an LP
#: in all but name. A preset may set ``time_weight`` per level.
DEFAULT_TIME_WEIGHT = {"unmet": 1.0, "expected_shortfall": 2.0, "worst_case": 2.0,
                       "cvar": 2.0, "exposure": 2.0, "hhi": 2.0, "cost": 1.0}


@dataclass(frozen=True)
class Level:
    """One level: a weighted sum of terms, and when its solve may stop.

    HiGHS stops the level at whichever gap is reached first: ``relative_gap``
    (None: the solve's ``mip_gap``) or ``absolute_gap`` (in the level's own units;
    None: the weighted sum of :data:`DEFAULT_ABSOLUTE_GAP` over its terms).
    ``time_weight`` (None: the largest :data:`DEFAULT_TIME_WEIGHT` of its terms)
    is its claim on the time left, against the levels still to come.
    """

    name: str
    terms: dict[str, float]
    relative_gap: float | None = None
    absolute_gap: float | None = None
    time_weight: float | None = None

    @property
    def weight(self) -> float:
        """The level's claim on the time left (its own or its terms' default)."""
        if self.time_weight is not None:
            return self.time_weight
        return max((DEFAULT_TIME_WEIGHT.get(t, 1.0) for t in self.terms), default=1.0)

    @property
    def stop_gap(self) -> float:
        """The absolute gap the level stops at (its own or the terms' default)."""
        if self.absolute_gap is not None:
            return self.absolute_gap
        return sum(w * DEFAULT_ABSOLUTE_GAP.get(t, 0.0) for t, w in self.terms.items())


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
            "levels": [{"name": lv.name, "terms": dict(lv.terms),
                        "gap": {"relative": lv.relative_gap, "absolute": lv.stop_gap},
                        "time_weight": lv.weight}
                       for lv in self.levels],
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
    if not os.path.lexists(path):
        raise SovoptError(f"objective preset file {path} not found")
    return parse_preset(read_yaml(path), source=path.name)


def parse_preset(raw: object, source: str = "preset") -> Preset:
    """Validate a preset read from YAML; raise one SovoptError listing every problem."""
    # the model (and Pyomo) only when needed
    from sovopt.model.constraints import OPTIONAL_FAMILIES, TERM_FAMILY
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
    for lv in levels:
        for term in lv.terms:
            if TERM_FAMILY.get(term) in off:
                problems.append(f"{source}: level {lv.name!r} uses {term}, but switch_off "
                                f"removes {TERM_FAMILY[term]}, which defines it")
    for key in ("name", "description"):
        if raw.get(key) is not None and not isinstance(raw.get(key), str | int | float):
            problems.append(f"{source}: {key} must be text")
    if problems:
        raise SovoptError("invalid objective preset:\n  " + "\n  ".join(problems))
    if not levels or set(levels[0].terms) != {"unmet"}:
        levels.insert(0, Level("unmet demand", {"unmet": 1.0}))
    return Preset(name=str(raw.get("name") or source), levels=tuple(levels),
                  description=str(raw.get("description") or ""), relative_tolerance=rel,
                  absolute_tolerance=abs_, switch_off=frozenset(off), source=source)


def _number(value: object, where: str, problems: list[str]) -> float:
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or value < 0):
        problems.append(f"{where}: {value!r} is not a finite number >= 0")
        return 0.0
    return float(value)


def _levels(raw: object, source: str, problems: list[str]) -> list[Level]:
    # the model (and Pyomo) only when needed
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
        unknown = set(item) - {"name", "terms", "gap", "time_weight"}
        problems += [f"{where}: unknown key {k!r}; expected name, terms, gap or time_weight"
                     for k in sorted(unknown, key=str)]
        weight = None
        if item.get("time_weight") is not None:
            weight = _number(item["time_weight"], f"{where}.time_weight", problems)
            if weight == 0:
                problems.append(f"{where}.time_weight: must be above 0")
        rel_gap = abs_gap = None
        gap = item.get("gap")
        if gap is not None:
            if not isinstance(gap, dict) or set(gap) - {"relative", "absolute"}:
                problems.append(f"{where}: gap must map relative and/or absolute to numbers")
            else:
                if "relative" in gap:
                    rel_gap = _number(gap["relative"], f"{where}.gap.relative", problems)
                if "absolute" in gap:
                    abs_gap = _number(gap["absolute"], f"{where}.gap.absolute", problems)
        levels.append(Level(str(item.get("name") or f"level {i}"), terms, rel_gap, abs_gap,
                            weight))
    return levels
