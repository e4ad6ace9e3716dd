"""A first portfolio built capability by capability within the budget.

On large cases HiGHS needs most of a level's time (presolve, root cut rounds on
tens of thousands of rows) before its own heuristics find any portfolio, and a
level without a start may end with none. This heuristic builds one from small
pieces instead:

1. the capabilities are cut into blocks of about :data:`OPTIONS_PER_BLOCK`
   options, in the case's order;
2. each block is a case of its own (its capabilities, their demand, options,
   inputs and repair lines, their suppliers, every country, no scenarios,
   none of the families that only define risk terms),
   with the budget each year and the supplier capacity that the blocks before
   it left, activation costs already paid by an earlier block set to zero,
   and unmet demand allowed but priced far above any cost
   (:data:`UNMET_WEIGHT`), so a block never fails on demand alone; it is
   prepared, built and solved by the one verified level solver
   (:class:`sovopt.level.LevelSolver`) for its cheapest plan, to
   :data:`BLOCK_GAP`: first with the integers its LP relaxation leaves at
   zero fixed there (:mod:`sovopt.heuristics.lp_support`), then whole where
   that finds no plan, or leaves demand short with all of the budget left
   (bench L, two workers: the blocks took 83 s as whole MIPs, most of it in
   HiGHS's root cut rounds, and 24 s this way, four of 26 blocks solved whole);
3. a block first gets its fair part of each year's budget left
   (:data:`FAIR_BUDGET` times its options' share of those still to come), so
   the first blocks cannot exhaust the early years the later ones need; a
   block that cannot keep its local share at the year's target (it may have
   no domestic option at all) is solved again without the target (the yearly
   localization is shared by all blocks and is put right by the repair that
   follows), and then with all the budget left; a block whose plan leaves
   demand short within its fair part (in a case that allows no unmet demand)
   is also solved again with all the budget left, since a start that is
   short of demand cannot be completed, only repaired at far greater cost.

The blocks' plans together are a portfolio of the whole case. It is not yet
guaranteed feasible there (localization, shared capacities, unmet demand in a
case that allows none): the caller hands it to
:func:`sovopt.heuristics.repair.repair` as it does a given start, and verifies
the result like any solution.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sovopt.case import Case
from sovopt.heuristics.lp_support import lp_support
from sovopt.highs import HighsModel, Stop, set_cost, solver_options, to_highs
from sovopt.level import LevelResult, LevelSolver, level_cost
from sovopt.model.constraints.budget import FAMILY as BUDGET
from sovopt.model.family import row_family
from sovopt.portfolio import Portfolio

#: Integer columns from which the first portfolio is built this way rather than by
#: HiGHS on the whole model (the cost-only crash start). Measured on bench M
#: (13,856 integers): the crash start needed 31 s of CPU for its first portfolio,
#: the blocks 15 s; on R (about 6,000) the crash start finds one in a few seconds.
MIN_INTEGERS = 10_000
#: Options per block: small enough that a block's model solves in about a second.
OPTIONS_PER_BLOCK = 250
#: Weight of unmet demand (a share of weighted demand) against cost (a share of budget).
UNMET_WEIGHT = 100.0
#: A block may first spend this many times its options' share of each year's budget
#: left (so the first blocks cannot exhaust the early years the later ones need),
#: then all of it.
FAIR_BUDGET = 1.5
#: Relative gap each block is solved to: a start, not an answer.
BLOCK_GAP = 0.10
#: A block may take this many times its options' share of the time left.
BLOCK_TIME_ROOM = 3.0
#: Unmet demand (weighted share) below which a block's plan counts as meeting it.
UNMET_TOLERANCE = 1e-9


def capability_blocks(case: Case, per_block: int | None = None) -> list[list[str]]:
    """The capabilities in the case's order, cut into blocks of about ``per_block``
    options (default :data:`OPTIONS_PER_BLOCK`)."""
    per_block = per_block or OPTIONS_PER_BLOCK
    counts = case.options.groupby("capability_id").size()
    blocks: list[list[str]] = [[]]
    held = 0
    for cap in case.capabilities["capability_id"]:
        n = int(counts.get(cap, 0))
        if blocks[-1] and held + n > per_block:
            blocks.append([])
            held = 0
        blocks[-1].append(str(cap))
        held += n
    return [b for b in blocks if b]


def block_case(case: Case, caps: list[str], budget: pd.DataFrame, paid: set[str],
               taken: pd.Series, localization: bool) -> Case:
    """The case restricted to the capabilities ``caps``, with what is left of the budget.

    ``budget``: the Budget table with this block's budget per year; ``paid``: the
    suppliers an earlier block engaged (their activation cost is spent);
    ``taken``: supplier_id -> the most units earlier blocks take from it in any
    one year (its yearly capacity is lowered by that, which keeps every year
    within it); ``localization``: keep the yearly local-share targets (else 0).
    """
    sub = _of_capabilities(case, caps)
    suppliers = sub.suppliers
    left = suppliers["capacity_per_year"] - suppliers["supplier_id"].map(taken).fillna(0.0)
    suppliers = suppliers.assign(
        activation_cost=np.where(suppliers["supplier_id"].isin(paid), 0.0,
                                 suppliers["activation_cost"]),
        capacity_per_year=left.clip(lower=0.0).where(suppliers["capacity_per_year"].notna()))
    budget = budget.copy()
    if not localization:
        budget["min_local_share"] = 0.0
    return replace(sub, suppliers=suppliers, scenarios=case.scenarios.iloc[0:0],
                   budget=budget, settings=replace(case.settings, allow_unmet=True))


def _of_capabilities(case: Case, caps: list[str]) -> Case:
    """The case restricted to the capabilities ``caps``: their demand, options, the
    suppliers and inputs and repair lines of those options; all else as it is."""
    options = case.options[case.options["capability_id"].isin(caps)]
    return replace(
        case, capabilities=case.capabilities[case.capabilities["capability_id"].isin(caps)],
        demand=case.demand[case.demand["capability_id"].isin(caps)],
        options=options,
        suppliers=case.suppliers[case.suppliers["supplier_id"].isin(options["supplier_id"])],
        inputs=case.inputs[case.inputs["option_id"].isin(options["option_id"])],
        repair=case.repair[case.repair["option_id"].isin(options["option_id"])])


def part_case(case: Case, caps: list[str]) -> Case:
    """The case for one worker's part of the capabilities ``caps``: their options and
    demand, and the share of each year's budget and of each supplier's capacity
    that their options hold (options of ``caps`` over all options, for the budget;
    over all of that supplier's options, for its capacity)."""
    sub = _of_capabilities(case, caps)
    share = len(sub.options) / max(1, len(case.options))
    mine = sub.options.groupby("supplier_id").size()
    every = case.options.groupby("supplier_id").size()
    held = sub.suppliers["supplier_id"].map(mine / every).fillna(0.0)
    return replace(
        sub, suppliers=sub.suppliers.assign(
            capacity_per_year=sub.suppliers["capacity_per_year"] * held),
        budget=case.budget.assign(budget=case.budget["budget"] * share))


def parts_of(blocks: list[list[str]], workers: int) -> list[list[str]]:
    """The blocks dealt out to ``workers`` parts in turn (block k to part k mod
    workers), each part's capabilities in the case's order. Dealt, not cut in
    runs: on bench L the first half of the blocks took 126 s of CPU and the
    second 53 s, so two runs kept one worker idle for more than a minute."""
    parts: list[list[str]] = [[] for _ in range(min(workers, len(blocks)))]
    for k, caps in enumerate(blocks):
        parts[k % len(parts)].extend(caps)
    return parts


def constructive_portfolio(case: Case, seconds: float, stop: Stop,
                           highs_options: dict[str, object] | None = None,
                           workers: int = 1) -> Portfolio | None:
    """A portfolio of ``case`` built block by block within ``seconds`` (None if a block
    found no plan in its time or the stop was requested).

    With ``workers`` > 1 (and at least two blocks per worker) the capabilities are
    dealt out to that many parts (:func:`parts_of`), each with its share of the budget
    and of the suppliers' capacity (:func:`part_case`), and the parts are built at
    once in worker processes (:class:`sovopt.executors.LocalExecutor`), each block
    by block as below: bench L's 26 blocks took about 190 s of CPU as whole MIPs, and
    24 s on two workers within their LP supports.
    """
    blocks = capability_blocks(case)
    if workers > 1 and len(blocks) >= 2 * workers:
        return _in_parts(case, blocks, time.monotonic() + seconds, stop, highs_options,
                         workers)
    pieces = _block_by_block(case, blocks, time.monotonic() + seconds, stop, highs_options)
    return None if pieces is None else _joined([p.portfolio for p in pieces])


@dataclass
class Piece:
    """One block's plan: its capabilities, portfolio, budget used per year, and
    whether it leaves demand short (then the plan of a case that allows none is
    not complete)."""

    caps: list[str]
    portfolio: Portfolio
    spent: dict[int, float]
    short: bool


def _in_parts(case: Case, blocks: list[list[str]], deadline: float, stop: Stop,
              highs_options: dict[str, object] | None, workers: int) -> Portfolio | None:
    """The parts built at once by ``workers`` processes and joined (None if any
    failed). A part has only its share of each year's budget, so a block may be
    left short where the whole budget would have served it; those blocks are
    built again here, one by one, with every year's budget that the others left."""
    from sovopt.executors import LocalExecutor

    parts = parts_of(blocks, workers)
    options = {**(highs_options or {}), "threads": 1}  # one core per worker
    tasks = [(caps, deadline, options) for caps in parts]
    built: list[list[Piece] | None] = [None] * len(parts)

    def done(i: int, result: list[Piece] | None, error: str | None) -> None:
        built[i] = result

    executor = LocalExecutor(len(parts))
    try:
        executor.run(_build_part, case, tasks, done,
                     stop=lambda: stop.requested or time.monotonic() > deadline + 2.0)
    finally:
        executor.close(cancel=True)
    if any(b is None for b in built):
        return None
    pieces = [p for b in built if b is not None for p in b]
    if case.settings.allow_unmet or not any(p.short for p in pieces):
        return _joined([p.portfolio for p in pieces])
    kept = [p for p in pieces if not p.short]
    budget = case.budget
    for piece in kept:
        budget = _less(budget, piece.spent)
    again = _block_by_block(case, [p.caps for p in pieces if p.short], deadline, stop,
                            highs_options, budget, *_engaged(case, kept))
    if again is None:
        return _joined([p.portfolio for p in pieces])  # short: the repair's task
    return _joined([p.portfolio for p in kept + again])


def _build_part(case: Case, task: tuple[list[str], float, dict[str, object]]
                ) -> list[Piece] | None:
    """One worker's part, block by block (the deadline is the client's: the monotonic
    clock is the machine's)."""
    caps, deadline, options = task
    part = part_case(case, caps)
    return _block_by_block(part, capability_blocks(part), deadline, Stop(), options)


def _engaged(case: Case, pieces: list[Piece]) -> tuple[set[str], pd.Series]:
    """What ``pieces`` hold of the suppliers: the ones they engage (activation paid)
    and, per supplier, the most units they take from it in any one year."""
    supplier = case.options.set_index("option_id")["supplier_id"]
    paid = {str(s) for p in pieces for s in p.portfolio.starts["option_id"].map(supplier)
            if pd.notna(s)}
    taken = pd.Series(dtype=float)
    for p in pieces:
        units = p.portfolio.deliveries.assign(
            supplier_id=p.portfolio.deliveries["option_id"].map(supplier))
        yearly = units.groupby(["supplier_id", "year"])["units"].sum()
        taken = taken.add(yearly.groupby(level=0).max(), fill_value=0.0)
    return paid, taken


def _joined(pieces: list[Portfolio]) -> Portfolio:
    return Portfolio(
        starts=pd.concat([p.starts for p in pieces], ignore_index=True),
        deliveries=pd.concat([p.deliveries for p in pieces], ignore_index=True),
        repairs=pd.concat([p.repairs for p in pieces], ignore_index=True))


def _block_by_block(case: Case, blocks: list[list[str]], deadline: float, stop: Stop,
                    highs_options: dict[str, object] | None,
                    budget: pd.DataFrame | None = None, paid: set[str] | None = None,
                    taken: pd.Series | None = None) -> list[Piece] | None:
    """The blocks of ``case`` one after another, each within what the ones before
    left (the steps of the module's docstring), starting from ``budget`` (default
    the case's), the suppliers already ``paid`` and the units already ``taken``."""
    from sovopt.model import build_model  # the model stack, as the solve loads it
    from sovopt.model.constraints import REGISTRY
    from sovopt.prepare import prepare

    # the families that only define risk terms (HHI, scenario losses): a block's
    # cheapest plan needs none of them
    terms_only = frozenset(f.name for f in REGISTRY if f.terms and f.optional)

    counts = case.options.groupby("capability_id").size()
    sizes = [max(1, int(counts.reindex(b).fillna(0).sum())) for b in blocks]
    budget = (case.budget if budget is None else budget).copy()
    paid = set(paid or ())
    taken = pd.Series(dtype=float) if taken is None else taken.copy()
    pieces: list[Piece] = []
    for k, caps in enumerate(blocks):
        # the block's fair part of what is left of each year's budget (its options'
        # share of those still to come, with room to spare), then all of it
        fair = min(1.0, FAIR_BUDGET * sizes[k] / sum(sizes[k:]))
        part, localization = fair, True
        kept = None  # a plan that leaves demand short, kept in case nothing better comes
        while True:
            left = deadline - time.monotonic()
            if left <= 0.5 or stop.requested:
                return None
            # the time left in proportion to the options still to come, with room for a
            # block harder than most (bench L: 2.6 to 25 s of CPU for blocks of one size)
            share = max(0.5, min(left, BLOCK_TIME_ROOM * left * sizes[k] / sum(sizes[k:])))
            sub = block_case(case, caps, budget.assign(budget=budget["budget"] * part),
                             paid, taken, localization)
            d = prepare(sub)
            m = build_model(d, terms_only)
            hm = to_highs(m, m.term_names, solver_options(BLOCK_GAP, share,
                                                          extra=highs_options))
            cost, scale = level_cost(hm, {"unmet": UNMET_WEIGHT, "cost": 1.0})
            set_cost(hm, cost)
            block_stop = Stop()
            block_stop.deadline = time.monotonic() + share
            if stop.requested:
                return None
            result, values = _cheapest(LevelSolver(hm, m, d, BLOCK_GAP, block_stop), cost,
                                       scale or 1.0, case.settings.allow_unmet or part < 1.0,
                                       f"first portfolio, block {k + 1}/{len(blocks)}")
            if values is not None:
                short = _short(hm, values)
                if short and part < 1.0 and not case.settings.allow_unmet:
                    kept, part = (result, values, hm, short), 1.0
                    continue
                break
            if result.status == "infeasible" and localization:
                localization = False
            elif result.status == "infeasible" and part < 1.0:
                part = 1.0
            elif kept is not None:
                result, values, hm, short = kept  # the short plan: the repair's task
                break
            else:
                return None  # out of time, or a solver error: no start from here
        piece = Piece(caps, result.portfolio, _budget_used(hm, values), short)
        pieces.append(piece)
        budget = _less(budget, piece.spent)
        engaged, units = _engaged(case, [piece])
        paid |= engaged
        taken = taken.add(units, fill_value=0.0)
    return pieces


def _short(hm: HighsModel, values: np.ndarray) -> bool:
    """Whether a block's plan leaves demand short."""
    return float(hm.costs["unmet"] @ values) > UNMET_TOLERANCE


def _cheapest(solver: LevelSolver, cost: np.ndarray, scale: float, short_ok: bool,
              label: str) -> tuple[LevelResult, np.ndarray | None]:
    """A block's cheapest plan: first within its LP relaxation's support
    (:mod:`sovopt.heuristics.lp_support`), then with every integer free where that
    finds no plan, or one that leaves demand short unless ``short_ok`` (the case
    allows it, or the block has only its fair part of the budget: the caller then
    tries again with all of it)."""
    found: tuple[LevelResult, np.ndarray | None] | None = None
    with lp_support(solver.hm, solver.stop) as free:
        if free is not None:
            found = solver.optimise("constructive", {}, cost, scale, None,
                                    f"{label}, LP support")
    if found is not None and found[1] is not None and (
            short_ok or not _short(solver.hm, found[1])):
        return found
    whole = solver.optimise("constructive", {}, cost, scale, None, label)
    if whole[1] is None and found is not None and found[1] is not None:
        return found  # the short plan: the caller's loop decides what to do with it
    return whole


def _less(budget: pd.DataFrame, spent: dict[int, float]) -> pd.DataFrame:
    """The Budget table with each year's ``spent`` taken off (never below zero)."""
    left = budget["budget"] - budget["year"].map(spent).fillna(0.0)
    return budget.assign(budget=left.clip(lower=0.0))


def _budget_used(hm: HighsModel, values: np.ndarray) -> dict[int, float]:
    """Each year's left-hand side of the budget row at ``values`` (what is spent)."""
    used: dict[int, float] = {}
    for i, (row, _) in enumerate(hm.rows):
        if row_family(row) == BUDGET.name:
            used[int(row.index())] = float((hm.A[[i], :] @ values)[0])
    return used
