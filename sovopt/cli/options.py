"""Command-line checks shared by several commands, so a usage error exits 2 everywhere.

The README promises exit code 2 for a usage error: a word on the command
line that names nothing (``--objective fastest``) or a question the command cannot
ask (a destructive command with no terminal to answer it). These checks run while
click parses the command line or before the command acts, so they come first and
say what would have been accepted.
"""

from __future__ import annotations

from pathlib import Path

import click

from sovopt.errors import EXIT_USAGE, SovoptError, suggest
from sovopt.presets import BUILTIN

#: The endings a preset file may have (anything else is read as a preset's name).
PRESET_SUFFIXES = (".yaml", ".yml")


def check_objective(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """click callback of ``--objective``: a bundled preset's name or a ``.yaml`` file.

    A missing ``.yaml`` file is left to the preset reader (a file sovopt cannot use
    is exit 1); an unknown name is a usage error (exit 2), with the closest name.
    """
    if value is None or value in BUILTIN or Path(value).suffix.lower() in PRESET_SUFFIXES:
        return value
    raise click.BadParameter(f"unknown objective {value!r}{suggest(value, BUILTIN)}; expected "
                             f"one of {', '.join(BUILTIN)} or a .yaml preset file")


def confirm_or_usage(question: str) -> bool:
    """Ask ``question`` on stderr (an answer may be piped in); with no answer to read
    (no terminal, stdin at its end) a usage error that names ``--yes``."""
    try:
        return click.confirm(question, err=True)
    except click.Abort as exc:
        if isinstance(exc.__context__, EOFError):
            click.echo(err=True)  # end the question's line before the message
            raise SovoptError(f"no answer to {question!r}: there is no terminal to ask on; "
                              "use --yes to go ahead without asking",
                              exit_code=EXIT_USAGE) from None
        raise
