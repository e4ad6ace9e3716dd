"""The click group, shared options, and the translation of errors into exit codes.

Messages and progress go to stderr; stdout is kept for ``--json`` output. A
:class:`~sovopt.errors.SovoptError` becomes its message (every problem, for an
invalid case) and its exit code; anything unexpected becomes one line asking
for ``--debug``, which shows the traceback instead.

With ``--json`` anywhere on the command line, stdout carries exactly one JSON
object whatever happens: while the command runs, file descriptor 1 is pointed
at stderr (so nothing else, not even a C library's banner, can reach stdout),
and the command's one object goes out through :func:`emit_json` on the real
stdout. An error becomes ``{"error", "exit_code", "problems": [{"sheet",
"cell", "message", "severity"}]}``.

Exit codes (README): 0 done, 1 invalid input (or a file sovopt cannot use),
2 usage error, 3 infeasible, 4 no solution / solver error, 130 interrupted,
70 an internal error (a bug: ``--debug`` shows it).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from collections.abc import Iterator
from typing import IO, Any

import click

from sovopt import __version__
from sovopt.cli.leave import leave
from sovopt.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    InvalidCase,
    Problem,
    SovoptError,
)
from sovopt.runs import default_store
from sovopt.schema import SHEETS_BY_NAME
from sovopt.time_budget import mark_command_start

#: Where the one JSON object goes while a ``--json`` command runs (None otherwise),
#: and whether it has been written (an error after it must not add a second one).
_json_channel: IO[str] | None = None
_json_written = False


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


def emit_json(obj: Any) -> None:
    """Write the command's one JSON object to stdout (the real one under ``--json``).

    Non-finite numbers become null, so the output is strict JSON.
    """
    global _json_written
    text = json.dumps(_finite(obj), ensure_ascii=False, default=str, allow_nan=False)
    out = _json_channel if _json_channel is not None else sys.stdout
    out.write(text + "\n")
    out.flush()
    _json_written = True


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by None, numpy scalars as Python's."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def problem_json(p: Problem) -> dict[str, Any]:
    """A problem as ``{"sheet", "cell", "message", "severity"}``: ``Budget!B3`` splits
    into sheet and cell; a sheet-level problem has no cell; a file-level one (its
    place is a file name) has neither, and the file is named in the message."""
    sheet: str | None
    cell: str | None
    message = p.message + (f"; {p.expected}" if p.expected else "")
    if "!" in p.where:
        sheet, cell = p.where.split("!", 1)
    elif p.where in SHEETS_BY_NAME:
        sheet, cell = p.where, None
    else:
        sheet, cell = None, None
        message = f"{p.where}: {message}" if p.where else message
    return {"sheet": sheet, "cell": cell, "message": message, "severity": p.severity}


def error_json(message: str, exit_code: int, problems: list[Problem] | None = None) -> None:
    """Under ``--json``, the error object (unless the command's object is out already)."""
    if _json_channel is not None and not _json_written:
        emit_json({"error": message, "exit_code": exit_code,
                   "problems": [problem_json(p) for p in problems or []]})


@contextlib.contextmanager
def stdout_for_json_only() -> Iterator[IO[str]]:
    """Keep stdout for the one JSON object: point file descriptor 1 (and sys.stdout)
    at stderr for the duration, and hand back a stream on the real stdout."""
    global _json_channel, _json_written
    saved_stdout = sys.stdout
    try:
        fd = saved_stdout.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1
    saved_fd = -1
    if fd == 1:
        saved_stdout.flush()
        saved_fd = os.dup(1)
        os.dup2(2, 1)
        channel: IO[str] = os.fdopen(os.dup(saved_fd), "w", encoding="utf-8")
    else:  # a captured stream (tests): no descriptor to redirect
        channel = saved_stdout
    _json_channel, _json_written = channel, False
    sys.stdout = sys.stderr
    try:
        yield channel
    finally:
        sys.stdout = saved_stdout
        _json_channel = None
        with contextlib.suppress(OSError, ValueError):
            channel.flush()
        if saved_fd >= 0:
            channel.close()
            os.dup2(saved_fd, 1)
            os.close(saved_fd)


def json_option(func):
    """``--json``: print one JSON object on stdout (messages stay on stderr)."""
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object on stdout (messages stay on stderr); "
                             "an error is {\"error\", \"exit_code\", \"problems\"}.")(func)


