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
solved again (``--sample-seed``) and gives the same perturbed case. The drawing
itself is :func:`sovopt.studies.perturb.perturb` (what a worker applies).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.report import WITH_PORTFOLIO
from sovopt.studies.perturb import RANGES, Range, bounds, check_ranges, perturb, sample_seeds
from sovopt.studies.record import StudyOutcome
from sovopt.studies.tasks import Task

__all__ = ["CORE", "EXTERIOR", "RANGES", "Range", "bounds", "check_ranges", "core_table",
           "perturb", "robust_tasks", "sample_seeds", "samples_table"]

CORE, EXTERIOR = 0.9, 0.1


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
