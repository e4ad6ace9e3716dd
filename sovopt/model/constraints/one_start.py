"""one_start: an option is contracted at most once; a mandatory option exactly once.

    Σ_t start[o,t] ≤ 1        (= 1 when mandatory[o])

Built as an array block (:mod:`sovopt.model.arrays`, an entry per start);
:func:`add_pyomo` is the reference block the arrays must equal.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from sovopt.model.arrays import add_rows, block, segment
from sovopt.model.family import EQUAL, Family, Relax
from sovopt.model.index import groups
from sovopt.model.relaxation import Relaxation
from sovopt.prepare import ModelData


def add(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The rows as one array block (see :mod:`sovopt.model.arrays`): an entry per start."""
    if d.starts.empty:
        return
    group = d.starts.groupby("option_id", sort=False).ngroup().to_numpy()
    options = d.starts["option_id"].drop_duplicates().tolist()  # the groups' order
    mandatory = d.options["mandatory"].reindex(options).to_numpy(bool)
    add_rows(m, block("one_start", (options,), [segment(m.start)], group,
                      np.arange(len(group)), np.ones(len(group)),
                      np.where(mandatory, 1.0, -np.inf), 1.0))


def add_pyomo(m: pyo.ConcreteModel, d: ModelData) -> None:
    """The reference block (what :func:`add`'s arrays must equal)."""
    ss = d.start_keys
    by_option = groups(d.starts, ["option_id"])
    mandatory = d.options["mandatory"].to_dict()

    def rule(_m, o):
        body = sum(m.start[ss[i]] for i in by_option[o])
        return body == 1 if mandatory[o] else body <= 1

    m.one_start = pyo.Constraint(list(by_option), rule=rule)


def describe(d: ModelData, index, amount: float, deliveries) -> Relaxation:
    o = index
    cell = d.case.cell("Options", "mandatory", d.options.loc[o, "row"])
    return Relaxation(
        "one_start", f"Mandatory option {o}", cell, 1.0, 0.0,
        f"Mandatory option {o} ({cell}) cannot be started within the other limits; "
        "set mandatory to no or make room for it",
    )


FAMILY = Family("one_start", add, reference=add_pyomo, optional=False,
                relax=Relax(rows=frozenset({EQUAL}), bound="floor"), describe=describe)
