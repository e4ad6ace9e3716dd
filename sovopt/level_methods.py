"""Which methods a level gets, by the model's size and the level's kind.

Each rule is here once, beside the measurement that set it: where HiGHS's light
presolve and the interior-point method pay, where relax-and-fix and the cost-only
crash start are tried, which levels run in a child process ended at its deadline
(:mod:`sovopt.isolated`) and which race two such runs. The level loop
(:mod:`sovopt.solver`) and the level solver (:mod:`sovopt.level`) ask; the block
search keeps its own rule (:func:`sovopt.heuristics.block_search.pays`).
"""

from __future__ import annotations

import numpy as np

from sovopt.heuristics.relax_and_fix import MIN_INTEGERS as RF_MIN_INTEGERS
from sovopt.highs import HighsModel
from sovopt.presets import Preset

SCENARIO_TERMS = frozenset({"cvar", "worst_case", "expected_shortfall"})

#: Rows from which a level's MIP runs in a child process that can be ended at its
#: deadline (:mod:`sovopt.isolated`): bench R (about 51,000 rows) is where HiGHS was
#: measured 26 s past a 5 s share inside one root cut round; the example (about
#: 3,900 rows) never ran past its share, and saves the child's start (0.2–0.5 s).
ISOLATE_MIN_ROWS = 20_000
#: The HiGHS runs raced on such a model for a level of scenario losses, one child
#: process each: the same start and two random seeds, a core each, so that one
#: unlucky search does not anchor the level. Other levels run once on both cores.
#: Measured by ``python -m bench.race`` on bench R seeds 0/1/2 at 60 s (idle): the
#: scenario level's gap 21.7/22.8/2.8 % run once, 14.2/0.4/2.8 % raced. Raced too,
#: the cost level (a 6 s share, its bound from the root LP on both cores) had no
#: bound after its share on seed 0 (95 %, against 12.6 % run once).
RACE: tuple[dict[str, object], ...] = ({"threads": 1}, {"threads": 1, "random_seed": 1})
#: Rows from which a level is not raced: each run holds its own copy of the model. On
#: bench L (735,000 rows) one child held 1.9 GB beside the solve's own 2.3 GB; a second
#: would take the two past the 4 GB the benchmark allows.
RACE_MAX_ROWS = 200_000

#: Rows from which every run of the solve uses HiGHS's light presolve
#: (:data:`LIGHT_PRESOLVE`). Measured on bench L (735k rows), exposure level: the
#: full presolve took 69 s and could not be interrupted (a 30 s share ran 69 s),
#: of which its last pass took 54 s to remove 2,300 rows; the light one took 1 s,
#: and the run ended 1.8 s after its 30 s share with the root LP solved.
#: Bench M (67k rows) and smaller keep HiGHS's default.
LIGHT_PRESOLVE_ROWS = 200_000
LIGHT_PRESOLVE = 2  #: HiGHS ``presolve_mode`` for those models: 2, light.

#: Rows from which a scenario-risk level's LPs are solved by the interior-point
#: method (bench R, about 49,000 rows, is the smallest size measured faster).
IPM_MIN_ROWS = 20_000


def is_scenario_level(level) -> bool:
    """A level of scenario losses (with unmet demand at most beside them)."""
    return bool(set(level.terms) & SCENARIO_TERMS) and set(level.terms) <= (
        SCENARIO_TERMS | {"unmet"})


def first_optimised(scaled: list[tuple[np.ndarray, float]]) -> int | None:
    """The position of the first level with anything to optimise (a non-zero scale)."""
    return next((k for k, (_, sc) in enumerate(scaled) if sc), None)


def wants_crash_start(hm: HighsModel, preset: Preset,
                       scaled: list[tuple[np.ndarray, float]]) -> bool:
    """A crash start pays when the first optimised level is a risk measure of a MIP."""
    first = first_optimised(scaled)
    return (first is not None and "cost" not in preset.levels[first].terms
            and "cost" in hm.costs and bool(np.any(hm.integrality)))


def lp_solver(hm: HighsModel, level) -> str:
    """HiGHS's method for the level's MIP LPs: the interior-point method for a
    scenario-risk level of a large model, where it is measured faster (bench/,
    LP relaxation alone, CPU s: R 1.3 against 4.2 by simplex; M 6.1 against
    more than 16, where simplex had not finished; on the exposure level of M,
    simplex 2.4 against 6.9), else HiGHS's own choice."""
    return "ipm" if is_scenario_level(level) and hm.num_row >= IPM_MIN_ROWS else "choose"


def relax_and_fix_pays(hm: HighsModel, level) -> bool:
    """Relax-and-fix for a scenario-risk level of a model above the measured size."""
    return is_scenario_level(level) and hm.num_integer >= RF_MIN_INTEGERS


def isolated(hm: HighsModel) -> bool:
    """Whether the model's level MIPs run in a child process (:data:`ISOLATE_MIN_ROWS`)."""
    return hm.num_row >= ISOLATE_MIN_ROWS and bool(np.any(hm.integrality))


def race_variants(hm: HighsModel, terms) -> tuple[dict[str, object], ...]:
    """The HiGHS runs a level in a child process makes at once: :data:`RACE` for a level
    of scenario losses on a model below :data:`RACE_MAX_ROWS`, else one run."""
    return RACE if SCENARIO_TERMS & set(terms) and hm.num_row < RACE_MAX_ROWS else ({},)


#: Integer columns from which each optimisation of a frontier first runs column
#: generation by capability on the study's one column pool
#: (:mod:`sovopt.decompose.reuse`): its Lagrangian bound where it beats HiGHS's, and
#: the master's plan as the start where it is cheaper. The example (550 integer
#: columns) has every point proven optimal by HiGHS alone within its share. A single
#: solve's levels do not get it: before bench R's cost level, in 3.5 s (60 s limit)
#: it made 3 rounds and a bound of -1,389 against a plan of 402 (scaled units), in
#: 10 s (300 s limit) 4 rounds and 102.7 against 414.5; HiGHS's own bound was higher
#: both times, and its plans no cheaper (bench/README.md).
POOLED_COLUMNS_MIN_INTEGERS = 2_000


def pooled_columns(hm: HighsModel) -> bool:
    """Whether a frontier on this model runs column generation on one pool."""
    return hm.num_integer >= POOLED_COLUMNS_MIN_INTEGERS

