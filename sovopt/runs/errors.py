"""The errors of the run store: each one line for people, with what to do."""

from __future__ import annotations

from sovopt.errors import EXIT_INVALID, EXIT_USAGE, SovoptError


class UnknownRun(SovoptError):
    """No run (or more than one run) matches the id a user gave."""

    exit_code = EXIT_USAGE


class StoreError(SovoptError):
    """The run store cannot be used as it is: damaged, foreign, read-only, busy or
    (a database server) unreachable."""

    exit_code = EXIT_INVALID


class DuplicatePoint(SovoptError):
    """A study tried to record a point of its group a second time."""


#: What to do about a store file that cannot be used, for every StoreError.
STORE_ADVICE = ("give another store with --store DIR (or SOVOPT_STORE), start a fresh one "
                "by moving {db} aside, or restore {db} from a backup")
