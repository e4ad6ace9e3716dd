"""``sovopt robust``: the robust core of a case, after Liesiö, Mild and Salo.

Robust Portfolio Modelling (J. Liesiö, P. Mild, A. Salo, "Preference
programming for robust portfolio modeling and project selection", European
Journal of Operational Research 181 (2007) 1488–1505) asks, when the inputs are
known only within ranges, which projects belong to every good portfolio (the
core), to none (the exterior) and to some (borderline); its *core index* of a
project is the share of the non-dominated portfolios that contain it. sovopt
samples the ranges instead of enumerating the non-dominated set: each sample
perturbs

- every option's unit_cost within cost_low..cost_high,
- every country's risk_score within risk_low..risk_high,
- every scenario's probability within probability_low..probability_high (one
  draw per scenario_id; if the probabilities then add up to more than 1 they
  are scaled down in proportion, as the case requires at most 1),
- every scenario row's loss within loss_low..loss_high,

uniformly and independently (a blank bound means ±10 % of the value for cost
and risk, ±25 % for probability and loss, kept within 0..1 for shares), and
solves the perturbed case as ``sovopt solve`` would. An option's core index is
the share of the samples with a portfolio whose portfolio starts it: **core**
at ≥ 0.9, **exterior** at ≤ 0.1, **borderline** between.

Sample ``i`` is drawn from its own seed (``numpy.random.default_rng(seed_i)``,
the seeds spawned from ``--seed`` by :class:`numpy.random.SeedSequence`); the
seeds are kept with the runs and on the Robust sheet, so any one sample can be
solved again (``--sample-seed``) and gives the same perturbed case.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.errors import InvalidCase, Problem
from sovopt.report import WITH_PORTFOLIO
from sovopt.studies.record import StudyOutcome
from sovopt.studies.tasks import Task

CORE, EXTERIOR = 0.9, 0.1


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


def robust_tasks(seeds: list[int], objective: str | None = None,
                 time_limit: float | None = None, gap: float | None = None) -> list[Task]:
    return [Task(i, f"sample {i} (seed {s})", (), s, objective, time_limit, gap)
            for i, s in enumerate(seeds)]


def core_table(case: Case, outcome: StudyOutcome) -> tuple[pd.DataFrame, int]:
    """Per option: core index, class, samples starting it; and how many samples count
    (those with a portfolio)."""
    solved = [p for p in outcome.points.values() if p.status in WITH_PORTFOLIO]
    counts: dict[str, int] = {}
    for p in solved:
        for o in set(p.report.tables["portfolio"]["option_id"].astype(str)):
            counts[o] = counts.get(o, 0) + 1
    n = len(solved)
    opts = case.options[["option_id", "capability_id", "supplier_id", "mode"]].copy()
    opts["option_id"] = opts["option_id"].astype(str)
    opts["started_in"] = opts["option_id"].map(counts).fillna(0).astype(int)
    opts["samples"] = n
    opts["core_index"] = opts["started_in"] / n if n else np.nan
    opts["class"] = [("" if not n else "core" if ci >= CORE - 1e-12 else
                      "exterior" if ci <= EXTERIOR + 1e-12 else "borderline")
                     for ci in opts["core_index"]]
    opts = opts.sort_values(["core_index", "option_id"], ascending=[False, True])
    return opts.reset_index(drop=True), n


def samples_table(tasks: list[Task], outcome: StudyOutcome) -> pd.DataFrame:
    rows = []
    for t in tasks:
        p = outcome.points.get(t.index)
        s = p.report.summary if p else {}
        started = ", ".join(sorted(p.report.tables["portfolio"]["option_id"].astype(str))) \
            if p is not None and "portfolio" in p.report.tables else ""
        rows.append({"sample": t.index, "seed": t.seed,
                     "status": p.status if p else ("failed" if t.index in outcome.failures
                                                   else "not run"),
                     "total_cost": s.get("total_cost"), "cvar": s.get("cvar"),
                     "exposure": s.get("exposure"), "started": started,
                     "run_id": outcome.run_ids.get(t.index)})
    return pd.DataFrame(rows)
