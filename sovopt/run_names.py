"""A run named as a planner names it: its id, its number, a prefix, or its label.

``sovopt compare base tight`` and ``sovopt runs show base`` take a run's label as
well as its id: :func:`resolve_run` asks the run store for the id first (its own
rules: full id, run number, unique prefix) and, failing that, for runs whose label
is the name given (case-insensitive, whole label). Only the store's public methods
(``resolve``, ``list``) are used.
"""

from __future__ import annotations

from typing import Any

from sovopt.errors import SovoptError


def resolve_run(store: Any, name: str) -> tuple[str, str | None]:
    """The full run id ``name`` stands for, and a note when a label named several runs
    (the newest is taken). Raises the store's error when nothing matches."""
    try:
        return store.resolve(name), None
    except SovoptError as by_id:
        runs = store.list(label=name)
        if runs.empty:
            raise by_id from None
        exact = runs[runs["label"].astype(str).str.strip().str.lower()
                     == str(name).strip().lower()]
        if exact.empty:
            raise by_id from None
        rid = str(exact["run_id"].iloc[0])  # list() is newest first
        if len(exact) > 1:
            return rid, (f"the label {name!r} names {len(exact)} runs; the newest, {rid}, "
                         "is used (give its run id for another)")
        return rid, None
