"""``sovopt validate CASE.xlsx``: every problem in a case workbook at once.

Each problem is one line on stderr (``error: Options!E7: ...`` then the
warnings), followed by a one-line summary. Exit code 0 when the case is valid
(warnings allowed), 1 on any error, including a file that is not a readable
.xlsx workbook. Every option the solve will leave out (value from a prohibited
country, no delivery within the horizon) is a warning at its Options cell, and so
is every capability whose min_suppliers can hold in no year.

With ``--json`` stdout carries one object: for a valid case ``{"valid": true,
"file", "capabilities", "options", "years", "warnings": [...]}``; otherwise
the error object ``{"error", "exit_code", "problems": [...]}`` with every
error and warning as ``{"sheet", "cell", "message", "severity"}``.
"""

from __future__ import annotations

from pathlib import Path

import click

from sovopt.case import Case
from sovopt.cli.app import cli, echo_err, emit_json, json_option, print_problems, problem_json
from sovopt.errors import EXIT_OK, InvalidCase, Problem, SovoptError
from sovopt.workbook.case_reader import read_case


def _plural(n: int, word: str, plural: str | None = None) -> str:
    """``1 option``, ``2 options``, ``3 capabilities``."""
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def valid_summary(name: str, case: Case, warnings: list[Problem]) -> str:
    """``case.xlsx is valid: 8 capabilities, 30 options, 10 years (2 warnings)``."""
    text = (f"{name} is valid: "
            f"{_plural(len(case.capabilities), 'capability', 'capabilities')}, "
            f"{_plural(len(case.options), 'option')}, {_plural(len(case.years), 'year')}")
    if warnings:
        text += f" ({_plural(len(warnings), 'warning')})"
    return text


def invalid_summary(name: str, problems: list[Problem]) -> str:
    """``case.xlsx is not valid: 5 errors, 2 warnings``."""
    errors = sum(p.is_error for p in problems)
    return (f"{name} is not valid: {_plural(errors, 'error')}, "
            f"{_plural(len(problems) - errors, 'warning')}")


def solve_warnings(case: Case) -> list[Problem]:
    """What the solve will report about the case before it optimises, from the solve's
    own model data (:func:`sovopt.prepare.prepare`): a warning per option it leaves out
    (:func:`sovopt.exclusions.excluded_options`), at the option's id cell with the
    reason, in the order of the Options rows; then a warning per capability whose
    min_suppliers can hold in no year, single source throughout
    (:func:`sovopt.sourcing.never_met`)."""
    from sovopt.prepare import prepare
    from sovopt.sourcing import never_met_warnings

    d = prepare(case)
    left_out = [Problem(case.cell("Options", "option_id", row["row"]),
                        f"option {row['option_id']} will be left out of the solve: "
                        f"{row['reason']}", severity="warning")
                for _, row in d.excluded.sort_values("row").iterrows()]
    return left_out + never_met_warnings(d)


@cli.command()
@click.argument("case_path", metavar="CASE.xlsx", type=click.Path(path_type=Path))
@json_option
@click.pass_context
def validate(ctx: click.Context, case_path: Path, as_json: bool) -> None:
    """Check a case workbook and list every problem at once.

    Each problem names its cell (Sheet!Cell), what is wrong and what is
    expected. Exits 1 if there is any error, 0 if the case is valid (warnings
    allowed).
    """
    name = case_path.name
    try:
        case, warnings = read_case(case_path)
    except InvalidCase as exc:
        print_problems(exc.problems)
        summary = invalid_summary(name, exc.problems)
        echo_err(summary, fg="red")
        if as_json:
            emit_json({"error": summary, "exit_code": exc.exit_code,
                       "problems": [problem_json(p) for p in exc.problems]})
        ctx.exit(exc.exit_code)
    except SovoptError as exc:
        echo_err(f"error: {exc}", fg="red")
        if as_json:
            emit_json({"error": str(exc), "exit_code": exc.exit_code,
                       "problems": [{"sheet": None, "cell": None, "message": str(exc),
                                     "severity": "error"}]})
        ctx.exit(exc.exit_code)
    warnings = warnings + solve_warnings(case)
    print_problems(warnings)
    echo_err(valid_summary(name, case, warnings), fg="green")
    if as_json:
        emit_json({"valid": True, "file": name, "capabilities": len(case.capabilities),
                   "options": len(case.options), "years": len(case.years),
                   "warnings": [problem_json(p) for p in warnings]})
    ctx.exit(EXIT_OK)
