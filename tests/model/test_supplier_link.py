"""Known answers for the supplier_link constraint family
(sovopt/model/constraints/supplier_link.py).

(How these tests are built: tests/model/__init__.py.)
"""

from __future__ import annotations

import pytest

from tests.model_cases import (
    covers,
    feasible,
    make_case,
    objective,
    option,
    solve,
    starts,
    supplier,
    totals,
)


@covers("supplier_link")
def test_supplier_link_activation_cost_favours_one_supplier() -> None:
    """One supplier for both capabilities beats two cheaper ones once activation counts.

    R1, R2 demand 10 each; every supplier costs 10 to engage. S1 offers both at
    1/unit; S2 offers R1 and S3 offers R2 at 0.6/unit.
    S1 alone: 10 + 10 + 10 = 30; S2 + S3: 20 + 6 + 6 = 32; S1 + S3 (or S2):
    20 + 10 + 6 = 36. Best: S1, 30/100 = 0.3.
    """
    case = make_case(
        [option("s1r1", "S1", 1, "R1"), option("s1r2", "S1", 1, "R2"),
         option("s2r1", "S2", 0.6, "R1"), option("s3r2", "S3", 0.6, "R2")],
        demand={"R1": 10, "R2": 10},
        suppliers=[supplier("A", "S1", 10), supplier("A", "S2", 10),
                   supplier("B", "S3", 10), supplier("H", "SH")])
    r = solve(case)
    feasible(case, r)
    assert objective(r) == pytest.approx(0.3, abs=1e-9)
    assert set(starts(r)) == {"s1r1", "s1r2"}
    assert totals(r) == {"s1r1": 10, "s1r2": 10}
