"""How a robust sample perturbs a case: every range drawn from the sample's own seed.

:func:`perturb` is what a worker applies to the case before it solves a robust
sample (:func:`sovopt.studies.tasks.run_task`), so it lives apart from the
robust core's tables (:mod:`sovopt.studies.robust`), which read the finished
study: the worker side never imports the client side. The ranges and their
defaults are described in :mod:`sovopt.studies.robust`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.errors import InvalidCase, Problem


@dataclass(frozen=True)
class Range:
    """One perturbed column: its sheet, the value, its bound columns, the default spread."""

    sheet: str
    column: str
    low: str
    high: str
    spread: float
    share: bool  # kept within 0..1


RANGES = (
    Range("Options", "unit_cost", "cost_low", "cost_high", 0.10, False),
    Range("Countries", "risk_score", "risk_low", "risk_high", 0.10, True),
    Range("Scenarios", "probability", "probability_low", "probability_high", 0.25, True),
    Range("Scenarios", "loss", "loss_low", "loss_high", 0.25, True),
)


def _given(df: pd.DataFrame, col: str) -> np.ndarray:
    """A bound column as floats (NaN where blank, all NaN if the column is absent)."""
    if col not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)


def bounds(case: Case, r: Range) -> tuple[np.ndarray, np.ndarray]:
    """The (low, high) of every row of ``r``'s column, blanks filled with the default."""
    df = case.table(r.sheet)
    value = df[r.column].astype(float).to_numpy()
    low, high = _given(df, r.low), _given(df, r.high)
    low = np.where(np.isnan(low), value * (1 - r.spread), low)
    high = np.where(np.isnan(high), value * (1 + r.spread), high)
    if r.share:
        low, high = np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)
    return low, high


def check_ranges(case: Case) -> None:
    """Every given range holds its value: low ≤ value ≤ high (all problems at once)."""
    problems = []
    for r in RANGES:
        df = case.table(r.sheet)
        value = df[r.column].astype(float).to_numpy()
        for side, col in (("low", r.low), ("high", r.high)):
            for i, g in enumerate(_given(df, col)):
                if np.isnan(g):
                    continue
                bad = g > value[i] + 1e-12 if side == "low" else g < value[i] - 1e-12
                if bad:
                    problems.append(Problem(
                        case.cell(r.sheet, col, df["row"].iloc[i]),
                        f"{col} {g:g} is {'above' if side == 'low' else 'below'} "
                        f"{r.column} {value[i]:g}",
                        f"expected {r.low} ≤ {r.column} ≤ {r.high}"))
    if problems:
        raise InvalidCase(problems)


def sample_seeds(seed: int, samples: int) -> list[int]:
    """The seeds of ``samples`` samples, spawned from ``seed``."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(samples)]


def perturb(case: Case, seed: int) -> Case:
    """The case with every range drawn from ``default_rng(seed)`` (see the module)."""
    rng = np.random.default_rng(seed)
    tables: dict[str, pd.DataFrame] = {}
    for r in RANGES:
        attr = r.sheet.lower()
        df = tables.setdefault(attr, case.table(r.sheet).copy())
        if df.empty:
            continue
        low, high = bounds(case, r)
        if r.column == "probability":  # one probability per scenario_id
            ids = df["scenario_id"].astype(str)
            first = ~ids.duplicated()
            drawn = pd.Series(rng.uniform(low[first.to_numpy()], high[first.to_numpy()]),
                              index=ids[first].to_numpy())
            total = float(drawn.sum())
            if total > 1.0:
                drawn = drawn / total
            df[r.column] = ids.map(drawn).to_numpy()
        else:
            df[r.column] = rng.uniform(low, high)
    return replace(case, **tables)
