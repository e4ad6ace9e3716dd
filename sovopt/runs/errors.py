"""The errors of the run store: each one line for people, with what to do."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

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


def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Turn any database error of a RunStore method into one StoreError line."""
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            raise self.error_for(exc) from None
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError) as exc:
            # damaged pages can read back as text that is not UTF-8 or not our JSON
            raise self.damaged(f"a stored value cannot be read: {type(exc).__name__}") from None
    return wrapper
