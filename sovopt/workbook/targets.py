"""Files a command will write, checked before any solving starts.

A long solve must not end in "cannot write ...": :func:`check_target` tries
the folder for real (a probe file, created and removed: permissions alone do
not tell for root or an immutable folder) and refuses a target that is a
folder, sits in a missing folder, or is open in a spreadsheet program.

A spreadsheet program marks a workbook it has open with a lock file beside
it: LibreOffice ``.~lock.NAME#``, Excel ``~$NAME`` (Excel replaces the first
two characters of a longer name, ``~$ample_case.xlsx`` for
``example_case.xlsx``, so both forms are looked for). Writing a workbook
someone has open either fails on Windows or is lost when they save; so a
lock file stops the write up front, with the way out (close it, or delete a
stale lock).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sovopt.errors import EXIT_USAGE, SovoptError


def lock_files(path: Path) -> list[Path]:
    """The spreadsheet lock files that exist beside ``path``."""
    name = path.name
    candidates = [path.with_name(f".~lock.{name}#"), path.with_name(f"~${name}")]
    if len(name) > 2:
        candidates.append(path.with_name(f"~${name[2:]}"))
    return [c for c in candidates if os.path.lexists(c)]


def check_not_open(path: Path, option: str) -> None:
    """Refuse ``path`` while a spreadsheet program has it open (a lock file beside it)."""
    found = lock_files(path)
    if found:
        raise SovoptError(
            f"{option} {path}: the workbook is open in a spreadsheet program (lock file "
            f"{found[0].name} beside it); close it there and run again, or delete "
            f"{found[0].name} if no program has it open", exit_code=EXIT_USAGE)


def can_write(folder: Path, file: Path | None = None) -> OSError | None:
    """None when files can be created in ``folder`` (and ``file``, if it exists, opened
    for writing), tried for real with a probe file; else the error that stopped it."""
    probe = folder / f".sovopt-write-test-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        probe.touch(exist_ok=False)
        probe.unlink()
        if file is not None and file.exists():
            with file.open("r+b"):
                pass
    except OSError as exc:
        return exc
    return None


def check_target(path: Path, option: str) -> None:
    """Refuse before solving a file that could not be written afterwards."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise SovoptError(f"{option} {path} is a folder; give a file name ending in .xlsx",
                          exit_code=EXIT_USAGE)
    if path.suffix.lower() != ".xlsx":
        raise SovoptError(f"{option} {path}: the file name must end in .xlsx",
                          exit_code=EXIT_USAGE)
    if not folder.is_dir():
        raise SovoptError(f"{option} {path}: the folder {folder} does not exist",
                          exit_code=EXIT_USAGE)
    if os.path.lexists(path) and not path.is_file():
        raise SovoptError(f"{option} {path} exists and is not a regular file",
                          exit_code=EXIT_USAGE)
    check_not_open(path, option)
    exc = can_write(folder, path)
    if exc is not None:
        raise SovoptError(f"{option} {path}: cannot write there ({exc.strerror or exc}); "
                          "give another place with --out, or fix the folder's permissions",
                          exit_code=EXIT_USAGE)
