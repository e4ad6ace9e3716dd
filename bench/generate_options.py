"""The generated options of a benchmark case, their suppliers and their critical
inputs (:func:`draw_options`, :func:`draw_inputs`), and the reference plan that keeps the
case feasible (:class:`Plan`); :mod:`bench.generate` puts the case together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench.sizes import BUY_FACTOR, FIRST_YEAR, INPUT_NAMES, INPUT_WEIGHT, SizeSpec

# --- options ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """The reference plan: per capability its bridge and long-term option (row positions
    in the options table), the long-term option's start and first delivery year offsets."""

    bridge: np.ndarray
    long: np.ndarray
    start: np.ndarray
    first: np.ndarray

    def units(self, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Units delivered by the bridge and by the long-term option, [r, t]."""
        t = np.arange(demand.shape[1])
        late = t[None, :] >= self.first[:, None]
        return np.where(late, 0.0, demand), np.where(late, demand, 0.0)


def uniform(rng: np.random.Generator, lo, hi, n: int) -> np.ndarray:
    return lo + (np.asarray(hi) - np.asarray(lo)) * rng.random(n)


def draw_options(spec: SizeSpec, countries: pd.DataFrame, suppliers: pd.DataFrame,
             caps: pd.DataFrame, demand: np.ndarray,
             rng: np.random.Generator) -> tuple[pd.DataFrame, Plan]:
    n_r, n_t = demand.shape
    extra = max(0, spec.options - 2 * n_r)
    per_cap = 2 + rng.multinomial(extra, rng.dirichlet(np.full(n_r, 4.0)))
    if spec.distinct:  # an even spread: 5 to 10 options each
        per_cap = 2 + np.clip(rng.multinomial(extra, np.full(n_r, 1 / n_r)), 3, 8)
    cap_idx = np.repeat(np.arange(n_r), per_cap)
    n = len(cap_idx)
    offsets = np.cumsum(per_cap) - per_cap
    role = np.full(n, 2)
    role[offsets] = 0  # bridge
    role[offsets + 1] = 1  # long-term
    bridge_pos, long_pos = offsets, offsets + 1

    s_tier = suppliers["_tier"].to_numpy()
    home_s = np.flatnonzero(s_tier == "home")
    ally_s = np.flatnonzero(s_tier == "ally")
    supplier = rng.integers(0, len(suppliers), n)
    if spec.distinct:
        supplier, distinct_mode = _distinct_suppliers(suppliers, offsets, per_cap, rng)
    supplier[bridge_pos] = ally_s[rng.integers(0, len(ally_s), n_r)]
    licensed = (rng.random(n_r) < 0.3) & (len(ally_s) >= 2)
    other_ally = ally_s[rng.integers(0, len(ally_s), n_r)]
    clash = other_ally == supplier[bridge_pos]
    other_ally[clash] = ally_s[(np.searchsorted(ally_s, other_ally[clash]) + 1) % len(ally_s)]
    supplier[long_pos] = np.where(licensed, other_ally,
                                  home_s[rng.integers(0, len(home_s), n_r)])
    if spec.distinct:
        _no_repeats(supplier, s_tier, offsets, per_cap)
    tier = s_tier[supplier]

    foreign_mode = rng.choice(["buy", "license", "coproduce"], n, p=[0.55, 0.25, 0.2])
    if spec.distinct:
        foreign_mode = distinct_mode
    mode = np.where(tier == "home", "domestic", foreign_mode)
    mode[bridge_pos] = "buy"
    mode[long_pos] = np.where(licensed, "license", "domestic")

    lo = np.array([BUY_FACTOR.get(t, (1.2, 1.6))[0] for t in tier])
    hi = np.array([BUY_FACTOR.get(t, (1.2, 1.6))[1] for t in tier])
    factor = uniform(rng, lo, hi, n)
    factor *= np.select([mode == "license", mode == "coproduce"],
                        [uniform(rng, 1.05, 1.2, n), uniform(rng, 1.1, 1.25, n)], 1.0)
    factor[bridge_pos] = uniform(rng, 1.05, 1.25, n_r)
    base_cost = caps["unit_cost"].to_numpy()[cap_idx]
    unit_cost = np.round(base_cost * factor, 4)

    local = np.select(
        [mode == "buy", mode == "license", mode == "coproduce"],
        [np.where(rng.random(n) < 0.5, 0.0, uniform(rng, 0.0, 0.1, n)),
         uniform(rng, 0.35, 0.6, n), uniform(rng, 0.3, 0.5, n)],
        uniform(rng, 0.55, 0.85, n))
    local = np.round(local, 2)

    value = caps["value"].to_numpy()[cap_idx]
    fixed_share = np.select([mode == "buy", mode == "domestic"],
                            [uniform(rng, 0.0, 0.05, n), uniform(rng, 0.2, 0.8, n)],
                            uniform(rng, 0.1, 0.4, n))
    fixed = np.round(value * fixed_share, 2)

    lead = np.select(
        [mode == "buy", mode == "domestic"],
        [rng.choice([0, 1], n, p=[0.7, 0.3]), rng.integers(1, 5, n)],
        rng.integers(1, 4, n))
    existing_line = (mode == "domestic") & (rng.random(n) < 0.15)  # small line, no lead
    lead = np.where(existing_line, 0, lead)
    lead[bridge_pos] = 0
    long_lead = np.minimum(rng.integers(1, 5, n_r), max(1, n_t - 3))
    lead[long_pos] = long_lead
    available = FIRST_YEAR + rng.choice([0, 0, 0, 0, 0, 1, 2, 3], n)
    available[bridge_pos] = FIRST_YEAR
    available[long_pos] = FIRST_YEAR

    # the reference plan: the long-term option starts in one of the first years
    room = np.maximum(0, np.minimum(3, n_t - 2 - long_lead))
    start = rng.integers(0, room + 1)
    plan = Plan(bridge=bridge_pos, long=long_pos, start=start, first=start + long_lead)

    integer = caps["integer_units"].to_numpy()[cap_idx]
    peak = demand.max(axis=1)[cap_idx]
    mean = demand.mean(axis=1)[cap_idx]

    def qty(x: np.ndarray, minimum: float) -> np.ndarray:
        return np.where(integer, np.maximum(minimum, np.ceil(x)), np.round(x, 1))

    moq = np.where(mode == "buy",
                   np.where(rng.random(n) < 0.2, qty(uniform(rng, 0.2, 1.0, n) * mean, 1), 0.0),
                   qty(uniform(rng, 0.5, 2.0, n) * mean, 1))
    moq[bridge_pos] = 0.0
    _, long_units = plan.units(demand)
    moq[long_pos] = np.floor(uniform(rng, 0.3, 0.8, n_r) * long_units.sum(axis=1))
    qmax = np.where(rng.random(n) < 0.4, np.nan, qty(uniform(rng, 0.2, 1.0, n) * peak, 1))
    qmax = np.where(existing_line, qty(uniform(rng, 0.1, 0.25, n) * peak, 1), qmax)
    qmax[bridge_pos] = np.nan
    qmax[long_pos] = np.nan

    mandatory = np.zeros(n, dtype=bool)
    n_mandatory = max(1, round(0.03 * n_r))
    mandatory[long_pos[rng.choice(n_r, n_mandatory, replace=False)]] = True

    ids = np.array([f"O{i:05d}" for i in range(1, n + 1)])
    cap_ids = caps["capability_id"].to_numpy()[cap_idx]
    notes = np.select([role == 0, role == 1], ["reference bridge", "reference long-term"], "")
    options = pd.DataFrame({
        "option_id": ids, "capability_id": cap_ids,
        "supplier_id": suppliers["supplier_id"].to_numpy()[supplier], "mode": mode,
        "unit_cost": unit_cost, "fixed_cost": fixed, "local_content": local,
        "lead_time_years": lead.astype(int), "available_from": available.astype(int),
        "min_total_qty": moq, "max_qty_per_year": qmax, "mandatory": mandatory,
        "notes": notes, "_supplier": supplier, "_cap": cap_idx, "_role": role,
    })
    return options, plan


def _no_repeats(supplier: np.ndarray, tiers: np.ndarray, offsets: np.ndarray,
                per_cap: np.ndarray) -> None:
    """Give an extra option that repeats its capability's bridge or long-term supplier
    the next unused supplier of the same kind (home or foreign), in place."""
    for first, k in zip(offsets, per_cap, strict=True):
        used = set(supplier[first:first + k].tolist())
        for i in range(first + 2, first + k):
            if supplier[i] in supplier[first:first + 2]:
                same = np.flatnonzero((tiers == "home") == (tiers[supplier[i]] == "home"))
                free = [j for j in same.tolist() if j not in used]
                if free:
                    supplier[i] = free[0]
                    used.add(free[0])


def _distinct_suppliers(suppliers: pd.DataFrame, offsets: np.ndarray, per_cap: np.ndarray,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Suppliers and foreign modes for size R, capability by capability.

    Each capability's extra options (after its bridge and long-term option,
    which the caller sets) have distinct suppliers: a quarter (at least one)
    at home, i.e. domestic lines, the rest foreign suppliers of every tier
    whose modes cycle coproduce, license, buy. With the buy bridge every
    capability then has all four modes, and no two options are alike.
    """
    tiers = suppliers["_tier"].to_numpy()
    home = np.flatnonzero(tiers == "home")
    foreign = np.flatnonzero(tiers != "home")
    n = int(per_cap.sum())
    supplier = np.empty(n, dtype=int)
    mode = np.full(n, "buy", dtype=object)
    cycle = np.array(["coproduce", "license", "buy"], dtype=object)
    for first, k in zip(offsets, per_cap, strict=True):
        extras = k - 2
        n_home = min(max(1, extras // 4), len(home))
        n_foreign = extras - n_home
        supplier[first:first + 2] = foreign[:2]  # replaced by the caller
        supplier[first + 2:first + 2 + n_home] = rng.choice(home, n_home, replace=False)
        supplier[first + 2 + n_home:first + k] = rng.choice(foreign, n_foreign, replace=False)
        mode[first + 2 + n_home:first + k] = cycle[np.arange(n_foreign) % 3]
    return supplier, mode.astype(str)


def draw_inputs(countries: pd.DataFrame, options: pd.DataFrame, plan: Plan,
            rng: np.random.Generator) -> pd.DataFrame:
    """The bill of materials: 0-3 foreign inputs per option (reference options: safe ones)."""
    tiers = countries["tier"].to_numpy()
    cid = countries["country_id"].to_numpy()
    n = len(options)
    role = options["_role"].to_numpy()
    count = rng.choice([0, 1, 2, 3], n, p=[0.25, 0.35, 0.25, 0.15])
    count = np.where(role == 0, rng.integers(0, 2, n), count)
    count = np.where(role == 1, rng.integers(1, 3, n), count)
    owner = np.repeat(np.arange(n), count)
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    owner_role = role[owner]

    src_tiers = np.isin(tiers, list(INPUT_WEIGHT))
    src = np.flatnonzero(src_tiers)
    w = np.array([INPUT_WEIGHT[t] for t in tiers[src]])
    source = rng.choice(src, len(owner), p=w / w.sum())
    allies = np.flatnonzero(tiers == "ally")
    partners = np.flatnonzero(tiers == "partner")
    if len(partners) == 0:
        partners = allies
    ally_pick = allies[rng.integers(0, len(allies), len(owner))]
    partner_pick = partners[rng.integers(0, len(partners), len(owner))]
    # bridge: allied inputs only; long-term: a critical partner input, then allied ones
    source = np.where(owner_role == 0, ally_pick, source)
    source = np.where((owner_role == 1) & (rank == 0), partner_pick, source)
    source = np.where((owner_role == 1) & (rank > 0), ally_pick, source)
    critical = rng.random(len(owner)) < 0.6
    critical = np.where(owner_role == 0, False, critical)
    critical = np.where((owner_role == 1) & (rank == 0), True, critical)
    critical = np.where((owner_role == 1) & (rank > 0), False, critical)
    share = uniform(rng, 0.03, 0.15, len(owner))
    share = np.where((owner_role == 1) & (rank == 0), uniform(rng, 0.05, 0.12, len(owner)),
                     share)

    # a few ordinary options carry an input from a prohibited country: excluded
    prohibited = np.flatnonzero(tiers == "prohibited")
    bad = np.flatnonzero((role == 2) & (rng.random(n) < 0.015))
    if len(prohibited) and len(bad):
        owner = np.concatenate([owner, bad])
        source = np.concatenate([source, prohibited[rng.integers(0, len(prohibited),
                                                                 len(bad))]])
        critical = np.concatenate([critical, np.ones(len(bad), dtype=bool)])
        share = np.concatenate([share, uniform(rng, 0.05, 0.1, len(bad))])

    # keep local content + inputs within 90 % of the value (the remainder stays >= 0)
    local = options["local_content"].to_numpy()
    total = np.bincount(owner, weights=share, minlength=n)
    room = 0.9 * (1.0 - local)
    scale = np.where(total > room, room / np.where(total > 0, total, 1.0), 1.0)
    share = np.floor(share * scale[owner] * 1000) / 1000
    keep = share > 0
    owner, source, critical, share = owner[keep], source[keep], critical[keep], share[keep]
    order = np.argsort(owner, kind="stable")
    owner, source, critical, share = owner[order], source[order], critical[order], share[order]
    return pd.DataFrame({
        "option_id": options["option_id"].to_numpy()[owner],
        "input": INPUT_NAMES[rng.integers(0, len(INPUT_NAMES), len(owner))],
        "source_country_id": cid[source], "value_share": share, "critical": critical,
    })
