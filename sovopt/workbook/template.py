"""The blank case template (``sovopt template``)."""

from __future__ import annotations

import os
from pathlib import Path

from sovopt.workbook.write_case import default_horizon, write_case_workbook

__all__ = ["default_horizon", "write_template"]


def write_template(path: str | os.PathLike[str], first_year: int | None = None,
                   last_year: int | None = None) -> Path:
    """Write the blank template for the horizon ``first_year..last_year`` to ``path``.

    Without years the horizon is the next calendar year and the nine after it.
    """
    return write_case_workbook(path, None, first_year=first_year, last_year=last_year)
