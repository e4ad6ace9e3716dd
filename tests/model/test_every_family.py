"""Every constraint family of the model has a known-answer test (tests/model/test_<family>.py,
the sustainment families in tests/model/test_sustainment.py), and no more."""

from __future__ import annotations

from sovopt.model.constraints import FAMILIES
from tests.model_cases import covered_families


def test_every_family_has_a_test() -> None:
    """Every constraint family of the model has a known-answer test, and no more
    (the sustainment families in tests/model/test_sustainment.py)."""
    covered = covered_families()
    assert sorted(set(FAMILIES) - set(covered)) == []
    assert sorted(set(covered) - set(FAMILIES)) == []
