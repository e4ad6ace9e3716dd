"""Known answers for the supplier_capacity constraint family
(sovopt/model/constraints/supplier_capacity.py).

(How these tests are built: tests/model/__init__.py.)
"""

from __future__ import annotations

import pytest

from tests.model_cases import (
    MIN_COST_WITHOUT,
    covers,
    feasible,
    make_case,
    objective,
    option,
    solve,
    supplier,
    units,
)


@covers("supplier_capacity")
def test_supplier_capacity_is_shared_by_its_options() -> None:
    """A supplier's 6 units a year go where they save most.

    R1, R2 demand 4 each. S1 (capacity 6) offers both at 1/unit; SB offers
    R1 at 3 and R2 at 2. S1 saves 2/unit on R1 and 1/unit on R2, so S1: R1 4,
    R2 2; SB: R2 2. cost = 4 + 2 + 2·2 = 10; 10/100 = 0.1 (0.08 without the
    capacity).
    """
    case = make_case(
        [option("a1", "S1", 1, "R1"), option("a2", "S1", 1, "R2"),
         option("b1", "SB", 3, "R1"), option("b2", "SB", 2, "R2")],
        demand={"R1": 4, "R2": 4},
        suppliers=[supplier("A", "S1", capacity=6), supplier("B", "SB"),
                   supplier("H", "SH")])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.1, abs=1e-9)
    assert units(r) == {("a1", 2027): 4, ("a2", 2027): 2, ("b2", 2027): 2}
    off = solve(case, MIN_COST_WITHOUT["supplier_capacity"])
    assert objective(off) == pytest.approx(0.08, abs=1e-9)
