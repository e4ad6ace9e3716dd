"""Where each relaxable limit is and which way it tightens, read from the families.

``Relax.limit``/``by``/``bound`` of each family (sovopt/model/family.py) let the
diagnosis name the limits tightened since an earlier run without typing family
names. Two years (2027, 2028): the budget cut in 2027 (100 -> 90) and raised in
2028 (100 -> 120), the localization target raised in 2028 (0 -> 0.2), demand of
R raised in 2027 (10 -> 12): three limits tighter (the raised budget is looser
and is not listed).
"""

from __future__ import annotations

from sovopt.diagnose import _limit_key, changed_limits
from sovopt.model.constraints import FAMILIES
from sovopt.prepare import prepare
from tests.model_cases import make_case, option

YEARS = (2027, 2028)


def data(budget, local, demand):
    return prepare(make_case([option("RA", "SA", 1.0), option("RH", "SH", 2.0)],
                             years=YEARS, budget=budget, local_share=local,
                             demand={"R": demand}))


def test_the_tightened_limits_are_named_by_their_families() -> None:
    before = data([100.0, 100.0], [0.0, 0.0], [10.0, 10.0])
    now = data([90.0, 120.0], [0.0, 0.2], [12.0, 10.0])
    assert changed_limits(before, now) == {("budget", 2027): "was 100",
                                           ("localization", 2028): "was 0",
                                           ("demand", ("R", 2027)): "was 10"}


def test_each_family_says_where_its_limit_is() -> None:
    caps = {name for name, f in FAMILIES.items()
            if f.relax is not None and f.relax.limit is not None and f.relax.bound == "cap"}
    floors = {name for name, f in FAMILIES.items()
              if f.relax is not None and f.relax.limit is not None
              and f.relax.bound == "floor"}
    assert caps == {"budget", "country_share", "supplier_capacity"}
    assert floors == {"localization", "dual_sourcing", "demand"}
    # a country's share cap serves every (capability, country, year) row of that country
    assert _limit_key("country_share", ("R", "A", 2027)) == ("country_share", "A")
    assert _limit_key("supplier_capacity", ("SA", 2027)) == ("supplier_capacity", "SA")
    assert _limit_key("budget", 2027) == ("budget", 2027)
