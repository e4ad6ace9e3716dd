"""Cases for scripts: read a case workbook, or take the example.

>>> import sovopt
>>> case = sovopt.example_case()
>>> case.settings.case_name
'Norland capability plan 2027-2036 (fictional example)'
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sovopt.errors import CaseErrors, InvalidCase

if TYPE_CHECKING:
    from sovopt.case import Case

__all__ = ["CaseErrors", "example_case", "read_case"]


def read_case(path: str | os.PathLike[str]) -> Case:
    """Read and validate the case workbook at ``path``, as ``sovopt validate`` does.

    The warnings are kept on ``case.warnings``; any error raises
    :class:`CaseErrors`, which lists every problem with its sheet and cell, and a
    file that is not a readable workbook raises :class:`sovopt.errors.SovoptError`.

    >>> import sovopt, tempfile, pathlib
    >>> from sovopt.workbook.write_case import write_case_workbook
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = write_case_workbook(folder / "norland.xlsx", sovopt.example_case())
    >>> case = sovopt.read_case(path)
    >>> case.source, len(case.options) == len(sovopt.example_case().options)
    ('norland.xlsx', True)
    """
    from sovopt.workbook.case_reader import read_case as read

    try:
        case, warnings = read(path)
    except InvalidCase as exc:
        raise CaseErrors(exc.problems) from None
    case.warnings = list(warnings)
    return case


def example_case() -> Case:
    """The Norland example (the case ``sovopt example`` writes), ready to solve.

    >>> import sovopt
    >>> sorted(sovopt.example_case().capabilities["capability_id"])[:3]
    ['AD_INT', 'ARMV', 'ART155']
    """
    from sovopt.example import example_case as build

    return build()
