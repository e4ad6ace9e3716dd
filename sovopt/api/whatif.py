"""What-ifs without Excel: a new Case with one input changed, validated.

An input is named exactly as ``sovopt sweep --vary`` names it, because the
change goes through the sweep's own parser and change
(:func:`sovopt.studies.sweep.parse_vary`, :func:`sovopt.studies.tasks.apply_changes`):

- a column, scaled: ``budget``, ``unit_cost``, ``demand``, ``Scenarios.loss``;
- one cell, set: ``SHEET:ID.COLUMN`` such as ``option:AD-BUY-ALD.unit_cost``,
  ``budget:2029.budget`` or ``scenario:EMB-X.loss`` (every row of that id).

The new Case is checked by the rules of the workbook reader
(:func:`sovopt.validate.validate`): an error raises
:class:`~sovopt.errors.CaseErrors` listing every problem; its warnings are
kept on ``case.warnings``. The case it came from is never touched.

>>> import sovopt
>>> case = sovopt.example_case()
>>> tighter = case.scaled("budget", 0.9)
>>> float(tighter.budget["budget"].sum()) == round(0.9 * float(case.budget["budget"].sum()), 9)
True
>>> float(case.with_value("option:AD-BUY-ALD.unit_cost", 12.0).options.set_index(
...     "option_id").at["AD-BUY-ALD", "unit_cost"])
12.0
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pandas as pd

from sovopt.errors import EXIT_USAGE, CaseErrors, SovoptError

if TYPE_CHECKING:  # Case's what-if methods import this module: no Case at run time
    from sovopt.case import Case
    from sovopt.variation import Vary

#: The Scenarios columns a scenario may be given by (besides its id).
SCENARIO_FIELDS = ("name", "country_id", "probability", "loss", "from_year", "to_year")


def scaled(case: Case, name: str, factor: float) -> Case:
    """``case`` with every value of the column ``name`` multiplied by ``factor``
    (``budget``, ``unit_cost``, ``demand``, ``Scenarios.loss``, ...).

    >>> import sovopt
    >>> c = sovopt.example_case().scaled("demand", 1.1)
    >>> round(float(c.demand["demand"].iloc[0]), 6) == round(1.1 * float(
    ...     sovopt.example_case().demand["demand"].iloc[0]), 6)
    True
    """
    return _changed(case, name, float(factor), "scale")


def with_value(case: Case, name: str, value: float) -> Case:
    """``case`` with the cell ``SHEET:ID.COLUMN`` set to ``value``
    (``option:AD-BUY-ALD.unit_cost``, ``budget:2029.budget``, ``scenario:EMB-X.loss``).

    >>> import sovopt
    >>> c = sovopt.example_case().with_value("budget:2029.budget", 500.0)
    >>> float(c.budget.set_index("year").at[2029, "budget"])
    500.0
    """
    return _changed(case, name, float(value), "set")


def with_scenario(case: Case, scenario_id: str, **values: object) -> Case:
    """``case`` with scenario ``scenario_id`` added or changed.

    ``values`` are Scenarios columns (:data:`SCENARIO_FIELDS`). A new id, or a
    country not yet in the scenario, adds a row (a new scenario needs
    ``country_id``, ``probability`` and ``loss``; a new country of an existing
    scenario takes its name, probability and years unless given). Otherwise
    ``probability`` and ``loss`` are set on every row of the scenario, as
    ``sweep --vary scenario:ID.loss`` does, and ``name``, ``from_year`` and
    ``to_year`` likewise.

    >>> import sovopt
    >>> c = sovopt.example_case().with_scenario("EMB-NEW", name="Embargo", country_id="WES",
    ...                                         probability=0.05, loss=0.5)
    >>> float(c.scenarios.set_index("scenario_id").at["EMB-NEW", "loss"])
    0.5
    """
    unknown = sorted(set(values) - set(SCENARIO_FIELDS))
    if unknown:
        raise SovoptError(f"with_scenario: no Scenarios column {', '.join(unknown)}; expected "
                          f"{', '.join(SCENARIO_FIELDS)}", exit_code=EXIT_USAGE)
    sc = case.scenarios
    ids = sc["scenario_id"].astype(str)
    rows = sc[ids == str(scenario_id)]
    country = values.get("country_id")
    new_row = rows.empty or (country is not None and
                             str(country) not in set(rows["country_id"].astype(str)))
    out = _copy(case)
    if new_row:
        if rows.empty:
            missing = [k for k in ("country_id", "probability", "loss") if values.get(k) is None]
            if missing:
                raise SovoptError(f"with_scenario: a new scenario {scenario_id!r} needs "
                                  f"{', '.join(missing)}", exit_code=EXIT_USAGE)
        first = rows.iloc[0].to_dict() if not rows.empty else {}
        row = {col: first.get(col) for col in sc.columns}
        row.update(scenario_id=str(scenario_id), row=None,
                   name=values.get("name", first.get("name", str(scenario_id))),
                   from_year=values.get("from_year", first.get("from_year",
                                                               case.settings.first_year)),
                   to_year=values.get("to_year", first.get("to_year", case.settings.last_year)))
        row.update({k: v for k, v in values.items() if v is not None})
        added = pd.DataFrame([row], columns=sc.columns)
        out.scenarios = pd.concat([sc, added], ignore_index=True) if len(sc) else added
    else:
        mask = out.scenarios["scenario_id"].astype(str) == str(scenario_id)
        for key in ("name", "from_year", "to_year"):
            if values.get(key) is not None:
                out.scenarios.loc[mask, key] = values[key]
    # the numbers go through the sweep's own parser, which checks their range, and its
    # change, which sets every row of the scenario; a new country's loss is its own row's
    for key in ("probability", "loss"):
        if values.get(key) is None:
            continue
        name, value = f"scenario:{scenario_id}.{key}", float(values[key])
        if key == "loss" and new_row:
            _parsed(name, value, out)
        else:
            out = _changed(out, name, value, "set", check=False)
    return _checked(out)


def _changed(case: Case, name: str, value: float, how: str, check: bool = True) -> Case:
    """The one change ``name`` (as ``sweep --vary`` reads it) applied with ``value``."""
    from sovopt.variation import apply_changes

    vary = _parsed(name, value, case)
    if vary.how != how:
        hint = ("scaled(name, factor) takes a column such as 'budget'; set one cell with "
                "with_value('SHEET:ID.COLUMN', value)" if how == "scale" else
                "with_value(name, value) takes one cell 'SHEET:ID.COLUMN'; scale a column "
                "with scaled(name, factor)")
        raise SovoptError(f"{name!r}: {hint}", exit_code=EXIT_USAGE)
    new = _copy(apply_changes(case, (vary.change(vary.values[0]),)))
    return _checked(new) if check else new


def _parsed(name: str, value: float, case: Case) -> Vary:
    """``name=value`` read and checked against ``case`` as ``sweep --vary`` reads it (its
    messages without the option's name: here it is an argument)."""
    from sovopt.variation import BadVary, parse_vary

    try:
        return parse_vary(f"{name}={value!r}", case)
    except BadVary as exc:
        raise BadVary(str(exc).removeprefix("--vary ")) from None


def _copy(case: Case) -> Case:
    """A Case whose tables are its own (a change to one never reaches the other)."""
    tables = {f.name: getattr(case, f.name).copy() for f in dataclasses.fields(case)
              if isinstance(getattr(case, f.name), pd.DataFrame)}
    return dataclasses.replace(case, **tables, warnings=list(case.warnings))


def _checked(case: Case) -> Case:
    """``case`` after the rules across sheets: errors raise, warnings are kept."""
    from sovopt.validate import validate

    problems = validate(case)
    if any(p.is_error for p in problems):
        raise CaseErrors(problems)
    case.warnings = [p for p in problems if not p.is_error]
    return case
