"""The ``sovopt`` command line: one module per command, registered on one group.

Importing a command module registers its commands on ``cli``.
"""

from sovopt.cli import cmd_compare, cmd_runs, cmd_solve, cmd_stress, cmd_validate, cmd_workbook  # noqa: F401,E501
from sovopt.cli.app import cli, main

__all__ = ["cli", "main"]
