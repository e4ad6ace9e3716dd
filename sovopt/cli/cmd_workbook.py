"""``sovopt template`` and ``sovopt example``: write a case workbook to fill in or study."""

from __future__ import annotations

from pathlib import Path

import click

from sovopt.cli.app import cli, echo_err, emit_json, json_option
from sovopt.errors import EXIT_USAGE, SovoptError
from sovopt.example import example_case
from sovopt.workbook.template import write_template
from sovopt.workbook.write_case import YEAR_MAX, YEAR_MIN, default_horizon, write_case_workbook

#: The longest horizon a template may have (a guard against typing errors).
MAX_HORIZON_YEARS = 50


def _out_argument(func):
    """The OUT.xlsx argument shared by both commands."""
    return click.argument("out", type=click.Path(dir_okay=False, path_type=Path))(func)


def _force_option(func):
    return click.option("--force", is_flag=True,
                        help="Overwrite OUT if it exists.")(func)


def check_out(out: Path, force: bool) -> None:
    """Refuse a non-.xlsx name, and an existing file unless ``--force``."""
    if out.suffix.lower() != ".xlsx":
        raise SovoptError(f"{out}: the file name must end in .xlsx", exit_code=EXIT_USAGE)
    if out.exists() and not force:
        raise SovoptError(f"{out} already exists; pass --force to overwrite it",
                          exit_code=EXIT_USAGE)


def resolve_horizon(first_year: int | None, last_year: int | None) -> tuple[int, int]:
    """The template horizon from the options: default next year .. +9; one given
    year fixes the other (a ten-year horizon)."""
    default_first, default_last = default_horizon()
    span = default_last - default_first
    if first_year is None and last_year is None:
        first, last = default_first, default_last
    elif last_year is None:
        first, last = first_year, first_year + span
    elif first_year is None:
        first, last = min(default_first, last_year), last_year
    else:
        first, last = first_year, last_year
    if not (YEAR_MIN <= first <= YEAR_MAX and YEAR_MIN <= last <= YEAR_MAX):
        raise click.BadParameter(f"years must lie in {YEAR_MIN}..{YEAR_MAX}")
    if last < first:
        raise click.BadParameter(f"--last-year {last} is before --first-year {first}")
    if last - first + 1 > MAX_HORIZON_YEARS:
        raise click.BadParameter(f"a horizon of {last - first + 1} years is longer than "
                                 f"{MAX_HORIZON_YEARS}")
    return first, last


@cli.command()
@_out_argument
@click.option("--first-year", type=int, default=None,
              help="First planning year  [default: next calendar year]")
@click.option("--last-year", type=int, default=None,
              help="Last planning year  [default: first year + 9]")
@_force_option
@json_option
def template(out: Path, first_year: int | None, last_year: int | None, force: bool,
             as_json: bool) -> None:
    """Write a blank case workbook OUT.xlsx to fill in.

    It has an About sheet with instructions, one sheet per table with notes on
    every header, drop-downs and number checks, and the Demand and Budget years
    of the horizon.
    """

    check_out(out, force)
    first, last = resolve_horizon(first_year, last_year)
    write_template(out, first, last)
    echo_err(f"wrote the blank template {out} (years {first}-{last})")
    if as_json:
        emit_json({"written": str(out), "first_year": first, "last_year": last})


@cli.command()
@_out_argument
@_force_option
@json_option
def example(out: Path, force: bool, as_json: bool) -> None:
    """Write the bundled example case (fictional Norland, 2027-2036) to OUT.xlsx."""

    check_out(out, force)
    case = example_case()
    write_case_workbook(out, case)
    s = case.settings
    echo_err(f"wrote the example case {out}: {s.case_name} "
             f"({len(case.capabilities)} capabilities, {len(case.options)} options, "
             f"years {s.first_year}-{s.last_year})")
    if as_json:
        emit_json({"written": str(out), "case_name": s.case_name,
                   "first_year": s.first_year, "last_year": s.last_year})
