"""The ``sovopt`` command line: one module per command, registered on one group."""

from sovopt.cli.app import cli, main

# Importing a command module registers its commands on ``cli``.
from sovopt.cli import cmd_validate, cmd_workbook  # noqa: E402,F401

__all__ = ["cli", "main"]
