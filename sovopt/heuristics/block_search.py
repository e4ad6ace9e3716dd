"""Capability-block search: improve a plan a few capabilities at a time.

A level that starts from the previous level's plan can stay at that plan for its
whole share: HiGHS keeps the start as its incumbent and spends the time on the
bound (bench R's exposure level). The model is block-angular by capability
(:mod:`sovopt.decompose.blocks`), so a better plan can be searched for in small
pieces: free a handful of capabilities, hold every other capability's columns at
the incumbent, and let HiGHS optimise the freed part with the linking columns
(suppliers engaged, CVaR's auxiliaries) open, within a few seconds
(:func:`sovopt.heuristics.complete.complete`). An improvement that passes the
check of the whole model (:func:`sovopt.highs.check_vector`) becomes the incumbent.

Which capabilities are freed: first the ones that contribute most to the level's
objective at the incumbent (where there is most to gain), :data:`GROUP` at a time
down the list, then random groups drawn from a seeded generator, so that a run is
repeatable. A round in which no group improved the plan ends the search.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from sovopt.decompose.blocks import Decomposition, by_capability
from sovopt.heuristics.complete import complete
from sovopt.highs import HighsModel, Stop, check_vector
from sovopt.prepare import ModelData

#: Capabilities freed at a time.
GROUP = 4
#: Seconds one freed group may take.
GROUP_SECONDS = 4.0
#: An improvement must lower the objective by this share of its size to count.
IMPROVEMENT = 1e-7
#: The objective terms of the levels where the search measured better than HiGHS
#: alone from the same start (bench R, exposure and concentration: HiGHS stayed at
#: its start; on the scenario-risk and cost levels the search did not help).
PAYS_FOR_TERMS = frozenset({"exposure", "hhi"})
#: Models with fewer integer columns are left to HiGHS (the example has 550 and
#: HiGHS proves its levels in seconds; bench R has 7,232).
MIN_INTEGERS = 2_000


def pays(terms: dict[str, float], num_integer: int) -> bool:
    """Whether a level with these objective ``terms`` on a model with ``num_integer``
    integer columns gets a block search before its MIP."""
    return bool(PAYS_FOR_TERMS & set(terms)) and num_integer >= MIN_INTEGERS


@dataclass(frozen=True)
class SearchResult:
    """The best plan found (the incumbent when nothing improved it), its objective,
    and how many groups were tried and accepted."""

    values: np.ndarray
    value: float
    tried: int
    accepted: int


def group_order(dec: Decomposition, cost: np.ndarray, values: np.ndarray,
                rng: np.random.Generator, group: int) -> list[np.ndarray]:
    """Groups of block indices to free: by contribution to ``cost`` at ``values``
    (largest first), then one random permutation cut into groups."""
    contribution = np.array([float(cost[b.cols] @ values[b.cols]) for b in dec.blocks])
    ranked = np.argsort(-contribution, kind="stable")
    groups = [ranked[i:i + group] for i in range(0, ranked.size, group)]
    shuffled = rng.permutation(ranked.size)
    groups += [shuffled[i:i + group] for i in range(0, shuffled.size, group)]
    return groups


def search_level(hm: HighsModel, d: ModelData, cost: np.ndarray, start: np.ndarray,
                 seconds: float, stop: Stop) -> SearchResult:
    """Block search for a level: the capability blocks of what HiGHS holds now (held
    levels included) and the search from the level's verified ``start``."""
    return block_search(hm, by_capability(hm, d), cost, start, seconds, stop=stop)


def block_search(hm: HighsModel, dec: Decomposition, cost: np.ndarray, values: np.ndarray,
                 seconds: float, *, stop: Stop | None = None, group: int = GROUP,
                 group_seconds: float = GROUP_SECONDS, seed: int = 0) -> SearchResult:
    """Improve the verified plan ``values`` for ``cost`` within ``seconds`` (see the
    module docstring). ``values`` must satisfy the model ``dec`` was split from."""
    deadline = time.monotonic() + seconds
    stop = stop or Stop()
    best = np.asarray(values, dtype=float).copy()
    best_value = float(cost @ best)
    rng = np.random.default_rng(seed)
    tried = accepted = 0
    groups = group_order(dec, cost, best, rng, group)
    accepted_at_round_start = 0
    while groups and not stop.due:
        left = deadline - time.monotonic()
        if left < 0.2:
            break
        freed = groups.pop(0)
        held = np.concatenate([b.cols for k, b in enumerate(dec.blocks) if k not in set(freed)]
                              or [np.zeros(0, dtype=np.int64)])
        done = complete(hm, cost, best, held, min(group_seconds, left), stop=stop, lp=dec.lp)
        tried += 1
        if done.values is None:
            continue
        value = float(cost @ done.values)
        if value < best_value - IMPROVEMENT * max(1.0, abs(best_value)) and not check_vector(
                None, done.values, lp=dec.lp):
            best, best_value = done.values, value
            accepted += 1
        if not groups:  # another round from the new incumbent, while the last one paid
            if accepted == accepted_at_round_start:
                break
            accepted_at_round_start = accepted
            groups = group_order(dec, cost, best, rng, group)
    return SearchResult(values=best, value=best_value, tried=tried, accepted=accepted)
