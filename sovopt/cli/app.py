"""The click group, shared options, and the translation of errors into exit codes.

Messages and progress go to stderr; stdout is kept for ``--json`` output. A
:class:`~sovopt.errors.SovoptError` becomes its message (every problem, for an
invalid case) and its exit code; anything unexpected becomes one line asking
for ``--debug``, which shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from sovopt import __version__
from sovopt.errors import EXIT_USAGE, InvalidCase, Problem, SovoptError


def echo_err(message: str = "", **style) -> None:
    """Print a message for people on stderr."""
    click.secho(message, err=True, **style)


def print_problems(problems: list[Problem]) -> None:
    """Print errors then warnings, one line each."""
    for p in problems:
        if p.is_error:
            echo_err(f"error: {p}", fg="red")
    for p in problems:
        if not p.is_error:
            echo_err(f"warning: {p}", fg="yellow")


def store_option(func):
    """``--store DIR``: the run store folder (default ``$SOVOPT_STORE`` or ``.sovopt``)."""
    return click.option(
        "--store",
        "store",
        type=click.Path(file_okay=False),
        default=lambda: os.environ.get("SOVOPT_STORE", ".sovopt"),
        show_default="$SOVOPT_STORE or .sovopt",
        help="Run store folder.",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sovopt")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """sovopt: decide what to buy, from whom, and what to make at home.

    Typical flow: `sovopt template case.xlsx`, fill it in, `sovopt validate case.xlsx`,
    `sovopt solve case.xlsx`, then `sovopt runs` and `sovopt compare`.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and map failures to exit codes."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        rv = cli.main(args=args, prog_name="sovopt", standalone_mode=False)
    except click.exceptions.Abort:
        echo_err("aborted")
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except InvalidCase as exc:
        if debug:
            traceback.print_exc()
        print_problems(exc.problems)
        echo_err(f"{exc}; nothing was solved", fg="red")
        sys.exit(exc.exit_code)
    except SovoptError as exc:
        if debug:
            traceback.print_exc()
        echo_err(f"error: {exc}", fg="red")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        echo_err("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence for people
        if debug:
            traceback.print_exc()
        echo_err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
                 fg="red")
        sys.exit(70)
    sys.exit(rv if isinstance(rv, int) else 0)
