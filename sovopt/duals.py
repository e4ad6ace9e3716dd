"""Marginal values of budget and localization per year, and what they mean in words.

After the levels, the binaries are fixed at their optimum and the LP of the
primary level (the first after unmet demand) is solved again; a row's dual is
how much that level changes per unit more of its limit. A limit that is used
to the full (zero slack), or one a level would gain from, binds: where the primary
level does not change with it (a dual of 0, e.g. scenario risk that more
money cannot lower), the LP of each later level is solved in turn, the levels
before it held as in the solve, and the first level the limit is worth
something to is named (e.g. cost). "does not bind" is said only of a limit
with slack left.

The rows are found by their constraint family (:mod:`sovopt.model.family`,
the ``FAMILY`` of :mod:`sovopt.model.constraints.budget` and
:mod:`sovopt.model.constraints.localization`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd

from sovopt.highs import (
    HighsModel,
    Stop,
    clear_state,
    options_set,
    set_cost,
    set_time_limit,
    supervised_run,
)
from sovopt.level import level_cost
from sovopt.model.constraints.budget import FAMILY as BUDGET
from sovopt.model.constraints.localization import FAMILY as LOCALIZATION
from sovopt.model.family import row_family
from sovopt.prepare import ModelData
from sovopt.presets import Preset
from sovopt.spend import unit_spend_by_year

COLUMNS = ["constraint", "year", "marginal_value", "objective", "meaning"]
#: A marginal value smaller than this (per step of the limit, in a level's 0..1 units)
#: is no change.
NO_CHANGE = 5e-7
#: A row within this share of its limit (at least this much) is used to the full.
BINDING = 1e-7


@dataclass
class Limit:
    """One priced row: its family, year, row index, whether it is used to the full, and
    what one step of it is worth per level (level name -> value)."""

    family: str
    year: int
    row: int
    binding: bool
    values: dict[str, float]


def marginal_values(hm: HighsModel, d: ModelData, preset: Preset, held: list[tuple[int, int]],
                    values: np.ndarray, x_pos: np.ndarray, seconds: float, stop: Stop,
                    lp_solver: str = "choose") -> tuple[pd.DataFrame, list[str]]:
    """The marginal values (rows of :data:`COLUMNS`) and notes for the reader.

    ``held``: (level, HiGHS row) of each held level's objective row; ``values``:
    the final verified solution; ``seconds``: the time all the LPs may take
    together; ``lp_solver``: HiGHS's method for the primary level's LP.
    Changes the model in ``hm`` for good (integers fixed, held rows freed).
    """
    levels = [k for k, lv in enumerate(preset.levels)
              if set(lv.terms) != {"unmet"} and level_cost(hm, lv.terms)[1]]
    if not levels:
        return pd.DataFrame(columns=COLUMNS), []
    h = hm.highs
    binary = np.flatnonzero(hm.binary)
    fixed = np.round(values[binary])
    h.changeColsBounds(len(binary), binary.astype(np.int32), fixed, fixed)
    integer = np.flatnonzero(hm.integrality == 1).astype(np.int32)
    h.changeColsIntegrality(len(integer), integer,
                            np.full(len(integer), highspy.HighsVarType.kContinuous))
    limits = _limits(hm, values)
    if not limits:
        return pd.DataFrame(columns=COLUMNS), []
    spend = unit_spend_by_year(d.options, d.deliveries[["option_id", "year"]].assign(
        units=values[x_pos]))["cost"]
    deadline = stop.deadline = time.monotonic() + seconds
    notes: list[str] = []
    for n, k in enumerate(levels):
        if n and not any(lim.binding and all(abs(v) < NO_CHANGE for v in lim.values.values())
                         for lim in limits):
            break  # every binding limit is worth something to a level already
        level = preset.levels[k]
        cost, scale = level_cost(hm, level.terms)
        _free_held(h, held, hm, k)
        set_cost(hm, cost)
        clear_state(h)
        left = deadline - time.monotonic()
        if left <= 0.1 and n:
            notes.append(f"Marginal values for {level.name} were not computed: no time left.")
            break
        set_time_limit(h, max(left, 0.1), lp=True)
        with options_set(h, {"solver": lp_solver if n == 0 and lp_solver == "ipm"
                             else "choose"}):
            status = supervised_run(h, stop)
        if status != highspy.HighsModelStatus.kOptimal:
            if n == 0:
                notes.append(
                    "Marginal values of budget and localization could not be computed: the "
                    f"LP re-solve ended with '{h.modelStatusToString(status)}' after "
                    f"{seconds:.0f} s.")
                return pd.DataFrame(columns=COLUMNS), notes
            break
        dual = np.asarray(h.getSolution().row_dual) * scale
        for lim in limits:
            if lim.family == BUDGET.name:
                lim.values[level.name] = -dual[lim.row]
            else:
                lim.values[level.name] = dual[lim.row] * 0.01 * float(spend.get(lim.year, 0.0))
    primary = preset.levels[levels[0]].name
    currency = d.case.settings.currency
    rows = []
    for lim in limits:
        step = (budget_step(float(d.budget.loc[lim.year, "budget"]))
                if lim.family == BUDGET.name else 1.0)
        worth = next(((name, v) for name, v in lim.values.items()
                      if abs(v * step) >= NO_CHANGE), None)
        name, value = worth if worth is not None else (primary, lim.values.get(primary, 0.0))
        # a limit some level would gain from binds in that level's LP (complementary
        # slackness), even where the plan held within the levels' tolerances leaves a
        # sliver of it unused
        lim.binding = lim.binding or worth is not None
        if lim.family == BUDGET.name:
            text = budget_meaning(value, lim.year, name, currency,
                                  float(d.budget.loc[lim.year, "budget"]), lim.binding,
                                  primary)
        else:
            text = localization_meaning(value, lim.year, name, lim.binding, primary)
        rows.append((lim.family, lim.year, float(value) + 0.0, name, text))  # no -0.0
    return pd.DataFrame(rows, columns=COLUMNS), notes


def _limits(hm: HighsModel, values: np.ndarray) -> list[Limit]:
    """The budget and localization rows of ``hm``, each with whether ``values`` use it
    to the full (activity at its bound, within :data:`BINDING` of the row's size)."""
    out = []
    for i, (con, kind) in enumerate(hm.rows):
        family = row_family(con)
        if family not in (BUDGET.name, LOCALIZATION.name):
            continue
        row = hm.A[[i], :]
        activity = float((row @ values)[0])
        size = float((abs(row) @ np.abs(values))[0])
        bound = hm.row_upper[i] if kind >= 0 else hm.row_lower[i]
        binding = abs(activity - bound) <= BINDING * max(1.0, size, abs(bound))
        out.append(Limit(family, int(con.index()), i, binding, {}))
    return out


def _free_held(h: highspy.Highs, held: list[tuple[int, int]], hm: HighsModel, k: int) -> None:
    """Held rows of levels before ``k`` as in the solve, of ``k`` and after freed."""
    for level, row in held:
        if level >= k:
            h.changeRowBounds(row, -highspy.kHighsInf, highspy.kHighsInf)


def _points(change: float) -> str:
    """A change of a level's value (shares of 0..1) in percentage points."""
    return f"{abs(change) * 100:.3g} points"


def budget_step(budget: float) -> float:
    """The round step of money a budget's marginal value is said per (1 % of it, rounded
    down to a power of ten, at least 1)."""
    return 10.0 ** math.floor(math.log10(max(budget * 0.01, 1.0))) if budget > 0 else 1.0


def budget_meaning(value: float, year: int, level: str, currency: str, budget: float,
                   binding: bool = False, primary: str | None = None) -> str:
    """The budget's marginal value in words, per a round step of money.

    ``level`` is the level ``value`` is for; ``primary`` the first level priced
    (when it differs, more budget does not change the primary level at all);
    ``binding``: all of that year's budget is spent.
    """
    step = budget_step(budget)
    change = value * step
    money = currency.strip() if step == 1.0 else f"{step:,.0f} {currency}".strip()
    primary = primary or level
    more = f"one more {money} of budget in {year}"
    if binding:
        more += " (it binds: all of it is spent)"
    if abs(change) < NO_CHANGE:
        if binding:
            return (f"one more {money} of budget in {year} would improve no level (not "
                    f"{primary}, nor any after it), though the budget binds: all of it is "
                    "spent")
        return f"{more} would not improve {level}: the budget does not bind that year"
    verb = "lowers" if change > 0 else "raises"
    if level != primary:
        return f"{more} would not lower {primary}, but {verb} {level} by {_points(change)}"
    return f"{more} {verb} {level} by {_points(change)}"


def localization_meaning(value: float, year: int, level: str, binding: bool = False,
                         primary: str | None = None) -> str:
    """The localization target's marginal value in words, per percentage point
    (``binding``: the year's local share is exactly at its target)."""
    primary = primary or level
    more = f"one point more localization target in {year}"
    if binding:
        more += " (it binds: the local share is exactly at it)"
    if abs(value) < NO_CHANGE:
        if binding:
            return (f"one point more localization target in {year} would change no level "
                    f"(not {primary}, nor any after it), though the target binds: the "
                    "local share is exactly at it")
        return f"{more} would not change {level}: the target does not bind that year"
    verb = "worsens" if value > 0 else "improves"
    if level != primary:
        return f"{more} would not change {primary}, but {verb} {level} by {_points(value)}"
    return f"{more} {verb} {level} by {_points(value)}"