def default_store_folder() -> str:
    """``$SOVOPT_STORE``, else the nearest ``.sovopt/`` in the current folder or a parent
    (like git's ``.git``), else ``.sovopt`` here."""
    return os.environ.get("SOVOPT_STORE") or str(default_store())


class StoreParam(click.ParamType):
    """A run store: a folder, or a ``postgresql://`` URL (kept with its password masked
    in every text shown; see :class:`sovopt.runs.connect.ServerLocation`)."""

    name = "DIR|URL"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from sovopt.runs.connect import ServerLocation, is_server_url

        if isinstance(value, str) and is_server_url(value):
            return value if isinstance(value, ServerLocation) else ServerLocation(value)
        return click.Path(file_okay=False).convert(value, param, ctx)


def store_option(func):
    """``--store DIR|URL``: the run store folder or PostgreSQL URL (default: see
    :func:`default_store_folder`)."""
    return click.option(
        "--store",
        "store",
        type=StoreParam(),
        default=default_store_folder,
        show_default="$SOVOPT_STORE, or the nearest .sovopt/ here or in a parent folder",
        help="Run store: a folder, or postgresql://USER@HOST:PORT/DB.",
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
    if debug:  # HiGHS's banner and log too, in this process and its workers
        os.environ["SOVOPT_HIGHS_LOG"] = "1"  # sovopt.highs.HIGHS_LOG_ENV


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and map failures to exit codes."""
    mark_command_start(process=argv is None)  # the time limit counts from here
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    context = stdout_for_json_only() if as_json else contextlib.nullcontext()
    with context:
        code = _run(args)
        if as_json and not _json_written:  # a command that had nothing to say (--help)
            emit_json({"exit_code": code} if code == 0 else
                      {"error": f"exit code {code}", "exit_code": code, "problems": []})
    leave(code)


def _run(args: list[str]) -> int:
    """Run the command line ``args``; the exit code (every error reported first)."""
    debug = "--debug" in args
    try:
        rv = cli.main(args=args, prog_name="sovopt", standalone_mode=False)
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C into Abort; a prompt answered with Ctrl-D is a usage matter
        if isinstance(exc.__context__, KeyboardInterrupt):
            return _interrupted()
        echo_err("aborted")
        error_json("aborted", EXIT_USAGE)
        return EXIT_USAGE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        error_json(exc.format_message(), exc.exit_code, [Problem("", exc.format_message())])
        return exc.exit_code
    except InvalidCase as exc:
        if debug:
            traceback.print_exc()
        print_problems(exc.problems)
        echo_err(f"{exc}; nothing was solved", fg="red")
        error_json(f"{exc}; nothing was solved", exc.exit_code, exc.problems)
        return exc.exit_code
    except SovoptError as exc:
        if debug:
            traceback.print_exc()
        echo_err(f"error: {exc}", fg="red")
        error_json(str(exc), exc.exit_code, [Problem("", str(exc))])
        return exc.exit_code
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as exc:  # noqa: BLE001 - last line of defence for people
        if debug:
            traceback.print_exc()
        text = f"internal error: {type(exc).__name__}: {exc}"
        echo_err(f"{text} (run with --debug for details)", fg="red")
        error_json(text, EXIT_INTERNAL)
        return EXIT_INTERNAL
    return rv if isinstance(rv, int) else 0


def _interrupted() -> int:
    echo_err("interrupted (Ctrl-C); files written before are intact", fg="red")
    error_json("interrupted", EXIT_INTERRUPTED)
    return EXIT_INTERRUPTED
