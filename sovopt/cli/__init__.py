"""The ``sovopt`` command line: one module per command, registered on one group.

Importing a command module registers its commands on ``cli``.
"""

from sovopt.cli import (  # noqa: F401,E501
    cmd_brief,
    cmd_compare,
    cmd_materials,
    cmd_runs,
    cmd_solve,
    cmd_store,
    cmd_stress,
    cmd_studies,
    cmd_validate,
    cmd_workbook,
)
from sovopt.cli.app import cli, main

__all__ = ["cli", "main"]
